"""Notifications: write inbox rows and queue deliveries (in the caller's transaction), read the inbox,
and send due deliveries with exponential back-off. No HTTP here."""

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session, joinedload

from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.errors import BadInput, NotFound
from app.notifications import webhooks
from app.notifications.channels import Channel, default_channels
from app.notifications.models import Delivery, Notification, NotificationTarget
from app.notifications.settings import get_notification_settings
from app.regions.models import Region
from app.timeutil import utcnow

log = logging.getLogger("shuangkong.notifications")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------- recipients


def inspectors_for(session: Session, region_code: str, industry: str | None = None) -> list[int]:
    """Active inspectors whose region subtree contains the region (and whose industries, if limited,
    include the industry), ordered by id."""
    path = session.scalar(select(Region.path).where(Region.code == region_code))
    if path is None:
        return []
    rows = session.execute(
        select(User.id, User.industries)
        .join(Region, Region.code == User.region_code)
        .where(User.role == "inspector", User.is_active.is_(True))
        # The inspector's region is an ancestor (or the region itself): its path prefixes ours.
        .where(literal(path).like(Region.path.concat("%")))
        .order_by(User.id)
    ).all()
    return [uid for uid, industries in rows if not industries or industry is None or industry in industries]


def enterprise_users(session: Session, enterprise_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .where(User.role == "enterprise", User.enterprise_id == enterprise_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


# ---------------------------------------------------------------- writing


def notify(
    session: Session,
    *,
    user_ids: Iterable[int],
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    enterprise_id: int | None = None,
) -> list[Notification]:
    """One inbox row per active recipient, plus a queued delivery per outbound channel they have
    (their own e-mail/webhook, and the deployment webhook if set). Sending happens in the
    `notifications.deliver` job, after the caller's transaction has committed."""
    wanted = list(dict.fromkeys(int(u) for u in user_ids))
    if not wanted:
        return []
    active = set(session.scalars(select(User.id).where(User.id.in_(wanted), User.is_active.is_(True))))
    recipients = [u for u in wanted if u in active]
    if not recipients:
        return []
    settings = get_notification_settings()
    targets: dict[int, list[tuple[str, str]]] = {}
    for t in session.scalars(select(NotificationTarget).where(NotificationTarget.user_id.in_(recipients))):
        if t.channel == "email" and not settings.smtp_host:
            continue  # no SMTP server: an address alone cannot be delivered to
        targets.setdefault(t.user_id, []).append((t.channel, t.target))
    now = utcnow()
    notes = [
        Notification(
            user_id=uid,
            kind=kind,
            title=title[:200],
            body=body,
            link=link,
            enterprise_id=enterprise_id,
            created_at=now,
        )
        for uid in recipients
    ]
    session.add_all(notes)
    session.flush()
    for note in notes:
        channels = list(targets.get(note.user_id, []))
        if settings.webhook_url:
            channels.append(("webhook", settings.webhook_url))
        for channel, target in channels:
            session.add(
                Delivery(notification_id=note.id, channel=channel, target=target, next_attempt_at=now)
            )
    session.flush()
    return notes


# ---------------------------------------------------------------- inbox


def list_inbox(
    session: Session,
    user: Principal,
    *,
    unread_only: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id:
        stmt = stmt.where(Notification.id < before_id)
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user: Principal) -> int:
    stmt = select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return session.scalar(stmt) or 0


def mark_read(session: Session, user: Principal, notification_id: int) -> Notification:
    note = session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if note is None:
        # Someone else's message answers like an unknown one.
        raise NotFound(f"消息 {notification_id} 不存在")
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return note


def mark_all_read(session: Session, user: Principal) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the user's own channels


def get_targets(session: Session, user: Principal) -> dict[str, str | None]:
    rows = session.scalars(select(NotificationTarget).where(NotificationTarget.user_id == user.id))
    found = {t.channel: t.target for t in rows}
    return {"email": found.get("email"), "webhook": found.get("webhook")}


def set_targets(session: Session, user: Principal, values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Replace the caller's e-mail / webhook (None or "" removes one)."""
    before = get_targets(session, user)
    for channel in ("email", "webhook"):
        value = (values.get(channel) or "").strip() or None
        if value and channel == "email" and not EMAIL_RE.match(value):
            raise BadInput(f"电子邮件地址 {value!r} 格式不正确", field="email")
        if value and channel == "webhook":
            try:
                webhooks.check(value, get_notification_settings())
            except webhooks.WebhookRefused as exc:
                raise BadInput(str(exc), field="webhook") from exc
        row = session.scalar(
            select(NotificationTarget).where(
                NotificationTarget.user_id == user.id, NotificationTarget.channel == channel
            )
        )
        if value is None and row is not None:
            session.delete(row)
        elif value is not None and row is None:
            session.add(NotificationTarget(user_id=user.id, channel=channel, target=value))
        elif value is not None and row is not None:
            row.target = value
    session.flush()
    after = get_targets(session, user)
    if after != before:
        audit.record(session, user, "update", "notification_targets", user.id, before=before, after=after)
    return after


# ---------------------------------------------------------------- sending


def deliver_due(
    session: Session, *, limit: int = 200, channels: Mapping[str, Channel] | None = None
) -> dict[str, Any]:
    """Send pending deliveries whose time has come; a failure is recorded and retried later with
    exponential back-off until delivery_max_attempts, then the delivery is marked failed."""
    settings = get_notification_settings()
    senders = channels if channels is not None else default_channels(settings)
    now = utcnow()
    due = session.scalars(
        select(Delivery)
        .options(joinedload(Delivery.notification))
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        # Another process delivering at the same time takes the other rows (PostgreSQL).
        .with_for_update(skip_locked=True, of=Delivery)
    ).all()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for d in due:
        d.attempts += 1
        try:
            sender = senders.get(d.channel)
            if sender is None:
                raise RuntimeError(f"未知的发送渠道 {d.channel}")
            sender.send(d)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            d.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if d.attempts >= settings.delivery_max_attempts:
                d.status = "failed"
                d.next_attempt_at = None
                counts["failed"] += 1
            else:
                d.next_attempt_at = now + timedelta(seconds=settings.backoff_seconds(d.attempts))
                counts["retrying"] += 1
            log.warning("delivery %s via %s failed (attempt %s): %s", d.id, d.channel, d.attempts, exc)
        else:
            d.status = "sent"
            d.sent_at = now
            d.next_attempt_at = None
            d.last_error = None
            counts["sent"] += 1
    session.flush()
    return counts
