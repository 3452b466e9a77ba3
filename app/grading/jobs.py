"""Scheduled regrading of regional levels: nightly only where enterprise levels changed, weekly
everything (enterprises and regions), so drift from anything the incremental pass misses (an
enterprise moved to another region, a changed policy file) lasts a week at most."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.grading import enterprise, regional
from app.grading.models import EnterpriseLevel
from app.scheduler.models import JobRun
from app.scheduler.registry import RunContext, register

NIGHTLY = "grading.regional_nightly"
WEEKLY = "grading.full_weekly"


def last_success(session: Session) -> datetime | None:
    """When the last successful regional pass (nightly or weekly) started: the levels it read were
    those current then, so anything computed since must be looked at again."""
    stmt = select(func.max(JobRun.started_at)).where(
        JobRun.job_name.in_((NIGHTLY, WEEKLY)), JobRun.status == "ok"
    )
    return session.scalar(stmt)


def regional_nightly(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Regions (with their ancestors) of enterprises whose level row or record changed since the last
    successful pass; the first run ever does all regions."""
    since = last_success(session)
    if since is None:
        return {"mode": "full", "written": regional.recompute_region_levels(session, None, ctx.actor)}
    changed = set(
        session.scalars(select(EnterpriseLevel.enterprise_id).where(EnterpriseLevel.computed_at > since))
    )
    # A closed enterprise, or one given a region, changes the counts without a new level row.
    changed |= set(session.scalars(select(Enterprise.id).where(Enterprise.updated_at > since)))
    codes = regional.regions_affected(session, changed)
    written = regional.recompute_region_levels(session, codes, ctx.actor) if codes else 0
    return {"mode": "incremental", "enterprises": len(changed), "regions": len(codes), "written": written}


def full_weekly(session: Session, ctx: RunContext) -> dict[str, Any]:
    counts = enterprise.recompute_all(session, ctx.actor)
    session.flush()
    return {**counts, "regions_written": regional.recompute_region_levels(session, None, ctx.actor)}


register(
    NIGHTLY,
    regional_nightly,
    trigger="45 2 * * *",  # after risks.regrade_nightly (02:15) has updated enterprise levels
    description="每晚重新计算企业等级有变化的区域（及其上级）的区域安全风险等级",
)
register(
    WEEKLY,
    full_weekly,
    trigger="30 3 * * sun",
    description="每周日全量重新计算全部企业和全部区域的安全风险等级",
)
