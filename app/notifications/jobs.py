"""Scheduled sending of queued deliveries."""

from typing import Any

from sqlalchemy.orm import Session

from app.notifications import service
from app.scheduler.registry import RunContext, register


def deliver(session: Session, ctx: RunContext) -> dict[str, Any]:
    return service.deliver_due(session)


register(
    "notifications.deliver",
    deliver,
    trigger="* * * * *",
    description="发送待发的通知（Webhook、电子邮件），失败按指数退避重试",
)
