"""联合惩戒 data exchange: the current listings (and changes since a date) as .xlsx and JSON in one layout
keyed by 统一社会信用代码, and the import of other departments' lists in the same layout.

Layout (one row per listing): 名称, 统一社会信用代码, 列入事由, 依据, 决定文号, 决定日期, 管理期限至, 状态,
移出日期. An export of this service imports unchanged (the round trip is tested).
"""

from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.credit import service
from app.credit.models import LISTED, STATES, CreditListing, ExternalListing
from app.enterprises import credit_code as credit_codes
from app.errors import BadInput, Forbidden
from app.spreadsheets import DATE_WIDTH, ExportColumn, cell_text, check_header, export_workbook, read_rows

COLUMNS = [
    "名称",
    "统一社会信用代码",
    "列入事由",
    "依据",
    "决定文号",
    "决定日期",
    "管理期限至",
    "状态",
    "移出日期",
]
REQUIRED = ["名称", "统一社会信用代码", "列入事由", "决定日期"]
WIDTHS = [30, 22, 50, 40, 24, DATE_WIDTH, DATE_WIDTH, 12, DATE_WIDTH]
KEYS = [
    "name",
    "credit_code",
    "reason",
    "basis",
    "decision_number",
    "decision_date",
    "term_end",
    "state",
    "removed_on",
]
MAX_IMPORT_ROWS = 5000


def rows(session: Session, user: Principal, since: date | None = None) -> list[dict[str, Any]]:
    """Current listings (state decided/published/applied), or with `since`: every listing decided or
    removed on or after that day (the changes a credit platform needs), within the caller's scope."""
    stmt = service.readable(select(CreditListing), user)
    if since is None:
        stmt = stmt.where(CreditListing.state.in_(LISTED))
    else:
        stmt = stmt.where(
            CreditListing.decided_on.is_not(None),
            or_(CreditListing.decided_on >= since, CreditListing.removed_on >= since),
        )
    out = []
    for r in session.scalars(stmt.order_by(CreditListing.id)):
        out.append(
            {
                "name": r.subject_name,
                "credit_code": r.credit_code,
                "reason": r.reason,
                "basis": r.basis,
                "decision_number": r.decision_number,
                "decision_date": r.decided_on,
                "term_end": r.term_end,
                "state": STATES[r.state],
                "removed_on": r.removed_on,
            }
        )
    return out


def as_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in item.items()} for item in items]


def write_xlsx(fh: IO[bytes], items: list[dict[str, Any]]) -> None:
    columns = [ExportColumn(h, w) for h, w in zip(COLUMNS, WIDTHS, strict=True)]
    with export_workbook(fh) as book:
        sheet = book.sheet("严重失信主体名单", columns)
        for item in items:
            sheet.append([item[k] for k in KEYS])


def _date(value: Any, where: str, required: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        if required:
            raise ValueError(f"{where}：必填")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}：应为日期（如 2026-03-02），实际为 {text[:20]}") from None


def import_stream(
    session: Session, user: Principal, stream: IO[bytes], filename: str, source: str
) -> dict[str, Any]:
    """Import another department's list (all rows or none). Idempotent per (credit code, source, date)."""
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管部门可以导入其他部门的名单")
    it, _ = read_rows(stream, filename)
    header = next(it, None)
    if header is None:
        raise BadInput("文件为空", field="file")
    names = check_header(header, COLUMNS, REQUIRED)
    problems: list[str] = []
    parsed: list[dict[str, Any]] = []
    for n, raw in enumerate(it, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            raise BadInput(f"行数超过 {MAX_IMPORT_ROWS} 行", field="file")
        cells = {name: raw[i] if i < len(raw) else None for i, name in enumerate(names)}
        if not any(cell_text(v) for v in cells.values()):
            continue
        try:
            code, _notes = credit_codes.validate(cell_text(cells.get("统一社会信用代码")))
        except ValueError as exc:
            problems.append(f"第{n}行 统一社会信用代码：{exc}")
            continue
        try:
            item = {
                "credit_code": code,
                "name": cell_text(cells.get("名称"))[:200],
                "reason": cell_text(cells.get("列入事由"))[:500],
                "basis": cell_text(cells.get("依据"))[:500] or None,
                "decision_number": cell_text(cells.get("决定文号"))[:60] or None,
                "listed_on": _date(cells.get("决定日期"), f"第{n}行 决定日期", True),
                "until": _date(cells.get("移出日期"), f"第{n}行 移出日期", False)
                or _date(cells.get("管理期限至"), f"第{n}行 管理期限至", False),
            }
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if not item["name"] or not item["reason"]:
            problems.append(f"第{n}行：名称和列入事由必填")
            continue
        parsed.append(item)
    if problems:
        raise BadInput("；".join(problems[:20]) + ("……" if len(problems) > 20 else ""), field="file")
    created = updated = 0
    for item in parsed:
        row = session.scalar(
            select(ExternalListing).where(
                ExternalListing.credit_code == item["credit_code"],
                ExternalListing.source == source,
                ExternalListing.listed_on == item["listed_on"],
            )
        )
        if row is None:
            session.add(ExternalListing(source=source, **item))
            created += 1
        else:
            for k, v in item.items():
                setattr(row, k, v)
            updated += 1
    session.flush()
    audit.record(
        session,
        user,
        "import",
        "credit_external_listing",
        source,
        after={"created": created, "updated": updated, "file": filename[:200]},
        region_path=user.region_path or None,
    )
    return {"created": created, "updated": updated, "source": source}


def external_for(session: Session, credit_code: str, today: date) -> list[dict[str, Any]]:
    """Other departments' entries on an enterprise that still run today (inspectors see them)."""
    found = session.scalars(
        select(ExternalListing)
        .where(
            ExternalListing.credit_code == credit_code,
            or_(ExternalListing.until.is_(None), ExternalListing.until > today),
        )
        .order_by(ExternalListing.listed_on)
    )
    return [
        {
            "source": x.source,
            "name": x.name,
            "reason": x.reason,
            "basis": x.basis,
            "decision_number": x.decision_number,
            "listed_on": x.listed_on.isoformat(),
            "until": x.until.isoformat() if x.until else None,
        }
        for x in found
    ]
