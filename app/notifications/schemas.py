from datetime import datetime

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


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: int | None = Field(description="下一页的 cursor；为空表示没有更多")


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    updated: int


class Targets(Input):
    email: str | None = Field(default=None, max_length=200, description="接收通知的电子邮件地址")
    webhook: str | None = Field(default=None, max_length=500, description="个人 Webhook 地址")
