"""Scheduled jobs of the hazard register (registered at import; listed in
app.scheduler.registry.JOB_MODULES).

Each notice goes out once per hazard and deadline (app.scheduler.reminders.NotifyOnce: the deadline
is in the title), so a repeated or caught-up run sends nothing twice, and a run after some days of
downtime still sends what fell due meanwhile (subjects whose date lies within CATCH_UP_DAYS).
"""

import os
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.config import get_settings
from app.enterprises.models import Enterprise
from app.hazards import exporter, tallies, tips
from app.hazards.investigation import generate_due_tasks
from app.hazards.models import FINISHED, GRADES, Hazard, HazardExtension
from app.notifications import service as notifications
from app.regions.models import Region
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce, add_limit, reminder_days
from app.supervision import service as supervision
from app.timeutil import local_today, to_local

# A notice whose date passed more than this long ago is no longer sent (a catch-up bound).
CATCH_UP_DAYS = 31

Rows = list[tuple[Hazard, Enterprise]]
Recipients = Callable[[Enterprise], list[int]]
Text = Callable[[Hazard, Enterprise, str], str]  # (hazard, enterprise, deadline) -> text


def _link(hazard: Hazard) -> str:
    return f"/hazards/{hazard.id}"


def _open_with_deadline(session: Session, first: date, last: date) -> Rows:
    rows = session.execute(
        select(Hazard, Enterprise)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.deadline.between(first, last), Hazard.state.not_in(FINISHED))
        .order_by(Hazard.id)
    )
    return list(rows)


def _inspectors(session: Session, ent: Enterprise) -> list[int]:
    return notifications.inspectors_for(session, ent.region_code, ent.industry) if ent.region_code else []


def _per_deadline(
    session: Session,
    kind: str,
    rows: Rows,
    recipients: Recipients,
    title: Text,
    body: Text,
) -> int:
    """One notice of `kind` per hazard and deadline; returns how many hazards were notified now."""
    once = NotifyOnce(session, kind, [_link(h) for h, _ in rows])
    sent = 0
    for hazard, ent in rows:
        assert hazard.deadline is not None
        key = hazard.deadline.isoformat()
        sent += once.send(
            key=key,
            link=_link(hazard),
            user_ids=recipients(ent),
            title=title(hazard, ent, key),
            body=body(hazard, ent, key),
            enterprise_id=ent.id,
        )
    return sent


def _overdue(session: Session, day: date) -> Rows:
    return _open_with_deadline(session, day - timedelta(days=CATCH_UP_DAYS), day - timedelta(days=1))


def overdue_scan(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Hazards past their deadline: the enterprise and its regulators are told once per deadline,
    normally on the day after it."""
    sent = _per_deadline(
        session,
        "hazard_overdue",
        _overdue(session, ctx.local_date),
        lambda ent: notifications.enterprise_users(session, ent.id) + _inspectors(session, ent),
        lambda h, ent, key: f"{GRADES[h.grade]}隐患逾期未整改（期限 {key}）：{ent.name}",
        lambda h, ent, key: f"{h.place}：{h.description[:100]}（整改期限 {key}，仍未整改销号）",
    )
    return {"overdue_today": sent}


def listing_suggestions(session: Session, ctx: RunContext) -> dict[str, Any]:
    """An overdue 重大 hazard not under 挂牌督办: the jurisdiction's inspectors are advised to list it,
    once per deadline, when the policy's grace (hazard_listing_after_overdue) has passed."""
    day = ctx.local_date
    rows = [
        (h, e)
        for h, e in _overdue(session, day)
        if h.grade == "major"
        and h.deadline is not None
        and add_limit(h.deadline, "hazard_listing_after_overdue") < day
        and supervision.open_case_for(session, "hazard", h.id) is None
    ]
    sent = _per_deadline(
        session,
        "hazard_listing_suggested",
        rows,
        lambda ent: _inspectors(session, ent),
        lambda h, ent, key: f"建议挂牌督办（整改期限 {key} 已过）：{ent.name}",
        lambda h, ent, key: (
            f"重大事故隐患“{h.place}：{h.description[:80]}”逾期未整改，尚未挂牌督办，建议依法挂牌督办。"
        ),
    )
    return {"suggested": sent}


def deadline_reminders(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Reminders before a rectification deadline (to the enterprise) and before a pending extension
    request's decision is due (to whoever decides it), reminder_days_before ahead."""
    day = ctx.local_date
    ahead = day + timedelta(days=reminder_days())
    reminded = _per_deadline(
        session,
        "hazard_deadline",
        [(h, e) for h, e in _open_with_deadline(session, day, ahead) if h.state == "rectifying"],
        lambda ent: notifications.enterprise_users(session, ent.id),
        lambda h, ent, key: f"隐患整改期限临近（{key}）",
        lambda h, ent, key: (
            f"{h.place}：{h.description[:100]}。请在 {key} 前完成整改并申请验收，确需延期的请及时申请。"
        ),
    )
    return {"reminded": reminded, "extension_decisions": _extension_reminders(session, day, ahead)}


def _extension_reminders(session: Session, day: date, ahead: date) -> int:
    """Pending extension requests whose decision (extension_decision after the request) is due soon:
    a 重大 hazard's is decided by the regulator, a general one's by the enterprise."""
    rows = session.execute(
        select(HazardExtension, Hazard, Enterprise)
        .join(Hazard, Hazard.id == HazardExtension.hazard_id)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(HazardExtension.status == "pending", Hazard.state.not_in(FINISHED))
        .order_by(HazardExtension.id)
    )
    due = []
    for ext, hazard, ent in rows:
        decide_by = add_limit(to_local(ext.requested_at).date(), "extension_decision")
        if day - timedelta(days=CATCH_UP_DAYS) <= decide_by <= ahead:
            due.append((ext, hazard, ent, decide_by))
    once = NotifyOnce(session, "hazard_extension_pending", [_link(h) for _, h, _, _ in due])
    sent = 0
    for ext, hazard, ent, decide_by in due:
        if hazard.grade == "major":
            deciders = _inspectors(session, ent)
        else:
            deciders = [u for u in notifications.enterprise_users(session, ent.id) if u != ext.requested_by]
        key = decide_by.isoformat()
        sent += once.send(
            key=key,
            link=_link(hazard),
            user_ids=deciders,
            title=f"隐患延期申请待审批（请于 {key} 前决定）：{ent.name}",
            body=f"{hazard.place}：{hazard.description[:80]}。申请将整改期限由 "
            f"{ext.old_deadline.isoformat()} 延至 {ext.new_deadline.isoformat()}，理由：{ext.reason[:200]}",
            enterprise_id=ent.id,
        )
    return sent


def task_generation(session: Session, ctx: RunContext) -> dict[str, Any]:
    return {"created": generate_due_tasks(session, ctx.local_date)}


# ---------------------------------------------------------------- 季报 / 年报 (16号令 第十四条)


def previous_periods(day: date) -> list[tuple[int, int | None]]:
    """The reports that fall due after `day`'s quarter began: the previous quarter, and in the first
    quarter also the previous year's annual report. (year, quarter) with quarter None = annual."""
    quarter = (day.month - 1) // 3 + 1
    if quarter == 1:
        return [(day.year - 1, 4), (day.year - 1, None)]
    return [(day.year, quarter - 1)]


def report_dir(year: int, quarter: int | None) -> Path:
    return get_settings().data_dir / "reports" / (f"{year}-Q{quarter}" if quarter else f"{year}-annual")


def _write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    # Written beside and renamed: a reader never sees half a file; a rerun overwrites the period's file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        write(fh)
    os.replace(tmp, path)


def _report_regions(session: Session) -> list[str]:
    """Province, city and county regions with at least one enterprise in their subtree."""
    paths = session.scalars(
        select(Region.path).join(Enterprise, Enterprise.region_code == Region.code).distinct()
    )
    codes = {c for p in paths for c in p.split("/") if c}
    levels = ("province", "city", "county")
    return list(
        session.scalars(
            select(Region.code).where(Region.code.in_(codes), Region.level.in_(levels)).order_by(Region.code)
        )
    )


def periodic_reports(session: Session, ctx: RunContext) -> dict[str, Any]:
    """On the first day of a quarter: the 统计分析表 of the previous quarter (and on 1 January also of
    the previous year) for every operating enterprise and every region with enterprises, stored under
    data_dir/reports/<year>-Q<n>/ (or <year>-annual/); the enterprise's users are told once that it
    is due, with the download link, unless the due date has already passed (a late catch-up)."""
    counts = {"enterprise_files": 0, "region_files": 0, "notified": 0}
    enterprises = list(
        session.scalars(select(Enterprise).where(Enterprise.status != "closed").order_by(Enterprise.id))
    )
    regions = _report_regions(session)
    for year, quarter in previous_periods(ctx.local_date):
        _, _, due = exporter.period(year, quarter)
        folder = report_dir(year, quarter)
        kind = "quarterly" if quarter else "annual"
        label = f"{year}年第{quarter}季度" if quarter else f"{year}年度"
        report = partial(exporter.write_report, session, SYSTEM, year=year, quarter=quarter)
        for ent in enterprises:
            path = folder / "enterprises" / f"{ent.id}.xlsx"
            _write(path, partial(report, enterprise_id=ent.id, region=None))
        for code in regions:
            _write(folder / "regions" / f"{code}.xlsx", partial(report, enterprise_id=None, region=code))
        counts["enterprise_files"] += len(enterprises)
        counts["region_files"] += len(regions)
        if due < local_today():  # a catch-up run long after the quarter began: too late to ask
            continue
        query = f"year={year}" + (f"&quarter={quarter}" if quarter else "")
        links = {e.id: f"/api/hazards/reports/{kind}.xlsx?{query}&enterprise_id={e.id}" for e in enterprises}
        once = NotifyOnce(session, "hazard_report_due", links.values())
        for ent in enterprises:
            counts["notified"] += once.send(
                key=label,
                link=links[ent.id],
                user_ids=notifications.enterprise_users(session, ent.id),
                title=f"请报送{label}隐患排查治理统计分析表（{due.isoformat()} 前）",
                body=f"系统已生成贵单位{label}事故隐患排查治理统计分析表，请下载核对，经主要负责人签字后"
                f"于 {due.isoformat()} 前报送负有安全生产监督管理职责的部门"
                "（《安全生产事故隐患排查治理暂行规定》第十四条）。",
                enterprise_id=ent.id,
            )
    return counts


register(
    "hazards.overdue_scan",
    overdue_scan,
    trigger="10 1 * * *",
    description="隐患逾期扫描（期限次日通知企业和监管部门，每个期限一次）",
)
register(
    "hazards.listing_suggestions",
    listing_suggestions,
    trigger="15 1 * * *",
    description="逾期未整改且未挂牌督办的重大事故隐患：提醒辖区监管部门挂牌督办",
)
register(
    "hazards.deadline_reminders",
    deadline_reminders,
    trigger="20 1 * * *",
    description="整改期限、延期审批期限届满前提醒（提前天数见时限政策 reminder_days_before）",
)
register(
    "hazards.generate_tasks", task_generation, trigger="0 1 * * *", description="按排查计划生成当期排查任务"
)
register(
    "hazards.periodic_reports",
    periodic_reports,
    trigger="0 6 1 1,4,7,10 *",
    description="每季度首日生成上季度（1月另生成上年度）隐患排查治理统计分析表并通知企业报送",
)


def prune_tip_throttle(session: Session, ctx: RunContext) -> dict[str, Any]:
    return {"deleted": tips.prune_throttle(session)}


register(
    "hazards.prune_tip_throttle",
    prune_tip_throttle,
    trigger="25 * * * *",
    description="清理举报限流计数：时间窗（1 小时）已过的提交、查询、上传计数",
)


def compact_tallies(session: Session, ctx: RunContext) -> dict[str, Any]:
    if not tallies.available(session):
        return {"skipped": "SQLite：统计直接读取隐患表"}
    return tallies.compact(session)


register(
    "hazards.compact_tallies",
    compact_tallies,
    trigger="*/10 * * * *",
    description="合并隐患统计计数（市、省统计所读的按区县、行业、月份计数）",
)
