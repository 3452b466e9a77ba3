"""Notifications: write inbox rows and queue deliveries (in the caller's transaction), read the inbox,
and send due deliveries with exponential back-off. No HTTP here."""

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.enterprises.models import Enterprise
from app.errors import BadInput, NotFound
from app.notifications import webhooks
from app.notifications.channels import Channel, Digest, DigestGroup, default_channels
from app.notifications.models import Delivery, Notification, NotificationGroup, NotificationTarget
from app.notifications.settings import get_notification_settings
from app.regions.models import Region
from app.timeutil import to_local, utcnow

log = logging.getLogger("shuangkong.notifications")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A digest is sent this long after its window ends, so a transaction still writing into the window
# (a long nightly scan) has committed.
DIGEST_GRACE = timedelta(minutes=2)


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

# Group titles: "某公司：12 项隐患逾期未整改". A kind not listed here reads "某公司：3 条消息".
KIND_LABELS = {
    "hazard_overdue": "隐患逾期未整改",
    "hazard_listing_suggested": "重大事故隐患建议挂牌督办",
    "hazard_deadline": "隐患整改期限临近",
    "hazard_extension_pending": "隐患延期申请待审批",
    "major_hazard_report": "重大事故隐患报告",
    "risk_reassessment_due": "风险点需重新评价",
    "supervision_overdue": "督办事项逾期",
    "supervision_due_soon": "督办事项期限临近",
    "supervision_escalation_suggested": "督办事项建议提级",
}


def group_title(kind: str, count: int, enterprise_name: str | None, only_title: str) -> str:
    """A group of one reads like its notice; a larger one says how many of what, about whom."""
    if count <= 1:
        return only_title[:200]
    prefix = f"{enterprise_name}：" if enterprise_name else ""
    label = KIND_LABELS.get(kind)
    return (f"{prefix}{count} 项{label}" if label else f"{prefix}{count} 条消息")[:200]


def _group_for(
    session: Session, user_id: int, kind: str, enterprise_id: int | None, now: datetime
) -> NotificationGroup:
    """The recipient's group for this kind, enterprise and local day, created when missing; locked
    (PostgreSQL) so concurrent notices count up one after another."""
    day = to_local(now).date()
    key = f"{kind}|{enterprise_id or '-'}|{day.isoformat()}"
    stmt = (
        select(NotificationGroup)
        .where(NotificationGroup.user_id == user_id, NotificationGroup.group_key == key)
        .with_for_update()
    )
    group = session.scalar(stmt)
    if group is not None:
        return group
    try:
        with session.begin_nested():
            group = NotificationGroup(
                user_id=user_id,
                kind=kind,
                enterprise_id=enterprise_id,
                day=day,
                group_key=key,
                title="",
                count=0,
                last_item_id=0,
                created_at=now,
                last_at=now,
            )
            session.add(group)
    except IntegrityError:  # another transaction created it meanwhile
        group = session.scalars(stmt).one()
    return group


def _queue_digest(session: Session, user_id: int, channel: str, target: str, window_end: datetime) -> None:
    """One pending digest per recipient, channel, address and window; sent just after the window ends."""
    exists = session.scalar(
        select(Delivery.id).where(
            Delivery.user_id == user_id,
            Delivery.channel == channel,
            Delivery.target == target,
            Delivery.window_end == window_end,
        )
    )
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                Delivery(
                    user_id=user_id,
                    channel=channel,
                    target=target,
                    window_end=window_end,
                    next_attempt_at=window_end + DIGEST_GRACE,
                )
            )
    except IntegrityError:
        pass  # queued by another transaction


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
    """One inbox notice per active recipient, in the recipient's group of the day for this kind and
    enterprise; and, per outbound channel they have (their own e-mail/webhook, and the deployment
    webhook if set), the day's digest queued. Sending happens in the `notifications.deliver` job at the
    digest time, after the caller's transaction has committed."""
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
    ent_name = (
        session.scalar(select(Enterprise.name).where(Enterprise.id == enterprise_id))
        if enterprise_id
        else None
    )
    notes = []
    # Groups are locked in user order, so two writers never wait on each other in a circle.
    for uid in sorted(recipients):
        group = _group_for(session, uid, kind, enterprise_id, now)
        note = Notification(
            user_id=uid,
            kind=kind,
            title=title[:200],
            body=body,
            link=link,
            enterprise_id=enterprise_id,
            created_at=now,
            group_id=group.id,
        )
        session.add(note)
        session.flush()
        group.count += 1
        group.title = group_title(kind, group.count, ent_name, note.title)
        group.last_item_id, group.last_at, group.read_at = note.id, now, None
        notes.append(note)
    window_end = settings.digest_window_end(now)
    for uid in sorted(recipients):
        channels = list(targets.get(uid, []))
        if settings.webhook_url:
            channels.append(("webhook", settings.webhook_url))
        for channel, target in channels:
            _queue_digest(session, uid, channel, target, window_end)
    session.flush()
    order = {uid: n for n, uid in enumerate(recipients)}
    return sorted(notes, key=lambda n: order[n.user_id])


# ---------------------------------------------------------------- inbox


@dataclass
class InboxGroup:
    """A group with its notices, newest first."""

    group: NotificationGroup
    items: list[Notification]


def _with_items(session: Session, groups: list[NotificationGroup]) -> list[InboxGroup]:
    by_group: dict[int, list[Notification]] = {g.id: [] for g in groups}
    if groups:
        rows = session.scalars(
            select(Notification)
            .where(Notification.group_id.in_(list(by_group)))
            .order_by(Notification.id.desc())
        )
        for note in rows:
            by_group[note.group_id or 0].append(note)
    return [InboxGroup(g, by_group[g.id]) for g in groups]


def list_inbox(
    session: Session,
    user: Principal,
    *,
    unread_only: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[InboxGroup]:
    """The caller's groups, the one with the newest notice first; `before_id` is the last_item_id of
    the previous page's last group."""
    stmt = select(NotificationGroup).where(NotificationGroup.user_id == user.id)
    if unread_only:
        stmt = stmt.where(NotificationGroup.read_at.is_(None))
    if before_id:
        stmt = stmt.where(NotificationGroup.last_item_id < before_id)
    groups = list(session.scalars(stmt.order_by(NotificationGroup.last_item_id.desc()).limit(limit)))
    return _with_items(session, groups)


def unread_count(session: Session, user: Principal) -> int:
    """Unread inbox entries (groups), as the nav badge shows them."""
    stmt = select(func.count()).where(
        NotificationGroup.user_id == user.id, NotificationGroup.read_at.is_(None)
    )
    return session.scalar(stmt) or 0


def mark_read(session: Session, user: Principal, group_id: int) -> InboxGroup:
    group = session.scalar(
        select(NotificationGroup).where(
            NotificationGroup.id == group_id, NotificationGroup.user_id == user.id
        )
    )
    if group is None:
        # Someone else's message answers like an unknown one.
        raise NotFound(f"消息 {group_id} 不存在")
    now = utcnow()
    if group.read_at is None:
        group.read_at = now
    session.execute(
        update(Notification)
        .where(Notification.group_id == group.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    session.flush()
    return _with_items(session, [group])[0]


def mark_all_read(session: Session, user: Principal) -> int:
    """Marks every group (and its notices) read; returns how many groups were unread."""
    now = utcnow()
    result = session.execute(
        update(NotificationGroup)
        .where(NotificationGroup.user_id == user.id, NotificationGroup.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
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


def digest_for(session: Session, delivery: Delivery) -> Digest:
    """What a delivery sends: the recipient's notices of its window, by group (newest group first);
    a delivery queued before digests existed sends its one notification."""
    if delivery.notification_id is not None:
        notes = list(session.scalars(select(Notification).where(Notification.id == delivery.notification_id)))
        start = end = notes[0].created_at if notes else utcnow()
    else:
        assert delivery.window_end is not None and delivery.user_id is not None
        end = delivery.window_end
        start = end - timedelta(days=1)
        notes = list(
            session.scalars(
                select(Notification)
                .where(
                    Notification.user_id == delivery.user_id,
                    Notification.created_at > start,
                    Notification.created_at <= end,
                )
                .order_by(Notification.id.desc())
            )
        )
    ids = {n.group_id for n in notes if n.group_id is not None}
    groups = {
        g.id: g for g in session.scalars(select(NotificationGroup).where(NotificationGroup.id.in_(ids)))
    }
    parts: dict[int, DigestGroup] = {}
    for n in notes:
        g = groups.get(n.group_id or 0)
        key = g.id if g else -n.id
        if key not in parts:
            parts[key] = DigestGroup(
                id=g.id if g else None,
                kind=n.kind,
                title=g.title if g else n.title,
                count=g.count if g else 1,
                enterprise_id=n.enterprise_id,
                items=[],
            )
        parts[key].items.append(n)
    user_id = delivery.user_id if delivery.user_id is not None else (notes[0].user_id if notes else 0)
    return Digest(user_id=user_id, window_start=start, window_end=end, groups=list(parts.values()))


def deliver_due(
    session: Session, *, limit: int = 200, channels: Mapping[str, Channel] | None = None
) -> dict[str, Any]:
    """Send pending deliveries whose time has come; a failure is recorded and retried later with
    exponential back-off until delivery_max_attempts, then the delivery is marked failed. A digest is
    built at each attempt, from the notices of its (closed) window."""
    settings = get_notification_settings()
    senders = channels if channels is not None else default_channels(settings)
    now = utcnow()
    due = session.scalars(
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        # Another process delivering at the same time takes the other rows (PostgreSQL).
        .with_for_update(skip_locked=True)
    ).all()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for d in due:
        digest = digest_for(session, d)
        if not digest.groups:  # nothing left to tell (the notices went with their user)
            d.status, d.sent_at, d.next_attempt_at = "sent", now, None
            continue
        d.attempts += 1
        try:
            sender = senders.get(d.channel)
            if sender is None:
                raise RuntimeError(f"未知的发送渠道 {d.channel}")
            sender.send(d, digest)
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
