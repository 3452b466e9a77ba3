"""Scheduled housekeeping of the attachment store."""

from typing import Any

from sqlalchemy.orm import Session

from app.attachments import cleanup
from app.scheduler.registry import RunContext, register


def prune_unattached(session: Session, ctx: RunContext) -> dict[str, Any]:
    return cleanup.prune_unattached(session, ctx.actor)


register(
    "attachments.prune_unattached",
    prune_unattached,
    trigger="40 3 * * *",
    description="清理未关联任何记录的上传照片（表单放弃未提交），超过保留天数的删除记录和文件",
)
