"""Scheduled jobs of the risk register (registered at import of this module)."""

from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.grading import enterprise as grading
from app.notifications import service as notifications
from app.risks.models import RiskAssessment, RiskPoint
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce, add_limit
from app.timeutil import to_local

PERIOD_KEY = "risk_reassessment"  # the time-limit policy entry giving the re-assessment period


def regrade_nightly(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Idempotent: a level row is only added where the level or its explanation changed."""
    return grading.recompute_all(session, ctx.actor)


def due_since(assessed_on: date, today: date) -> date | None:
    """The start of the re-assessment period `today` lies in: the latest assessed_on + k × period
    (k ≥ 1) not after today, or None while the first period runs. One notice per point per period."""
    k, found = 1, None
    while (nxt := add_limit(assessed_on, PERIOD_KEY, k)) <= today:
        k, found = k + 1, nxt
    return found


def reassessment_due(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Tell the enterprise once per risk point and period that the point is due for re-assessment:
    its current assessment is older than the policy's period, or it was never assessed (one notice,
    counted from the point's registration)."""
    today = ctx.local_date
    cutoff = add_limit(today, PERIOD_KEY, -1)
    rows = session.execute(
        select(
            RiskPoint.id,
            RiskPoint.name,
            RiskPoint.enterprise_id,
            RiskPoint.created_at,
            RiskAssessment.assessed_on,
        )
        .join(Enterprise, Enterprise.id == RiskPoint.enterprise_id)
        .outerjoin(
            RiskAssessment,
            and_(RiskAssessment.risk_point_id == RiskPoint.id, RiskAssessment.is_current.is_(True)),
        )
        .where(Enterprise.status != "closed")
        .where(RiskAssessment.id.is_(None) | (RiskAssessment.assessed_on <= cutoff))
        .order_by(RiskPoint.enterprise_id, RiskPoint.id)
    ).all()
    once = NotifyOnce(session, "risk_reassessment_due", [f"/risks/points/{r.id}" for r in rows])
    users: dict[int, list[int]] = {}
    notified = 0
    for r in rows:
        if r.enterprise_id not in users:
            users[r.enterprise_id] = notifications.enterprise_users(session, r.enterprise_id)
        if r.assessed_on is None:
            key = f"登记于 {to_local(r.created_at).date().isoformat()}"
            title = f"风险点尚未评价（{key}）：{r.name}"
            body = f"风险点“{r.name}”尚未进行风险评价，请组织辨识评价并落实管控措施。"
        else:
            since = due_since(r.assessed_on, today)
            assert since is not None  # the query kept only assessments at least one period old
            key = f"{since.isoformat()} 到期"
            title = f"风险点需重新评价（{key}）：{r.name}"
            body = (
                f"风险点“{r.name}”上次评价于 {r.assessed_on.isoformat()}，已满规定周期，"
                "请重新辨识评价并更新管控措施。"
            )
        notified += once.send(
            key=key,
            link=f"/risks/points/{r.id}",
            user_ids=users[r.enterprise_id],
            title=title,
            body=body,
            enterprise_id=r.enterprise_id,
        )
    return {"due": len(rows), "notified": notified, "cutoff": cutoff.isoformat()}


register(
    "risks.regrade_nightly",
    regrade_nightly,
    trigger="15 2 * * *",
    description="每晚重新计算全部企业的整体安全风险等级",
)
register(
    "risks.reassessment_due",
    reassessment_due,
    trigger="0 7 * * *",
    description="风险点到期重新评价提醒（周期见时限政策 risk_reassessment；每点每周期通知企业一次）",
)
