"""Times are stored in UTC and shown in Asia/Shanghai; deadlines are Shanghai dates.

All code reads the time through utcnow()/local_today(), so tests can move the clock
(freeze/advance) and walk a month of deadlines without waiting.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def utcnow() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime) -> None:
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    freeze(utcnow() + delta)


def unfreeze() -> None:
    global _frozen
    _frozen = None


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        globals()["_frozen"] = previous


def to_local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(SHANGHAI)


def local_today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def fmt_local(dt: datetime | None) -> str:
    return "" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")
