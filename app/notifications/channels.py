"""Outbound channels behind one interface: send(delivery, digest) returns on success and raises on failure.
Every send is a digest: a recipient's notices of a window, by group."""

import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from app.notifications import webhooks
from app.notifications.models import Delivery, Notification
from app.notifications.settings import NotificationSettings
from app.timeutil import fmt_local, to_local


@dataclass
class DigestGroup:
    """A group as a digest shows it: its title and total count, and its notices of the window."""

    id: int | None
    kind: str
    title: str
    count: int
    enterprise_id: int | None
    items: list[Notification]


@dataclass
class Digest:
    """One recipient's notices of one window (normally the 24 hours up to the digest time)."""

    user_id: int
    window_start: datetime
    window_end: datetime
    groups: list[DigestGroup] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def title(self) -> str:
        if len(self.groups) == 1 and self.item_count == 1:
            return self.groups[0].items[0].title
        day = to_local(self.window_end).date().isoformat()
        return f"消息摘要（{day}）：{len(self.groups)} 组，共 {self.item_count} 条"

    def text(self) -> str:
        lines = []
        for g in self.groups:
            lines.append(
                f"【{g.title}】" + (f"（本期 {len(g.items)} 条）" if len(g.items) != g.count else "")
            )
            for n in g.items:
                lines.append(f"- {n.title}" + (f"  {n.link}" if n.link else ""))
        return "\n".join(lines)


class Channel(Protocol):
    def send(self, delivery: Delivery, digest: Digest) -> None:
        """Deliver once; raise on any failure so the caller records it and retries later."""


class ChannelNotConfigured(RuntimeError):
    pass


def _item(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id,
        "title": note.title,
        "body": note.body,
        "link": note.link,
        "created_at": note.created_at.isoformat(),
    }


def payload(digest: Digest) -> dict[str, Any]:
    return {
        "event": "digest",
        "user_id": digest.user_id,
        "title": digest.title,
        "text": digest.text(),
        "window_start": digest.window_start.isoformat(),
        "window_end": digest.window_end.isoformat(),
        "groups": [
            {
                "id": g.id,
                "kind": g.kind,
                "title": g.title,
                "count": g.count,
                "enterprise_id": g.enterprise_id,
                "items": [_item(n) for n in g.items],
            }
            for g in digest.groups
        ],
    }


class WebhookChannel:
    def __init__(self, settings: NotificationSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.transport = transport

    def send(self, delivery: Delivery, digest: Digest) -> None:
        body = payload(digest)
        timeout = self.settings.webhook_timeout_seconds
        if delivery.target == self.settings.webhook_url:  # the administrator's own: not restricted
            httpx.post(delivery.target, json=body, timeout=timeout).raise_for_status()
            return
        # A user's webhook: checked again now (the allowed hosts or the DNS answer may have changed).
        webhooks.post(webhooks.check(delivery.target, self.settings), body, timeout, self.transport)


class EmailChannel:
    def __init__(self, settings: NotificationSettings):
        self.settings = settings

    def send(self, delivery: Delivery, digest: Digest) -> None:
        s = self.settings
        if not s.smtp_host:
            raise ChannelNotConfigured("SMTP 未配置（SHUANGKONG_SMTP_HOST）")
        msg = EmailMessage()
        msg["Subject"] = digest.title
        msg["From"] = s.smtp_from
        msg["To"] = delivery.target
        lines = []
        for g in digest.groups:
            lines += [f"【{g.title}】", ""]
            for note in g.items:
                lines += [note.title, note.body]
                if note.link:
                    lines.append(f"链接：{note.link}")
                lines += [f"时间：{fmt_local(note.created_at)}", ""]
        msg.set_content("\n".join(lines))
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(msg)


def default_channels(settings: NotificationSettings) -> dict[str, Channel]:
    return {"webhook": WebhookChannel(settings), "email": EmailChannel(settings)}
