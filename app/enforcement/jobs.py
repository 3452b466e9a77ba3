"""Scheduled jobs of 执法 (registered at import; listed in app/scheduler/registry.py JOB_MODULES)."""

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.enforcement.models import PENALTY_FINISHED, PENALTY_STATES, PenaltyCase
from app.enforcement.penalty import overdue_since
from app.enterprises.models import Enterprise
from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register


def _handlers(session: Session, case: PenaltyCase) -> list[int]:
    """Who is told: the officer who filed the case and its department's inspectors in the filing region."""
    ids = [case.created_by] if case.created_by else []
    if case.issuer_region_code:
        ids += session.scalars(
            select(User.id).where(
                User.role == "inspector",
                User.is_active.is_(True),
                User.department == case.department,
                User.region_code == case.issuer_region_code,
            )
        ).all()
    return list(dict.fromkeys(ids))


def penalty_overdue(session: Session, ctx: RunContext) -> dict[str, Any]:
    """行政处罚 cases whose current step (or the 90-day decision limit) has passed: their handlers are told
    once per step."""
    today = ctx.local_date
    rows = session.scalars(
        select(PenaltyCase).where(
            PenaltyCase.state.not_in(PENALTY_FINISHED),
            or_(PenaltyCase.step_due < today, PenaltyCase.decision_due < today),
            or_(PenaltyCase.overdue_notified.is_(None), PenaltyCase.overdue_notified != PenaltyCase.state),
        )
    ).all()
    sent = 0
    for case in rows:
        missed = overdue_since(case, today)
        if missed is None:
            continue
        name = session.scalar(select(Enterprise.name).where(Enterprise.id == case.enterprise_id)) or ""
        notifications.notify(
            session,
            user_ids=_handlers(session, case),
            kind="penalty_overdue",
            title=f"行政处罚案件逾期：{case.case_number}（{PENALTY_STATES[case.state]}，{missed.isoformat()}）",
            body=f"{name}：当前环节“{PENALTY_STATES[case.state]}”已超过期限 {missed.isoformat()}；"
            f"作出决定期限 {case.decision_due.isoformat()}（行政处罚法第六十条）。",
            link=f"/api/enforcement/cases/{case.id}",
            enterprise_id=case.enterprise_id,
        )
        case.overdue_notified = case.state
        sent += 1
    return {"overdue_notified": sent}


register(
    "enforcement.penalty_overdue",
    penalty_overdue,
    trigger="40 7 * * *",
    description="行政处罚案件环节逾期（含立案后 90 日未作出决定）：每个环节通知办案人员一次",
)
