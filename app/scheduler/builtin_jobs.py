"""Jobs that belong to the scheduler itself: the monthly 双随机 draw and history pruning."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.scheduler import random_draw, runner
from app.scheduler.models import InspectionPlan
from app.scheduler.registry import RunContext, register
from app.scheduler.settings import get_scheduler_settings


def inspection_random_draw(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Idempotent: a month that already has a plan keeps it."""
    month = random_draw.month_key(ctx.local_date)
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.month == month)) is not None:
        return {"month": month, "created": 0}
    plan = random_draw.draw_plan(session, month, actor=ctx.actor)
    return {"month": month, "created": 1, **plan.counts}


def prune_history(session: Session, ctx: RunContext) -> dict[str, Any]:
    days = get_scheduler_settings().scheduler_history_days
    return {"deleted": runner.prune_history(session, timedelta(days=days))}


register(
    "inspection.random_draw",
    inspection_random_draw,
    trigger="0 6 1 * *",
    description="双随机：每月1日抽取检查企业与执法人员并公布计划",
)
register(
    "scheduler.prune_history",
    prune_history,
    trigger="30 3 * * *",
    description="清理过期的定时任务运行记录",
)
