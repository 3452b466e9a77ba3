"""月调度: the monthly report of every city and county (.xlsx through app/spreadsheets.py, PDF through
app/documents): headline figures, rankings of its child regions, lagging regions, overdue 重大 hazards
and open 督办 cases by age. The job `assessment.monthly` makes the reports of the month before the run's
date (RunContext, so the clock can be moved); a report already made is kept (idempotent)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment import service
from app.assessment.models import MonthlyReport
from app.auth.principal import SYSTEM, Principal
from app.documents import service as documents
from app.enterprises import scope_copy
from app.enterprises.models import Enterprise
from app.errors import NotFound
from app.hazards.models import FINISHED, Hazard
from app.regions.models import Region
from app.scheduler.registry import RunContext, register
from app.spreadsheets import ExportColumn, export_workbook
from app.supervision.models import FINISHED as CASE_FINISHED
from app.supervision.models import SupervisionCase

KIND = "assessment.monthly_report"
TEMPLATE = "assessment/monthly.html"
MAX_LISTED = 200  # rows of each list in one report


def _overdue_major(session: Session, region: Region, as_of: date) -> list[dict[str, Any]]:
    stmt = (
        select(Hazard.id, Enterprise.name, Hazard.description, Hazard.deadline)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(
            Hazard.grade == "major",
            Hazard.state.not_in(FINISHED),
            Hazard.deadline.is_not(None),
            Hazard.deadline < as_of,
        )
        .order_by(Hazard.deadline, Hazard.id)
        .limit(MAX_LISTED)
    )
    stmt = scope_copy.in_region(stmt, Hazard, region.path)
    return [
        {"id": i, "enterprise": n, "description": d[:100], "deadline": dl, "days": (as_of - dl).days}
        for i, n, d, dl in session.execute(stmt)
    ]


def _open_cases(session: Session, region: Region, as_of: date) -> list[dict[str, Any]]:
    stmt = (
        select(
            SupervisionCase.id,
            SupervisionCase.notice_number,
            Enterprise.name,
            SupervisionCase.deadline,
            SupervisionCase.listed_on,
        )
        .join(Enterprise, Enterprise.id == SupervisionCase.enterprise_id)
        .where(
            SupervisionCase.state.not_in(CASE_FINISHED), SupervisionCase.region_path.like(f"{region.path}%")
        )
        .order_by(SupervisionCase.listed_on, SupervisionCase.id)
        .limit(MAX_LISTED)
    )
    return [
        {"id": i, "number": no, "enterprise": n, "deadline": dl, "age": (as_of - lo).days}
        for i, no, n, dl, lo in session.execute(stmt)
    ]


def _headline(cards: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ind in cards["indicators"]:
        num = sum(
            next(i for i in r["indicators"] if i["id"] == ind["id"])["numerator"] for r in cards["rows"]
        )
        den = sum(
            next(i for i in r["indicators"] if i["id"] == ind["id"])["denominator"] for r in cards["rows"]
        )
        value = f"{round(num * 100 / den, 1)}%（{num}/{den}）" if den else "无数据"
        out.append(
            {"id": ind["id"], "name": ind["name"], "numerator": num, "denominator": den, "value": value}
        )
    return out


def build(session: Session, user: Principal, region: Region, period: str, as_of: date) -> dict[str, Any]:
    """The figures of one region's 月调度 report."""
    cards = service.scorecards(session, user, region.code, period)
    return {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "period": cards["period"]["key"],
        "period_label": cards["period"]["label"],
        "as_of": as_of.isoformat(),
        "rule_set": cards["rule_set"],
        "headline": _headline(cards),
        "rows": [
            {k: r[k] for k in ("code", "name", "total", "total_band", "rank", "change")}
            for r in cards["rows"]
        ],
        "lagging": [r["name"] for r in cards["rows"] if r["total_tone"] == "criticise"],
        "overdue": _overdue_major(session, region, as_of),
        "cases": _open_cases(session, region, as_of),
    }


def workbook(fig: dict[str, Any]) -> bytes:
    fh = io.BytesIO()
    title = f"{fig['region']['name']}{fig['period_label']}月调度"
    with export_workbook(fh) as book:
        s = book.sheet(
            "主要数据",
            [
                ExportColumn("指标", 20),
                ExportColumn("分子", 8),
                ExportColumn("分母", 8),
                ExportColumn("数值", 20),
            ],
            above=[[title]],
        )
        for h in fig["headline"]:
            s.append([h["name"], h["numerator"], h["denominator"], h["value"]])
        s = book.sheet(
            "考核排名",
            [
                ExportColumn("排名", 6),
                ExportColumn("行政区", 20),
                ExportColumn("总分", 8),
                ExportColumn("档次", 8),
                ExportColumn("较上期", 8),
            ],
        )
        for r in fig["rows"]:
            s.append([r["rank"], r["name"], r["total"], r["total_band"], r["change"]])
        s = book.sheet(
            "逾期重大隐患",
            [
                ExportColumn("编号", 8),
                ExportColumn("企业", 30),
                ExportColumn("隐患", 40),
                ExportColumn("整改期限", 12),
                ExportColumn("逾期天数", 8),
            ],
        )
        for h in fig["overdue"]:
            s.append([h["id"], h["enterprise"], h["description"], h["deadline"], h["days"]])
        s = book.sheet(
            "挂牌督办",
            [
                ExportColumn("督办文号", 24),
                ExportColumn("企业", 30),
                ExportColumn("整改期限", 12),
                ExportColumn("挂牌天数", 8),
            ],
        )
        for c in fig["cases"]:
            s.append([c["number"], c["enterprise"], c["deadline"], c["age"]])
    return fh.getvalue()


def make_report(session: Session, user: Principal, region: Region, period: str, as_of: date) -> MonthlyReport:
    existing = session.scalar(
        select(MonthlyReport).where(MonthlyReport.region_code == region.code, MonthlyReport.period == period)
    )
    if existing is not None:
        return existing
    fig = build(session, user, region, period, as_of)
    doc = documents.issue(
        session,
        user,
        kind=KIND,
        title=f"{fig['period_label']}双重预防机制工作月调度报告",
        template=TEMPLATE,
        context={**fig, "region_name": region.name, "addressee": f"{region.name}安全生产委员会各成员单位"},
        region_code=region.code,
        subject_type="assessment_report",
        issuer=f"{region.name}安全生产委员会办公室",
    )
    report = MonthlyReport(
        region_code=region.code,
        region_path=region.path,
        period=fig["period"],
        xlsx=workbook(fig),
        document_id=doc.id,
        figures={k: v for k, v in fig.items() if k not in ("overdue", "cases")}
        | {"overdue": len(fig["overdue"]), "cases": len(fig["cases"])},
    )
    session.add(report)
    session.flush()
    return report


def monthly(session: Session, ctx: RunContext) -> dict[str, Any]:
    first = ctx.local_date.replace(day=1)
    last_month = first - timedelta(days=1)
    period = f"{last_month.year}-{last_month.month:02d}"
    made = kept = 0
    regions = session.scalars(
        select(Region).where(Region.level.in_(("city", "county"))).order_by(Region.path)
    )
    for region in list(regions):
        exists = session.scalar(
            select(MonthlyReport.id).where(
                MonthlyReport.region_code == region.code, MonthlyReport.period == period
            )
        )
        if exists:
            kept += 1
            continue
        make_report(session, SYSTEM, region, period, ctx.local_date)
        made += 1
    return {"period": period, "made": made, "kept": kept}


register(
    "assessment.monthly",
    monthly,
    trigger="0 3 1 * *",
    description=(
        "月调度：每月1日为各市、县生成上月考核排名、滞后地区、逾期重大隐患和挂牌督办的报告（.xlsx 与 PDF）"
    ),
)


def readable(stmt: Any, user: Principal) -> Any:
    """Region-owned rows: the caller's region subtree."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(MonthlyReport.id.is_(None))
    return stmt.where(MonthlyReport.region_path.like(f"{user.region_path}%"))


def get_readable(session: Session, user: Principal, report_id: int) -> MonthlyReport:
    r = session.scalar(readable(select(MonthlyReport).where(MonthlyReport.id == report_id), user))
    if r is None:
        raise NotFound(f"月调度报告 {report_id} 不存在", field="id")
    return r


def list_reports(session: Session, user: Principal, limit: int = 100) -> list[dict[str, Any]]:
    rows = session.execute(
        readable(
            select(MonthlyReport, Region.name).join(Region, Region.code == MonthlyReport.region_code), user
        )
        .order_by(MonthlyReport.period.desc(), MonthlyReport.region_path)
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "region_code": r.region_code,
            "region_name": name,
            "period": r.period,
            "document_id": r.document_id,
            "xlsx_url": f"/api/assessment/reports/{r.id}.xlsx",
            "pdf_url": f"/api/documents/{r.document_id}.pdf" if r.document_id else None,
            "created_at": r.created_at,
        }
        for r, name in rows
    ]
