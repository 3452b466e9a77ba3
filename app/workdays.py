"""Working-day arithmetic on the Chinese public-holiday calendar, with 调休 make-up days.

Sources, in order, for the year of a day:
1. a rule file rules/calendar/holidays-YYYY.yaml (kind: holiday_calendar) — the State Council's notice
   for that year, cited; it overrides the package for that year or extends it to a year the package
   does not know yet;
2. the maintained PyPI package `chinese-calendar` (import name chinese_calendar), which ships the
   notices as data for the years it was released for;
3. neither: the setting SHUANGKONG_WORKDAYS_UNKNOWN_YEAR decides (the project's default, not a
   published rule): "weekdays" estimates, so that deadlines early next year can still be set — from
   the statutory holidays of rules/calendar/statutory-holidays.yaml (全国年节及纪念日放假办法 第二条, with
   第六条's weekend make-up) when that file lists the year, else Monday–Friday — and logs a warning;
   "refuse" raises CalendarUnavailable naming the year.
To add a year: once the notice is published (usually in November), add holidays-YYYY.yaml, or upgrade
the package (`.venv/bin/pip install -U chinese-calendar`) and raise the lower bound in pyproject.toml.
`calendar_source(year)` says which source a year uses; `rules check` warns when the current or the
next year has none.
"""

import logging
from datetime import date, timedelta
from importlib.metadata import version
from typing import Any, Literal

import chinese_calendar

from app.config import get_settings
from app.errors import BadInput
from app.rules_engine import get_registry

log = logging.getLogger(__name__)

Unit = Literal["working_days", "calendar_days"]


class CalendarUnavailable(BadInput):
    """The holiday calendar has no data for the year a computation needs."""

    def __init__(self, year: int, field: str | None = None):
        super().__init__(
            f"节假日日历没有 {year} 年的数据，无法计算工作日；请在规则目录 calendar/ 下按国务院办公厅通知"
            f"添加 holidays-{year}.yaml，或升级 chinese-calendar 包（pip install -U chinese-calendar）后重试",
            field=field,
            extra={"year": year},
        )
        self.year = year


class _RuleYear:
    def __init__(self, loaded: Any):
        model = loaded.model
        self.file, self.model = loaded.file, model
        self.off = model.days_off()
        self.on = {w.day for w in model.workdays}


def _rule_years() -> dict[int, _RuleYear]:
    """Years given by holiday_calendar rule files (non-draft), compiled once per loaded rule set."""
    registry = get_registry()

    def build() -> dict[int, _RuleYear]:
        return {
            s.model.year: _RuleYear(s)
            for s in registry.of_kind("holiday_calendar")
            if s.model.status != "draft"
        }

    return registry.compiled(("holiday_calendar_years",), build)


def _statutory_years() -> dict[int, tuple[str, set[date]]]:
    """Per year of the statutory_holidays file: (file, days off). A holiday on a Saturday or Sunday is
    made up on the next weekday(s) after its span that are not holidays themselves (第六条)."""
    registry = get_registry()

    def build() -> dict[int, tuple[str, set[date]]]:
        years: dict[int, tuple[str, set[date]]] = {}
        for s in registry.of_kind("statutory_holidays"):
            if s.model.status == "draft":
                continue
            for y in s.model.years:
                off = y.days_off()
                for span in y.holidays:
                    owed = sum(1 for d in _span_days(span.start, span.end) if d.weekday() >= 5)
                    day = span.end
                    while owed:
                        day += timedelta(days=1)
                        if day.weekday() < 5 and day not in off:
                            off.add(day)
                            owed -= 1
                years[y.year] = (s.file, off)
        return years

    return registry.compiled(("statutory_holiday_years",), build)


def _span_days(start: date, end: date) -> list[date]:
    return [date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]


def rule_file_years() -> list[int]:
    return sorted(_rule_years())


def package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def calendar_source(year: int) -> dict[str, Any]:
    """Which source decides the working days of a year: {"year", "source", "detail", "file", "citation"}.
    source: "rule_file" | "chinese_calendar" | "statutory_estimate" | "weekdays_estimate" | "unavailable"."""
    rule = _rule_years().get(year)
    if rule is not None:
        notice = rule.model.notice
        number = f"（{notice.number}）" if notice.number else ""
        return {
            "year": year,
            "source": "rule_file",
            "detail": f"规则文件 {rule.file}：{notice.title}{number}，{notice.issued.isoformat()}",
            "file": rule.file,
            "citation": rule.model.citation.render(),
        }
    if package_covers(year):
        return {
            "year": year,
            "source": "chinese_calendar",
            "detail": f"chinese-calendar {version('chinese-calendar')}（国务院办公厅历年节假日安排）",
            "file": None,
            "citation": None,
        }
    if get_settings().workdays_unknown_year == "refuse":
        detail = f"{year} 年没有节假日数据，工作日计算被拒绝（SHUANGKONG_WORKDAYS_UNKNOWN_YEAR=refuse）"
        return {"year": year, "source": "unavailable", "detail": detail, "file": None, "citation": None}
    statutory = _statutory_years().get(year)
    if statutory is not None:
        detail = (
            f"{year} 年放假调休通知尚未录入：按《全国年节及纪念日放假办法》第二条的法定节日和第六条的周末补假"
            f"估算（规则文件 {statutory[0]}），调休上班日未计"
            "（项目默认，SHUANGKONG_WORKDAYS_UNKNOWN_YEAR=weekdays）"
        )
        return {
            "year": year,
            "source": "statutory_estimate",
            "detail": detail,
            "file": statutory[0],
            "citation": "全国年节及纪念日放假办法（2024年修订） 第二条、第六条",
        }
    detail = (
        f"{year} 年没有节假日数据，按周一至周五估算（项目默认，SHUANGKONG_WORKDAYS_UNKNOWN_YEAR=weekdays）"
    )
    return {"year": year, "source": "weekdays_estimate", "detail": detail, "file": None, "citation": None}


def is_working_day(d: date) -> bool:
    """True on a weekday that is not a public holiday, and on a 调休 weekend make-up day."""
    rule = _rule_years().get(d.year)
    if rule is not None:
        return d in rule.on or (d.weekday() < 5 and d not in rule.off)
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if get_settings().workdays_unknown_year == "refuse":
            raise CalendarUnavailable(d.year) from None
        _warn_estimated(d.year)
        statutory = _statutory_years().get(d.year)
        return d.weekday() < 5 and (statutory is None or d not in statutory[1])


_warned: set[int] = set()


def _warn_estimated(year: int) -> None:
    if year not in _warned:
        _warned.add(year)
        log.warning("no holiday notice for %s: estimating working days (statutory holidays if known)", year)


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


def add_days_explained(d: date, n: int, unit: str) -> tuple[date, list[dict[str, Any]]]:
    """add_days, and the calendar source of every year the count passed through (for traces and admins)."""
    end = add_days(d, n, unit)
    if unit != "working_days":
        return end, []
    first, last = sorted((d, end))
    return end, [calendar_source(y) for y in range(first.year, last.year + 1)]
