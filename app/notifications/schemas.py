from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.fields import Id, Input


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    enterprise_id: Id | None
    created_at: datetime
    read_at: datetime | None


class GroupOut(BaseModel):
    """One inbox entry: the day's notices of one kind about one enterprise."""

    id: int
    kind: str
    title: str
    count: int = Field(description="组内消息条数")
    enterprise_id: Id | None
    day: date
    created_at: datetime
    last_at: datetime = Field(description="最新一条的时间")
    read_at: datetime | None
    items: list[NotificationOut] = Field(description="组内消息，最新在前")

    @classmethod
    def of(cls, entry: Any) -> "GroupOut":
        g = entry.group
        return cls(
            id=g.id,
            kind=g.kind,
            title=g.title,
            count=g.count,
            enterprise_id=g.enterprise_id,
            day=g.day,
            created_at=g.created_at,
            last_at=g.last_at,
            read_at=g.read_at,
            items=[NotificationOut.model_validate(n) for n in entry.items],
        )


class NotificationPage(BaseModel):
    items: list[GroupOut]
    next_cursor: int | None = Field(description="下一页的 cursor；为空表示没有更多")


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    updated: int


class Targets(Input):
    email: str | None = Field(default=None, max_length=200, description="接收通知的电子邮件地址")
    webhook: str | None = Field(default=None, max_length=500, description="个人 Webhook 地址")
