"""Jobs registered by the scheduler itself: the monthly 双随机 draw (its logic is 执法's,
app/enforcement/random_draw.py) and history pruning."""

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.enforcement import random_draw
from app.scheduler import runner
from app.scheduler.registry import RunContext, register
from app.scheduler.settings import get_scheduler_settings


def prune_history(session: Session, ctx: RunContext) -> dict[str, Any]:
    days = get_scheduler_settings().scheduler_history_days
    return {"deleted": runner.prune_history(session, timedelta(days=days))}


register(
    "inspection.random_draw",
    random_draw.monthly_job,
    trigger="0 6 1 * *",
    description="双随机：每月1日抽取检查企业与执法人员并公布计划",
)
register(
    "scheduler.prune_history",
    prune_history,
    trigger="30 3 * * *",
    description="清理过期的定时任务运行记录",
)
