"""/api/notifications: the caller's own inbox only."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser, DbSession
from app.fields import Id
from app.notifications import service
from app.notifications.schemas import GroupOut, NotificationPage, ReadAll, Targets, UnreadCount

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage)
def list_notifications(
    session: DbSession,
    user: CurrentUser,
    unread: bool = False,
    cursor: Annotated[Id | None, Query(description="上一页返回的 next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    """我的消息：同一企业、同一类、同一天的消息合为一组（含条数和组内各条），有新消息的组在前。"""
    groups = service.list_inbox(session, user, unread_only=unread, before_id=cursor, limit=limit)
    next_cursor = groups[-1].group.last_item_id if len(groups) == limit else None
    return NotificationPage(items=[GroupOut.of(g) for g in groups], next_cursor=next_cursor)


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(session: DbSession, user: CurrentUser) -> UnreadCount:
    """未读的消息组数。"""
    return UnreadCount(unread=service.unread_count(session, user))


@router.post("/read-all", response_model=ReadAll)
def read_all(session: DbSession, user: CurrentUser) -> ReadAll:
    return ReadAll(updated=service.mark_all_read(session, user))


@router.get("/channels", response_model=Targets)
def get_channels(session: DbSession, user: CurrentUser) -> Targets:
    """我的外发渠道（电子邮件、Webhook）。"""
    return Targets(**service.get_targets(session, user))


@router.put("/channels", response_model=Targets)
def put_channels(body: Targets, session: DbSession, user: CurrentUser) -> Targets:
    return Targets(**service.set_targets(session, user, body.model_dump()))


@router.post("/{group_id:int}/read", response_model=GroupOut)
def read_one(group_id: Id, session: DbSession, user: CurrentUser) -> GroupOut:
    """将一组消息标为已读。"""
    return GroupOut.of(service.mark_read(session, user, group_id))
