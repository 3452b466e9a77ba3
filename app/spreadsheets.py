"""Spreadsheets in and out: reading uploads (.xlsx, or CSV in UTF-8 or GBK) and reporting bad rows;
the workbook and the cells of every .xlsx export (`export_workbook`, `export_row`).

Shared by every bulk import and export, so that files, headers and error reports behave the same everywhere.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from app.errors import BadInput, TooLarge

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


def export_cell(value: Any) -> Any:
    """A value as it may go into an exported cell: illegal characters replaced, formulas made text."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("\ufffd", value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


@contextmanager
def export_workbook(fh: IO[bytes]) -> Iterator[Workbook]:
    """A write-only (streaming) workbook, saved into fh when the block ends.

    If the block fails (a bad filter, a lost database connection), each sheet's temporary file is closed
    and removed now; openpyxl would otherwise keep it until the process exits and finish it at garbage
    collection with an "I/O operation on closed file" traceback.
    """
    wb = Workbook(write_only=True)
    try:
        yield wb
    except BaseException:
        for ws in wb.worksheets:
            writer = getattr(ws, "_writer", None)
            if writer is not None and not ws.closed:
                ws.close()
                writer.cleanup()
        raise
    wb.save(fh)


def export_row(values: Iterable[Any]) -> list[Any]:
    """Every row of every export goes through here (see export_cell)."""
    return [export_cell(v) for v in values]


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
