"""Outbound channels behind one interface: send(delivery) returns on success and raises on failure."""

import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from app.notifications import webhooks
from app.notifications.models import Delivery, Notification
from app.notifications.settings import NotificationSettings
from app.timeutil import fmt_local


class Channel(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Deliver once; raise on any failure so the caller records it and retries later."""


class ChannelNotConfigured(RuntimeError):
    pass


def payload(note: Notification) -> dict[str, Any]:
    return {
        "event": "notification",
        "id": note.id,
        "user_id": note.user_id,
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "link": note.link,
        "enterprise_id": note.enterprise_id,
        "created_at": note.created_at.isoformat(),
    }


class WebhookChannel:
    def __init__(self, settings: NotificationSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.transport = transport

    def send(self, delivery: Delivery) -> None:
        body = payload(delivery.notification)
        timeout = self.settings.webhook_timeout_seconds
        if delivery.target == self.settings.webhook_url:  # the administrator's own: not restricted
            httpx.post(delivery.target, json=body, timeout=timeout).raise_for_status()
            return
        # A user's webhook: checked again now (the allowed hosts or the DNS answer may have changed).
        webhooks.post(webhooks.check(delivery.target, self.settings), body, timeout, self.transport)


class EmailChannel:
    def __init__(self, settings: NotificationSettings):
        self.settings = settings

    def send(self, delivery: Delivery) -> None:
        s = self.settings
        if not s.smtp_host:
            raise ChannelNotConfigured("SMTP 未配置（SHUANGKONG_SMTP_HOST）")
        note = delivery.notification
        msg = EmailMessage()
        msg["Subject"] = note.title
        msg["From"] = s.smtp_from
        msg["To"] = delivery.target
        lines = [note.body, ""]
        if note.link:
            lines.append(f"链接：{note.link}")
        lines.append(f"时间：{fmt_local(note.created_at)}")
        msg.set_content("\n".join(lines))
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(msg)


def default_channels(settings: NotificationSettings) -> dict[str, Channel]:
    return {"webhook": WebhookChannel(settings), "email": EmailChannel(settings)}
