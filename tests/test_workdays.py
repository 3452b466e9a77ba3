"""Working days on the Chinese holiday calendar (data from the chinese-calendar package)."""

from datetime import date

import pytest

from app.config import get_settings
from app.errors import BadInput
from app.workdays import CalendarUnavailable, add_days, add_working_days, is_working_day, working_days_between


def test_national_day_week_is_not_working() -> None:
    # 2025 国庆+中秋: 10-01..10-08 off.
    assert not any(is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert is_working_day(date(2025, 10, 9))


def test_make_up_weekend_days_are_working() -> None:
    # 调休: Sunday 2025-09-28 and Saturday 2025-10-11 are working days; 2026-01-04 (Sunday) too.
    assert date(2025, 9, 28).weekday() == 6 and is_working_day(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and is_working_day(date(2025, 10, 11))
    assert date(2026, 1, 4).weekday() == 6 and is_working_day(date(2026, 1, 4))
    # An ordinary weekend is not.
    assert not is_working_day(date(2025, 9, 27))


def test_add_working_days_skips_holidays_and_counts_make_up_days() -> None:
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Fri → the 调休 Sunday
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)  # over the whole holiday week
    assert add_working_days(date(2025, 10, 9), 2) == date(2025, 10, 11)  # 调休 Saturday
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 9), 0) == date(2025, 10, 9)


def test_working_days_between() -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 12)) == 6  # 28, 29, 30, 9, 10, 11
    assert working_days_between(date(2025, 10, 12), date(2025, 9, 26)) == -6
    # An ordinary week: Mon → next Mon is 5 working days.
    assert working_days_between(date(2025, 11, 3), date(2025, 11, 10)) == 5


def test_add_days_by_unit() -> None:
    assert add_days(date(2025, 9, 30), 10, "calendar_days") == date(2025, 10, 10)
    assert add_days(date(2025, 9, 30), 10, "working_days") == date(2025, 10, 21)
    with pytest.raises(ValueError):
        add_days(date(2025, 9, 30), 1, "fortnights")


def test_year_without_data_counts_weekdays_by_default() -> None:
    # 2040-03-01 is a Thursday: Fri, Mon, Tue.
    assert add_working_days(date(2040, 3, 1), 3) == date(2040, 3, 6)


def test_year_without_data_can_be_refused(monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "workdays_unknown_year", "refuse")
    with pytest.raises(CalendarUnavailable) as err:
        add_working_days(date(2040, 3, 1), 3)
    assert isinstance(err.value, BadInput)
    assert "2040" in err.value.detail and "chinese-calendar" in err.value.detail
