"""Outbound channel settings (same SHUANGKONG_ prefix as app.config, kept here so this domain owns them)."""

import re
from datetime import datetime, time, timedelta
from functools import lru_cache

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.timeutil import SHANGHAI


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_", env_file=".env", extra="ignore")

    # One webhook per deployment (e.g. a 企业微信/钉钉 group robot relay); every recipient's daily digest
    # is posted to it.
    webhook_url: str | None = None
    webhook_timeout_seconds: float = 10.0
    # Hosts users' own webhooks may point to, comma-separated ("hooks.example.com,.dingtalk.com"
    # allows one name and every subdomain of dingtalk.com); empty: no personal webhooks.
    webhook_allowed_hosts: str = ""
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "shuangkong@localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 15.0
    # Retries back off exponentially: base, 2×base, 4×base … capped, then the delivery is failed.
    delivery_max_attempts: int = 6
    delivery_backoff_seconds: int = 60
    delivery_backoff_max_seconds: int = 6 * 3600
    # Outbound channels send one digest per recipient a day, at this local (Asia/Shanghai) time: the
    # notices of the 24 hours up to it, grouped. The night's scans (01:00–02:00) are in that morning's.
    digest_time: str = "08:00"

    @field_validator("digest_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value.strip()):
            raise ValueError("SHUANGKONG_DIGEST_TIME 应为 HH:MM（24 小时制），如 08:00")
        return value.strip()

    def digest_window_end(self, at: datetime) -> datetime:
        """The first digest time at or after `at`: the end of the digest window `at` falls in."""
        hour, minute = (int(x) for x in self.digest_time.split(":"))
        local = at.astimezone(SHANGHAI)
        end = datetime.combine(local.date(), time(hour, minute), tzinfo=SHANGHAI)
        if end < local:
            end += timedelta(days=1)
        return end.astimezone(at.tzinfo)

    @property
    def allowed_webhook_hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip()]

    def backoff_seconds(self, attempts: int) -> int:
        """Wait after the given number of failed attempts (1 → base)."""
        return int(
            min(self.delivery_backoff_seconds * 2 ** max(attempts - 1, 0), self.delivery_backoff_max_seconds)
        )


@lru_cache
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings()
