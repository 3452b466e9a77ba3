"""Working-day arithmetic on the Chinese public-holiday calendar, with 调休 make-up days.

The calendar comes from the maintained PyPI package `chinese-calendar` (import name chinese_calendar),
which ships the State Council's yearly holiday notice as data. It knows only the years it was released
for. For a later year the setting SHUANGKONG_WORKDAYS_UNKNOWN_YEAR decides (the project's default,
not a published rule): "weekdays" counts Monday–Friday as working days and logs a warning, so that
deadlines early next year can still be set; "refuse" raises CalendarUnavailable naming the year.
To add a new year, upgrade the package once the notice is published (usually in November):
`.venv/bin/pip install -U chinese-calendar`, and raise the lower bound in pyproject.toml.
"""

import logging
from datetime import date, timedelta
from typing import Literal

import chinese_calendar

from app.config import get_settings
from app.errors import BadInput

log = logging.getLogger(__name__)

Unit = Literal["working_days", "calendar_days"]


class CalendarUnavailable(BadInput):
    """The holiday calendar has no data for the year a computation needs."""

    def __init__(self, year: int, field: str | None = None):
        super().__init__(
            f"节假日日历没有 {year} 年的数据，无法计算工作日；请升级 chinese-calendar 包"
            f"（pip install -U chinese-calendar）后重试",
            field=field,
            extra={"year": year},
        )
        self.year = year


def is_working_day(d: date) -> bool:
    """True on a weekday that is not a public holiday, and on a 调休 weekend make-up day."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if get_settings().workdays_unknown_year == "refuse":
            raise CalendarUnavailable(d.year) from None
        _warn_estimated(d.year)
        return d.weekday() < 5


_warned: set[int] = set()


def _warn_estimated(year: int) -> None:
    if year not in _warned:
        _warned.add(year)
        log.warning("no holiday data for %s: counting Monday–Friday as working days", year)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after d (n < 0: before d). n = 0 gives d itself."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    day = d
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]: how many working days pass going from a to b (negative if b < a)."""
    if b < a:
        return -working_days_between(b, a)
    return sum(1 for i in range(1, (b - a).days + 1) if is_working_day(a + timedelta(days=i)))


def add_days(d: date, n: int, unit: str) -> date:
    """d + n in the given unit: "working_days" or "calendar_days" (the policy's 日)."""
    if unit == "working_days":
        return add_working_days(d, n)
    if unit == "calendar_days":
        return d + timedelta(days=n)
    raise ValueError(f"unsupported day unit {unit!r}")
