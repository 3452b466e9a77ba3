"""Times are stored in UTC and shown in Asia/Shanghai; deadlines are Shanghai dates."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(SHANGHAI)


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def fmt_local(dt: datetime | None) -> str:
    return "" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")
