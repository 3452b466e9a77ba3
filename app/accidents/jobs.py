"""Scheduled job of 事故 and 应急 (registered at import; listed in app.scheduler.registry.JOB_MODULES).

Runs for the RunContext's Shanghai date (a moved clock moves it): opens the one-year 整改评估 of closed
accidents once the window opens (结案 + 10 months), and reminds — once per subject and due date — of
overdue evaluations, 现场处置方案 without a drill for six months, overdue 预案评估 and overdue 备案.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accidents import emergency, resources
from app.accidents import service as accidents
from app.accidents.models import RESOURCE_CATEGORIES, Accident, EmergencyPlan, EmergencyResource
from app.auth.models import User
from app.enterprises.models import Enterprise
from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce


def _recipients(session: Session, ent: Enterprise) -> list[int]:
    users = notifications.enterprise_users(session, ent.id)
    if ent.region_code:
        users += notifications.inspectors_for(session, ent.region_code, ent.industry)
    return users


def _overdue_evaluations(session: Session, day: date) -> int:
    rows = list(
        session.execute(
            select(Accident, Enterprise)
            .join(Enterprise, Enterprise.id == Accident.enterprise_id)
            .where(Accident.state.in_(("closed", "evaluation_due")), Accident.evaluation_due < day)
            .order_by(Accident.id)
        )
    )
    once = NotifyOnce(session, "accident_evaluation_overdue", [f"/accidents/{a.id}" for a, _ in rows])
    sent = 0
    for acc, ent in rows:
        assert acc.evaluation_due is not None
        key = acc.evaluation_due.isoformat()
        sent += once.send(
            key=key,
            link=f"/accidents/{acc.id}",
            user_ids=_recipients(session, ent),
            title=f"事故整改评估逾期：{ent.name}（期限 {key}）",
            body="事故结案已满一年，防范和整改措施落实情况评估尚未完成（安委办〔2021〕4号 第三条）。",
            enterprise_id=ent.id,
        )
    return sent


def _plan_reminders(session: Session, day: date) -> dict[str, int]:
    plans = list(
        session.execute(
            select(EmergencyPlan, Enterprise)
            .join(Enterprise, Enterprise.id == EmergencyPlan.enterprise_id)
            .where(EmergencyPlan.is_current.is_(True), EmergencyPlan.published_on.is_not(None))
            .order_by(EmergencyPlan.id)
        )
    )
    last = emergency._last_drills(session, [p.id for p, _ in plans])
    links = [f"/emergency/plans/{p.id}" for p, _ in plans]
    drills = NotifyOnce(session, "emergency_drill_overdue", links)
    evaluations = NotifyOnce(session, "emergency_evaluation_overdue", links)
    filings = NotifyOnce(session, "emergency_filing_overdue", links)
    counts = {"drill_reminders": 0, "evaluation_reminders": 0, "filing_reminders": 0}
    for plan, ent in plans:
        link = f"/emergency/plans/{plan.id}"
        users = _recipients(session, ent)
        due = emergency.drill_due(plan, last.get(plan.id))
        if plan.kind == "onsite" and due is not None and day > due:
            counts["drill_reminders"] += drills.send(
                key=due.isoformat(),
                link=link,
                user_ids=users,
                title=f"现场处置方案超过半年未演练：{ent.name}《{plan.title}》（应于 {due.isoformat()} 前）",
                body="每半年至少组织一次现场处置方案演练（生产安全事故应急预案管理办法 第三十三条）。",
                enterprise_id=ent.id,
            )
        if plan.evaluation_due and day > plan.evaluation_due:
            key = plan.evaluation_due.isoformat()
            counts["evaluation_reminders"] += evaluations.send(
                key=key,
                link=link,
                user_ids=users,
                title=f"应急预案评估逾期：{ent.name}《{plan.title}》（应于 {key} 前）",
                body="所列单位应当每三年进行一次应急预案评估（生产安全事故应急预案管理办法 第三十五条）。",
                enterprise_id=ent.id,
            )
        if not plan.filed_on and plan.filing_due and day > plan.filing_due:
            key = plan.filing_due.isoformat()
            counts["filing_reminders"] += filings.send(
                key=key,
                link=link,
                user_ids=users,
                title=f"应急预案逾期未备案：{ent.name}《{plan.title}》（应于 {key} 前）",
                body="应急预案公布之日起20个工作日内备案（生产安全事故应急预案管理办法 第二十六条）。",
                enterprise_id=ent.id,
            )
    return counts


def daily(session: Session, ctx: RunContext) -> dict[str, Any]:
    day = ctx.local_date
    opened = accidents.open_due_evaluations(session, day)
    return {
        "evaluations_opened": opened,
        "evaluation_overdue": _overdue_evaluations(session, day),
    } | _plan_reminders(session, day)


def _department_users(session: Session, row: EmergencyResource) -> list[int]:
    """The keepers of a department's resource: active inspectors of exactly its region (and department).
    notifications.inspectors_for would add every higher level, which does not keep the stock."""
    stmt = select(User.id).where(
        User.role == "inspector", User.is_active.is_(True), User.region_code == row.region_code
    )
    if row.department:
        stmt = stmt.where(User.department == row.department)
    return list(session.scalars(stmt.order_by(User.id)))


def resource_expiry(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Reminds the owner of 应急物资/装备 that expire within the policy's days (or have expired), once per
    resource and expiry date: a replaced stock with a new date is reminded again."""
    day = ctx.local_date
    horizon = day + timedelta(days=resources.expiry_days())
    rows = list(
        session.scalars(
            select(EmergencyResource)
            .where(EmergencyResource.expires_on.is_not(None), EmergencyResource.expires_on <= horizon)
            .order_by(EmergencyResource.id)
        )
    )
    once = NotifyOnce(session, "emergency_resource_expiry", [f"/emergency/resources#r{r.id}" for r in rows])
    names = resources.enterprise_names(session, rows)
    sent = 0
    for row in rows:
        assert row.expires_on is not None
        key = row.expires_on.isoformat()
        owner = names.get(row.enterprise_id or 0) or row.department or "本部门"
        when = f"已于 {key} 过期" if row.expires_on < day else f"将于 {key} 到期"
        users = (
            notifications.enterprise_users(session, row.enterprise_id)
            if row.enterprise_id
            else _department_users(session, row)
        )
        sent += once.send(
            key=key,
            link=f"/emergency/resources#r{row.id}",
            user_ids=users,
            title=f"{RESOURCE_CATEGORIES[row.category]}{when}：{owner} {row.name}（{row.storage_place}）",
            body="请及时更换或补充，并在系统中更新有效期。",
            enterprise_id=row.enterprise_id,
        )
    return {"resources_due": len(rows), "expiry_reminders": sent}


register(
    "accidents.resource_expiry",
    resource_expiry,
    trigger="50 1 * * *",
    description="应急物资、装备到期提醒（到期前天数见 accident-rules 的 resource_expiry_reminder）",
)


register(
    "accidents.daily",
    daily,
    trigger="40 1 * * *",
    description="事故整改评估启动与逾期提醒；应急预案备案、评估逾期和现场处置方案演练提醒",
)
