"""Inbox rows (one per recipient) and their outbound deliveries."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.timeutil import utcnow

CHANNELS = {"webhook": "Webhook", "email": "电子邮件"}
DELIVERY_STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))  # e.g. hazard.overdue, inspection_plan
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The inbox is read newest first per user; unread counts filter the same rows.
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "id"),)


class Delivery(Base):
    """One attempt-tracked send of a notification over an outbound channel."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))  # webhook | email
    target: Mapped[str] = mapped_column(String(500))  # URL or e-mail address
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notification: Mapped[Notification] = relationship(lazy="raise")

    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)


class NotificationTarget(Base):
    """A user's own outbound address per channel (at most one e-mail and one webhook)."""

    __tablename__ = "notification_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "channel"),)
