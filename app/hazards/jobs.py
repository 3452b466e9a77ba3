"""Scheduled jobs of the hazard register (registered at import; the lead lists this module in
app.scheduler.registry.JOB_MODULES). Each is idempotent for its day: notifications carry the day in
their kind-specific title, and task generation skips periods that already have a task."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.hazards.investigation import generate_due_tasks
from app.hazards.models import FINISHED, GRADES, Hazard
from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register

REMIND_DAYS = 3  # reminder this many days before a deadline


def _notify_hazard(
    session: Session, hazard: Hazard, ent: Enterprise, kind: str, title: str, body: str
) -> None:
    users = notifications.enterprise_users(session, ent.id)
    if kind == "hazard_overdue" and ent.region_code:
        users += notifications.inspectors_for(session, ent.region_code, ent.industry)
    notifications.notify(
        session,
        user_ids=users,
        kind=kind,
        title=title,
        body=body,
        link=f"/hazards/{hazard.id}",
        enterprise_id=ent.id,
    )


def overdue_scan(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Tell the enterprise and its regulators about hazards past their deadline on this day; a 重大
    hazard overdue is suggested for 挂牌督办."""
    day = ctx.local_date
    rows = session.execute(
        select(Hazard, Enterprise)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.deadline == day - timedelta(days=1), Hazard.state.not_in(FINISHED))
    ).all()
    for hazard, ent in rows:
        hint = "；建议挂牌督办" if hazard.grade == "major" else ""
        _notify_hazard(
            session,
            hazard,
            ent,
            "hazard_overdue",
            f"{GRADES[hazard.grade]}隐患逾期未整改：{ent.name}",
            f"{hazard.place}：{hazard.description[:100]}（整改期限 {hazard.deadline}）{hint}",
        )
    return {"overdue_today": len(rows)}


def deadline_reminders(session: Session, ctx: RunContext) -> dict[str, Any]:
    day = ctx.local_date + timedelta(days=REMIND_DAYS)
    rows = session.execute(
        select(Hazard, Enterprise)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.deadline == day, Hazard.state == "rectifying")
    ).all()
    for hazard, ent in rows:
        _notify_hazard(
            session,
            hazard,
            ent,
            "hazard_deadline",
            f"隐患整改期限临近（{day}）",
            f"{hazard.place}：{hazard.description[:100]}",
        )
    return {"reminded": len(rows)}


def task_generation(session: Session, ctx: RunContext) -> dict[str, Any]:
    return {"created": generate_due_tasks(session, ctx.local_date)}


register(
    "hazards.overdue_scan",
    overdue_scan,
    trigger="10 1 * * *",
    description="隐患逾期扫描（次日通知企业和监管部门）",
)
register(
    "hazards.deadline_reminders",
    deadline_reminders,
    trigger="20 1 * * *",
    description=f"整改期限前 {REMIND_DAYS} 日提醒",
)
register(
    "hazards.generate_tasks", task_generation, trigger="0 1 * * *", description="按排查计划生成当期排查任务"
)
