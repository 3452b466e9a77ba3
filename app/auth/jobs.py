"""Scheduled housekeeping of the login tables."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth import service
from app.scheduler.registry import RunContext, register


def prune_login_records(session: Session, ctx: RunContext) -> dict[str, Any]:
    return service.prune_login_records(session)


register(
    "auth.prune_login_records",
    prune_login_records,
    trigger="20 * * * *",
    description="清理登录记录：已过时间窗的登录限流计数、超过保存期限的登录失败记录、已过期的令牌和会话",
)
