"""Scheduled jobs of the risk register (registered at import of this module)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.grading import enterprise as grading
from app.risks.models import RiskAssessment, RiskPoint
from app.scheduler.registry import RunContext, register

# Project default (no public source for a general period): re-assess a point a year after its last assessment.
REASSESS_AFTER = timedelta(days=365)


def regrade_nightly(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Idempotent: a level row is only added where the level or its explanation changed."""
    return grading.recompute_all(session, ctx.actor)


def reassessment_due(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Counts points never assessed or whose current assessment is older than REASSESS_AFTER (read-only)."""
    cutoff = ctx.local_date - REASSESS_AFTER
    stmt = (
        select(func.count(RiskPoint.id))
        .select_from(RiskPoint)
        .outerjoin(
            RiskAssessment,
            and_(RiskAssessment.risk_point_id == RiskPoint.id, RiskAssessment.is_current.is_(True)),
        )
        .where(or_(RiskAssessment.id.is_(None), RiskAssessment.assessed_on < cutoff))
    )
    return {"due": session.scalar(stmt) or 0, "cutoff": cutoff.isoformat()}


register(
    "risks.regrade_nightly",
    regrade_nightly,
    trigger="15 2 * * *",
    description="每晚重新计算全部企业的整体安全风险等级",
)
register(
    "risks.reassessment_due",
    reassessment_due,
    trigger="0 7 * * 1",
    description="统计到期需要重新评价的风险点（上次评价满一年或从未评价）",
)
