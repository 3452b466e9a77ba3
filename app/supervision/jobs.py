"""Scheduled 挂牌督办 work: the daily overdue check (mark, notify, suggest 提级督办 per policy)."""

from typing import Any

from sqlalchemy.orm import Session

from app.supervision import service


def overdue_check(session: Session, ctx: Any) -> dict[str, Any]:
    """Idempotent: each case is marked overdue once and gets one 提级 suggestion."""
    return service.mark_overdue(session, ctx.actor, ctx.local_date)


try:
    from app.scheduler.registry import register
except ImportError:  # the scheduler is optional for this module
    pass
else:
    register(
        "supervision.overdue",
        overdue_check,
        trigger="30 1 * * *",
        description="挂牌督办逾期检查：标记逾期、通知企业和督办部门、按政策建议提级督办",
    )
