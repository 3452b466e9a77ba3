"""Spreadsheets in and out: reading uploads (.xlsx, or CSV in UTF-8 or GBK) and reporting bad rows;
the workbook, sheets, cells and download name of every .xlsx export (`export_workbook`, `ExportSheet`,
`export_row`, `download_headers`, `xlsx_response`), so that every export opens the same way in Excel/WPS;
`export_csv` for the one export too large for a workbook to be quick (the whole 隐患台账), same cells.

Shared by every bulk import and export, so that files, headers and error reports behave the same everywhere.
"""

import csv
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from fastapi.responses import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from starlette.background import BackgroundTask

from app.errors import BadInput, TooLarge
from app.openapi import CSV, XLSX
from app.timeutil import local_today, to_local

MAX_REPORTED_ERRORS = 1000
# Checked before parsing (from the zip directory and the sheet's declared size) and again while reading.
MAX_UNCOMPRESSED = 32 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    written: bool = True

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def summary(self) -> str:
        if not self.written:
            return f"共 {self.rows} 行，发现 {self.error_count} 处错误，未导入任何数据（全部成功才导入）。"
        return (
            f"共 {self.rows} 行：新增 {self.created}，更新 {self.updated}，未变化 {self.unchanged}，"
            f"错误 {self.error_count}。"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "errors": [e.__dict__ for e in self.errors],
            "notes": self.notes,
            "written": self.written,
            "summary": self.summary(),
        }


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _check_zip(stream: IO[bytes]) -> None:
    """Refuse a file that is not an .xlsx, or that would inflate beyond the limit, before parsing it."""
    try:
        with zipfile.ZipFile(stream) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadInput("文件不是有效的 .xlsx 文件（请用 Excel 另存为 .xlsx 后重试）", field="file") from exc
    if inflated > MAX_UNCOMPRESSED:
        raise TooLarge(
            f".xlsx 解压后超过 {MAX_UNCOMPRESSED // (1024 * 1024)} MB，请拆分为多个文件导入", field="file"
        )
    stream.seek(0)


def _limited(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS + 1:  # the header and MAX_ROWS rows of data
            raise TooLarge(f"行数超过 {MAX_ROWS} 行，请拆分为多个文件导入", field="file")
        if len(row) > MAX_COLUMNS:
            if any(v not in (None, "") for v in row[MAX_COLUMNS:]):
                raise BadInput(f"列数超过 {MAX_COLUMNS} 列", field="file")
            row = row[:MAX_COLUMNS]
        yield row


def _rows_xlsx(stream: IO[bytes]) -> tuple[Iterator[tuple[Any, ...]], int | None]:
    from openpyxl import load_workbook

    _check_zip(stream)
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        declared_rows, declared_cols = ws.max_row, ws.max_column  # from the sheet's <dimension>, if any
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise BadInput(
            "无法读取 .xlsx 文件，文件可能已损坏（请用 Excel 另存为 .xlsx 后重试）", field="file"
        ) from exc
    if declared_rows and declared_rows > MAX_ROWS + 1:
        raise TooLarge(
            f"行数超过 {MAX_ROWS} 行（{declared_rows - 1} 行），请拆分为多个文件导入", field="file"
        )
    if declared_cols and declared_cols > MAX_COLUMNS:
        raise BadInput(f"列数超过 {MAX_COLUMNS} 列（{declared_cols} 列）", field="file")
    return _limited(ws.iter_rows(values_only=True)), declared_rows


def _rows_csv(stream: IO[bytes]) -> tuple[Iterator[tuple[Any, ...]], int | None]:
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # a superset of GBK, as saved by Excel on Chinese Windows
        except UnicodeDecodeError as exc:
            raise BadInput("CSV 文件编码无法识别，请使用 UTF-8 或 GBK 编码保存", field="file") from exc
    return _limited(tuple(r) for r in csv.reader(io.StringIO(text))), None


def read_rows(stream: IO[bytes], filename: str) -> tuple[Iterator[tuple[Any, ...]], int | None]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _rows_xlsx(stream)
    if suffix == ".csv":
        return _rows_csv(stream)
    raise BadInput(f"不支持的文件类型 {suffix or '(无扩展名)'}，请上传 .xlsx 或 .csv", field="file")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:  # escaped by export_row: read back as written
        return text[1:].strip()
    return text


# ---------------------------------------------------------------- exports

# Text a spreadsheet program would run as a formula (formula injection, CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (and so .xlsx) cannot hold; openpyxl refuses the whole file.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# Number formats of exported dates and times (shown so in Excel and WPS, whatever the locale).
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths in Excel's unit (the width of a digit): a date or a time fits, not "#####".
DATE_WIDTH = 12
DATETIME_WIDTH = 18
# Room for the auto-filter's drop-down button at the right of a header cell.
_FILTER_BUTTON = 3
_BOLD = Font(bold=True)


def text_width(text: str) -> int:
    """About how many digits wide a text is in Excel: a Chinese (full-width) character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass(frozen=True)
class ExportColumn:
    """A column of an export: its header and the width its content needs (declared, so that a streamed
    export need not read its rows first; the header's own width plus the filter button is the minimum).
    """

    header: str
    width: float = 10

    @property
    def fitted_width(self) -> float:
        return max(self.width, text_width(self.header) + _FILTER_BUTTON)


def export_cell(value: Any) -> Any:
    """A value as it may go into an exported cell: illegal characters replaced, formulas made text,
    a stored (UTC) time as the local time in Asia/Shanghai (Excel cells have no time zone)."""
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)
    if not isinstance(value, str):
        return value
    return _clean_text(value)


def _clean_text(value: str) -> str:
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("\ufffd", value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_row(values: Iterable[Any]) -> list[Any]:
    """Every row of every export goes through here (see export_cell)."""
    return [export_cell(v) for v in values]


class ExportSheet:
    """A sheet of an export: optional title rows, then a table whose header row is bold, frozen and
    carries the auto-filter, with declared column widths; date and time cells get a date format.

    Works on a write-only worksheet (widths and panes are set before the first row is written; the
    filter, written after the rows, is set when the table ends) and on an ordinary one.
    """

    def __init__(
        self,
        ws: Any,
        columns: Sequence[ExportColumn],
        *,
        above: Iterable[Iterable[Any]] = (),
        freeze_columns: int = 0,
    ) -> None:
        self.ws = ws
        self.columns = list(columns)
        for i, col in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.fitted_width
        above = list(above)
        self.header_row = len(above) + 1
        # Before the first row: a write-only sheet writes its views and columns when that row comes.
        ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{self.header_row + 1}"
        for row in above:
            ws.append(export_row(row))
        ws.append([self._cell(c.header, _BOLD) for c in self.columns])
        self.last_row = self.header_row
        self._table_open = True

    def _cell(self, value: Any, font: Font | None = None) -> Any:
        value = export_cell(value)
        if font is None and not isinstance(value, date):
            return value
        cell = WriteOnlyCell(self.ws, value)
        if font is not None:
            cell.font = font
        if isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        return cell

    def append(self, values: Iterable[Any]) -> None:
        """A row of the table."""
        if not self._table_open:
            raise RuntimeError("the table has ended (append_below was called)")
        self.ws.append([self._cell(v) for v in values])
        self.last_row += 1

    def end_table(self) -> None:
        """Set the auto-filter over the header and the rows so far (called again: no change)."""
        if self._table_open:
            self._table_open = False
            last = get_column_letter(len(self.columns))
            self.ws.auto_filter.ref = f"A{self.header_row}:{last}{self.last_row}"

    def append_below(self, values: Iterable[Any]) -> None:
        """A row under the table (a signature line), outside the filter."""
        self.end_table()
        self.ws.append([self._cell(v) for v in values])


class ExportBook:
    """The workbook of an export; its sheets are made with sheet()."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.sheets: list[ExportSheet] = []

    def sheet(
        self,
        title: str,
        columns: Sequence[ExportColumn],
        *,
        above: Iterable[Iterable[Any]] = (),
        freeze_columns: int = 0,
    ) -> ExportSheet:
        sheet = ExportSheet(
            self.workbook.create_sheet(title), columns, above=above, freeze_columns=freeze_columns
        )
        self.sheets.append(sheet)
        return sheet


@contextmanager
def export_workbook(fh: IO[bytes], *, write_only: bool = True) -> Iterator[ExportBook]:
    """A workbook for an export, saved into fh when the block ends; write-only (streaming) unless the
    caller needs to style cells after writing them (the small 风险清单).

    If the block fails (a bad filter, a lost database connection), each sheet's temporary file is closed
    and removed now; openpyxl would otherwise keep it until the process exits and finish it at garbage
    collection with an "I/O operation on closed file" traceback.
    """
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.worksheets[0])  # the empty default sheet
    book = ExportBook(wb)
    try:
        yield book
    except BaseException:
        for ws in wb.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is not None and not ws.closed:
                ws.close()
                writer.cleanup()
        raise
    for sheet in book.sheets:
        sheet.end_table()
    wb.save(fh)


class CsvSheet:
    """An export as CSV: the header, then rows whose cells are cleaned as in a workbook (export_cell);
    dates as 2026-12-04, times as 2026-12-04 09:30 in Asia/Shanghai."""

    def __init__(self, text: IO[str], columns: Sequence[ExportColumn]) -> None:
        self._writer = csv.writer(text)
        self._writer.writerow([export_cell(c.header) for c in columns])

    @staticmethod
    def _cell(value: Any) -> Any:
        value = export_cell(value)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat() if isinstance(value, date) else value

    def append(self, values: Iterable[Any]) -> None:
        # The common cell types first, without the general path: a 1,000,000-row ledger is 23 M cells.
        cells = []
        for v in values:
            kind = type(v)
            if kind is str:
                v = _clean_text(v)
            elif not (v is None or kind is int or kind is float):
                v = self._cell(v)
            cells.append(v)
        self._writer.writerow(cells)


@contextmanager
def export_csv(fh: IO[bytes], columns: Sequence[ExportColumn]) -> Iterator[CsvSheet]:
    """A CSV export into fh: UTF-8 with a byte-order mark, so that Excel and WPS read the Chinese text
    without being told the encoding."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        yield CsvSheet(text, columns)
    finally:
        text.flush()
        text.detach()  # fh stays open for the caller


_UNSAFE_IN_FILE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def download_headers(chinese: str, ascii_name: str, suffix: str = ".xlsx") -> dict[str, str]:
    """The Content-Disposition of an export, named with today's date in Asia/Shanghai.

    RFC 6266: filename= is an ASCII fallback ("hazard-ledger-2026-12-03.xlsx") and filename*= (RFC 5987)
    the UTF-8 name that browsers save it as ("隐患台账-2026-12-03.xlsx"). Characters a file system or the
    header cannot take are replaced by "_".
    """
    today = local_today().isoformat()
    name = _UNSAFE_IN_FILE_NAME.sub("_", chinese).strip()[:80] + f"-{today}{suffix}"
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)[:80] + f"-{today}{suffix}"
    value = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return {"Content-Disposition": value}


def xlsx_response(
    write: Callable[[IO[bytes]], Any], chinese: str, ascii_name: str, suffix: str = ".xlsx"
) -> FileResponse:
    """A streamed export as a download: written to a temporary file (bounded memory) that is deleted
    once the response has been sent. suffix ".csv" for an export written by export_csv."""
    tmp = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    try:
        with tmp:
            write(tmp)
    except BaseException:
        os.unlink(tmp.name)
        raise
    return FileResponse(
        tmp.name,
        media_type=CSV if suffix == ".csv" else XLSX,
        headers=download_headers(chinese, ascii_name, suffix),
        background=BackgroundTask(os.unlink, tmp.name),
    )


def check_header(header: tuple[Any, ...], known: Sequence[str], required: Sequence[str]) -> list[str]:
    """The column names of the first row, or BadInput naming every problem at once."""
    names = [cell_text(h) for h in header]
    while names and not names[-1]:
        names.pop()
    problems = []
    for i, name in enumerate(names):
        if not name:
            problems.append(f"第1行第{column_letter(i)}列表头为空（可能是合并单元格，请取消合并后重试）")
    unknown = [n for n in names if n and n not in known]
    if unknown:
        problems.append(f"多余或无法识别的列：{'、'.join(unknown)}")
    missing = [h for h in required if h not in names]
    if missing:
        problems.append(f"缺少必填列：{'、'.join(missing)}")
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        problems.append(f"列重复：{'、'.join(duplicated)}")
    if problems:
        raise BadInput("；".join(problems) + f"。应有的列：{'、'.join(known)}", field="header")
    return names
