"""Times are stored in UTC and shown in Asia/Shanghai; deadlines are Shanghai dates.

All code reads the time through utcnow()/local_today(), so tests can move the clock
(freeze/advance) and walk a month of deadlines without waiting.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
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


# The current Shanghai day and the Unix times it starts and ends at: local_today() runs in hot paths
# (every rule-set selection), where comparing two floats is much cheaper than a time-zone conversion.
_today: tuple[float, float, date] = (0.0, 0.0, date.min)


def local_today() -> date:
    global _today
    if _frozen is not None:
        return _frozen.astimezone(SHANGHAI).date()
    start, end, day = _today
    if start <= time.time() < end:
        return day
    day = datetime.now(UTC).astimezone(SHANGHAI).date()
    midnight = datetime.combine(day, dtime(), SHANGHAI)
    _today = (
        midnight.timestamp(),
        datetime.combine(day + timedelta(days=1), dtime(), SHANGHAI).timestamp(),
        day,
    )
    return day


def fmt_local(dt: datetime | None) -> str:
    return "" if dt is None else to_local(dt).strftime("%Y-%m-%d %H:%M")
