"""Excel output: the 隐患台账 (streamed) and the 季报/年报 统计分析表 of 16号令 第十四条."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput
from app.hazards import ledger
from app.hazards.models import (
    CATEGORIES,
    FINISHED,
    GRADES,
    OTHER_ITEM,
    OTHER_ITEM_LABEL,
    RECTIFY_MODES,
    SOURCES,
    STATES,
    Hazard,
)
from app.regions.models import Region
from app.rules_engine import time_limit
from app.rules_engine.hazards import describe_item, find_item
from app.spreadsheets import DATE_WIDTH, DATETIME_WIDTH, ExportColumn, export_csv, export_workbook
from app.timeutil import local_today


def major_basis(h: Any) -> str | None:
    """判定依据 in words, for the ledger cell and the hazard page (h: a Hazard, a ledger row or a
    HazardDetail). An item of a 判定标准: “DY-3-1 〈item text〉（《title》第三条第（一）项）”, looked up
    in the version that judged it (major_rule_set), else the one in force on found_on; an item no loaded
    version has shows its code with the stored citation. “其他（依据…）”: the standard and clause the
    reporter typed. A regulator's reasoned call: the reason. None for a hazard with no basis at all."""
    reason = (h.major_reason or "").strip()
    if h.major_item == OTHER_ITEM:
        typed = " ".join(p.strip() for p in (h.major_basis_standard, h.major_basis_clause) if p and p.strip())
        said = f"其他依据：{typed}" if typed else OTHER_ITEM_LABEL
    elif h.major_item:
        found = find_item(h.major_item, getattr(h, "major_rule_set", None), on=getattr(h, "found_on", None))
        cited = ((getattr(h, "major_citation", None) or {}).get("citation") or "").strip()
        if found is not None:
            said = describe_item(*found)
        else:
            said = f"{h.major_item}（{cited}）" if cited else str(h.major_item)
    else:
        return reason or None  # the regulator's reason is the whole basis
    return f"{said}；说明：{reason}" if reason else said


def major_confirmation(h: Any) -> str:
    if h.grade != "major":
        return ""
    return "未确认" if h.major_unconfirmed else "已确认"


LEDGER_COLUMNS = [
    "id",
    "source",
    "description",
    "place",
    "category",
    "grade",
    "major_item",
    "major_rule_set",
    "major_reason",
    "major_basis_standard",
    "major_basis_clause",
    "major_unconfirmed",
    "found_on",
    "state",
    "rectify_mode",
    "funds",
    "deadline",
    "closed_on",
    "created_at",
]
LEDGER_HEADERS = [
    ExportColumn("隐患编号", 10),
    ExportColumn("企业", 40),
    ExportColumn("统一社会信用代码", 21),
    ExportColumn("行业", 16),
    ExportColumn("所属行政区", 16),
    ExportColumn("隐患来源", 14),
    ExportColumn("隐患描述", 40),
    ExportColumn("部位", 18),
    ExportColumn("类别", 14),
    ExportColumn("等级", 12),
    ExportColumn("重大隐患判定依据", 40),
    ExportColumn("重大隐患确认", 15),
    ExportColumn("发现日期", DATE_WIDTH),
    ExportColumn("状态", 12),
    ExportColumn("整改方式", 12),
    ExportColumn("整改措施", 36),
    ExportColumn("责任人", 10),
    ExportColumn("资金(元)", 12),
    ExportColumn("整改期限", DATE_WIDTH),
    ExportColumn("是否逾期", 10),
    ExportColumn("逾期天数", 10),
    ExportColumn("销号日期", DATE_WIDTH),
    ExportColumn("登记时间", DATETIME_WIDTH),
]


def write_ledger(
    session: Session, user: Principal, f: ledger.Filters, fh: IO[bytes], fmt: str = "xlsx"
) -> int:
    """Stream the filtered hazards into a write-only workbook (fmt "xlsx") or a CSV file (fmt "csv",
    several times faster for a whole province); returns the row count."""
    count = 0
    with export_csv(fh, LEDGER_HEADERS) if fmt == "csv" else _ledger_sheet(fh) as ws:
        for row in _ledger_rows(session, user, f):
            ws.append(row)
            count += 1
    return count


@contextmanager
def _ledger_sheet(fh: IO[bytes]) -> Iterator[Any]:
    with export_workbook(fh) as wb:
        yield wb.sheet("隐患台账", LEDGER_HEADERS)


def _ledger_rows(session: Session, user: Principal, f: ledger.Filters) -> Iterator[list[Any]]:
    industries = enterprises.industries()
    region_names = dict(list(session.execute(select(Region.code, Region.name))))
    base = ledger.filtered(session, user, f).subquery()
    # Plain columns, not ORM objects: nothing accumulates in the session on a 100,000-row export.
    stmt = (
        select(
            *[getattr(Hazard, c) for c in LEDGER_COLUMNS],
            # The two 五落实 texts the ledger shows, taken out of the plan by the database (decoding every
            # row's whole plan was a tenth of a province export's time).
            Hazard.plan["measures"].as_string().label("measures"),
            Hazard.plan["responsible"].as_string().label("responsible"),
            Enterprise.name,
            Enterprise.credit_code,
            Enterprise.industry,
            Enterprise.region_code,
        )
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.id.in_(select(base.c.id)))
        .order_by(Hazard.found_on.desc(), Hazard.id.desc())
        .execution_options(yield_per=2000)
    )
    today = local_today()
    for h in session.execute(stmt):
        overdue = h.deadline is not None and h.deadline < today and h.state not in FINISHED
        yield [
            h.id,
            h.name,
            h.credit_code,
            industries.get(h.industry, h.industry),
            region_names.get(h.region_code or "", ""),
            SOURCES.get(h.source, h.source),
            h.description,
            h.place,
            CATEGORIES.get(h.category, h.category),
            GRADES[h.grade],
            major_basis(h),
            major_confirmation(h),
            h.found_on,
            STATES[h.state],
            RECTIFY_MODES.get(h.rectify_mode or "", ""),
            h.measures,
            h.responsible,
            float(h.funds) if h.funds is not None else None,
            h.deadline,
            "是" if overdue else "否",
            (today - h.deadline).days if overdue else None,
            h.closed_on,
            h.created_at,  # a date cell in Shanghai time (export_cell)
        ]


# ---------------------------------------------------------------- 季报 / 年报


def period(year: int, quarter: int | None) -> tuple[date, date, date]:
    """(first day, last day, due date) of a quarter or a year, due dates from the time-limit policy."""
    if not 2000 <= year <= 2100:
        raise BadInput("年份无效", field="year")
    if quarter is None:
        limit = time_limit("annual_report_due")
        return date(year, 1, 1), date(year, 12, 31), date(year + 1, limit.month or 1, int(limit.value))
    if quarter not in (1, 2, 3, 4):
        raise BadInput("季度应为 1–4", field="quarter")
    start = date(year, 3 * quarter - 2, 1)
    nxt = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    limit = time_limit("quarterly_report_due")
    return start, nxt - timedelta(days=1), nxt + timedelta(days=int(limit.value) - 1)


SUMMARY_HEADERS = [
    ExportColumn("单位/区域", 40),
    ExportColumn("发现隐患总数", 10),
    ExportColumn("已整改销号", 10),
    ExportColumn("整改率", 10),
    ExportColumn("其中重大事故隐患", 10),
    ExportColumn("重大隐患已整改", 10),
    ExportColumn("当前逾期未整改", 10),
    ExportColumn("当前未销号重大隐患", 10),
    ExportColumn("其中未确认（其他依据）", 10),
    ExportColumn("落实整改资金(元)", 12),
]
MAJORS_HEADERS = [
    ExportColumn("隐患编号", 10),
    ExportColumn("企业", 40),
    ExportColumn("部位", 18),
    ExportColumn("隐患描述", 40),
    ExportColumn("判定依据", 40),
    ExportColumn("确认", 10),
    ExportColumn("状态", 12),
    ExportColumn("整改期限", DATE_WIDTH),
    ExportColumn("是否逾期", 10),
]


def report_title(year: int, quarter: int | None) -> str:
    """事故隐患排查治理2026年第2季度统计分析表 (or …2026年度…): the first row and the download's name."""
    part = f"{year}年第{quarter}季度" if quarter else f"{year}年度"
    return f"事故隐患排查治理{part}统计分析表"


def write_report(
    session: Session,
    user: Principal,
    fh: IO[bytes],
    *,
    year: int,
    quarter: int | None,
    enterprise_id: int | None,
    region: str | None,
) -> None:
    """隐患排查治理统计分析表: per enterprise (an enterprise's own report) or per region."""
    start, end, due = period(year, quarter)
    f = ledger.Filters(enterprise_id=enterprise_id, region=region, found_from=start, found_to=end)
    if enterprise_id or user.role == "enterprise":
        f.enterprise_id = enterprise_id or user.enterprise_id
        ent = enterprises.get_readable(session, user, f.enterprise_id or 0)
        subject = ent.name
        rows = ledger.statistics(session, user, "enterprise", f, start, end)
    else:
        subject = "本辖区"
        rows = ledger.statistics(session, user, "region", f, start, end)
    above = [
        [report_title(year, quarter)],
        [f"报送单位：{subject}", f"统计期间：{start.isoformat()} 至 {end.isoformat()}"],
        [f"报送期限：{due.isoformat()} 前（《安全生产事故隐患排查治理暂行规定》第十四条）"],
        [f"生成日期：{local_today().isoformat()}"],
    ]
    with export_workbook(fh) as wb:
        ws = wb.sheet("统计分析表", SUMMARY_HEADERS, above=above)  # the table's header: row 5
        for r in rows:
            rate = f"{r['rate'] * 100:.1f}%" if r["rate"] is not None else "—"
            ws.append(
                [
                    r["label"],
                    r["found"],
                    r["closed"],
                    rate,
                    r["major"],
                    r["major_closed"],
                    r["overdue"],
                    r["open_major"],
                    r["open_major_unconfirmed"],
                    r["funds"],
                ]
            )
        ws.append_below([])
        ws.append_below(["主要负责人（签字）：", "", "填报人：", "", "联系电话："])
        majors = wb.sheet("重大事故隐患", MAJORS_HEADERS)
        base = ledger.filtered(session, user, ledger.Filters(**{**f.__dict__, "grade": "major"})).subquery()
        stmt = (
            select(Hazard, Enterprise.name)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .where(Hazard.id.in_(select(base.c.id)))
            .order_by(Hazard.id)
        )
        for h, name in session.execute(stmt):
            majors.append(
                (
                    h.id,
                    name,
                    h.place,
                    h.description,
                    major_basis(h),
                    major_confirmation(h),
                    STATES[h.state],
                    h.deadline,
                    "是" if h.is_overdue else "否",
                )
            )
