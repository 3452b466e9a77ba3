"""Inbox rows (one per recipient), the daily groups they are shown in, and outbound deliveries."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.timeutil import utcnow

CHANNELS = {"webhook": "Webhook", "email": "电子邮件"}
DELIVERY_STATUSES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}


class NotificationGroup(Base):
    """One inbox entry: the recipient's notices of one kind about one enterprise on one (local) day.

    A new notice joins its group: the count grows, the group is unread again and moves to the top
    (the inbox is ordered by last_item_id, the newest notice in it)."""

    __tablename__ = "notification_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date)
    # "kind|enterprise id or -|day": unique per user, so concurrent writers meet in one row.
    group_key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_item_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "group_key", name="uq_notification_groups_user_id"),
        Index("ix_notification_groups_inbox", "user_id", "last_item_id"),
    )


class Notification(Base):
    """One notice (an item of a group); NotifyOnce finds repeats by its kind, link and title."""

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
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_groups.id", ondelete="CASCADE"), index=True
    )

    # The inbox is read newest first per user; unread counts filter the same rows.
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "id"),)


class Delivery(Base):
    """One attempt-tracked send over an outbound channel: a recipient's daily digest (user_id and
    window_end: every notice of theirs created in the day up to window_end), or, for rows queued before
    digests existed, a single notification."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10))  # webhook | email
    target: Mapped[str] = mapped_column(String(500))  # URL or e-mail address
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notification: Mapped[Notification | None] = relationship(lazy="raise")

    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        # One digest per recipient, channel, address and day.
        UniqueConstraint("user_id", "channel", "target", "window_end", name="uq_deliveries_user_id"),
    )


class NotificationTarget(Base):
    """A user's own outbound address per channel (at most one e-mail and one webhook)."""

    __tablename__ = "notification_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "channel"),)
