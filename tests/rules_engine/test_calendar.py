"""Holiday arrangements as rule files (kind: holiday_calendar): they override or extend chinese-calendar,
say which source a year uses, and `rules check` warns when this year or next has no source."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from app import workdays
from app.rules_engine import RuleFileError, load_rules, rules_dir
from app.timeutil import local_today

SHUANGKONG = Path(sys.executable).parent / "shuangkong"
TEST_YEAR = 2099  # a year no package covers: the fixture file is its only source


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def _first(year: int, weekday: int) -> date:
    return next(d for d in _days(year) if d.weekday() == weekday)


def _write_year(root: Path, year: int, *, holiday: tuple[date, date], workday: date) -> Path:
    path = root / "calendar" / f"holidays-{year}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        f"""id: holidays-{year}
version: "test"
kind: holiday_calendar
title: {year}年部分节假日安排（测试数据）
status: active
effective_from: {year}-01-01
effective_to: {year}-12-31
year: {year}
notice: {{title: 测试用通知（虚构，仅用于测试）, number: 测试〔{year}〕1号, issued: {year - 1}-11-01}}
citation: {{standard: 测试用通知（虚构）}}
holidays:
  - {{name: 测试节, start: {holiday[0].isoformat()}, end: {holiday[1].isoformat()},
     citation: {{standard: 测试}}}}
workdays:
  - {{day: {workday.isoformat()}, name: 测试调休上班, citation: {{standard: 测试}}}}
""",
        encoding="utf-8",
    )
    return path


def test_2026_file_agrees_with_the_package_day_by_day() -> None:
    assert workdays.calendar_source(2026)["source"] == "rule_file"
    differ = [d for d in _days(2026) if workdays.is_working_day(d) != chinese_calendar.is_workday(d)]
    assert differ == []


def test_a_year_in_a_rule_file_extends_the_package(rules_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monday = _first(TEST_YEAR, 0) + timedelta(days=7)
    saturday = monday + timedelta(days=5)
    _write_year(rules_copy, TEST_YEAR, holiday=(monday, monday + timedelta(days=2)), workday=saturday)
    monkeypatch.setenv("SHUANGKONG_RULES_DIR", str(rules_copy))
    source = workdays.calendar_source(TEST_YEAR)
    assert source["source"] == "rule_file" and source["file"] == f"calendar/holidays-{TEST_YEAR}.yaml"
    assert f"测试〔{TEST_YEAR}〕1号" in source["detail"]
    assert not workdays.is_working_day(monday) and not workdays.is_working_day(monday + timedelta(days=2))
    assert workdays.is_working_day(saturday) and not workdays.is_working_day(saturday + timedelta(days=1))
    # From the Friday before the holiday: Tue and Wed are off, Thu is the first working day.
    end, sources = workdays.add_days_explained(monday - timedelta(days=3), 1, "working_days")
    assert end == monday + timedelta(days=3) and [s["source"] for s in sources] == ["rule_file"]
    # Without the file the same year falls back to the unknown-year estimate (Mon–Fri).
    monkeypatch.delenv("SHUANGKONG_RULES_DIR")
    assert workdays.calendar_source(TEST_YEAR)["source"] == "weekdays_estimate"
    assert workdays.is_working_day(monday)


@pytest.mark.parametrize(
    ("workday", "message"),
    [(lambda y: _first(y, 2), "不是周六或周日"), (lambda y: date(y + 1, 1, 6), "不在")],
)
def test_bad_calendar_files_are_refused(rules_copy: Path, workday, message: str) -> None:  # type: ignore[no-untyped-def]
    monday = _first(TEST_YEAR, 0)
    _write_year(rules_copy, TEST_YEAR, holiday=(monday, monday), workday=workday(TEST_YEAR))
    with pytest.raises(RuleFileError) as err:
        load_rules(rules_copy)
    assert any(
        f"calendar/holidays-{TEST_YEAR}.yaml: workdays.0.day" in e and message in e for e in err.value.errors
    )


def test_two_files_for_one_year_are_refused(rules_copy: Path) -> None:
    monday = _first(TEST_YEAR, 0)
    first = _write_year(rules_copy, TEST_YEAR, holiday=(monday, monday), workday=_first(TEST_YEAR, 5))
    (rules_copy / "calendar" / "again.yaml").write_text(
        first.read_text(encoding="utf-8").replace(f"id: holidays-{TEST_YEAR}", "id: again"), encoding="utf-8"
    )
    with pytest.raises(RuleFileError) as err:
        load_rules(rules_copy)
    assert any("每年只能有一个节假日文件" in e for e in err.value.errors)


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHUANGKONG_RULES_DIR"}
    done = subprocess.run(
        [str(SHUANGKONG), "rules", "check", "--dir", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_rules_check_warns_when_this_or_next_year_has_no_source(rules_copy: Path) -> None:
    nxt = local_today().year + 1
    for path in (rules_copy / "calendar").glob(f"holidays-{nxt}.yaml"):
        path.unlink()
    done = _check(rules_copy)
    assert ("警告" in done.stderr and f"{nxt} 年" in done.stderr) == (not workdays.package_covers(nxt))
    # With a file for every year that lacks one, there is nothing to warn about.
    for year in (nxt - 1, nxt):
        if not (rules_copy / "calendar" / f"holidays-{year}.yaml").exists():
            _write_year(
                rules_copy, year, holiday=(date(year, 1, 1), date(year, 1, 1)), workday=_first(year, 5)
            )
    done = _check(rules_copy)
    assert "警告" not in done.stderr and "规则校验通过" in done.stdout


def test_a_deadline_into_2027_counts_the_statutory_holidays_and_says_it_is_an_estimate() -> None:
    # The State Council notice for 2027 is not in rules/calendar yet (searched 2026-12-03) and
    # chinese-calendar stops at 2026: 2027 is estimated from the statutory holidays (放假办法 第二条) with
    # 第六条's weekend make-up. When holidays-2027.yaml is added, this test changes with it.
    assert not (rules_dir() / "calendar" / "holidays-2027.yaml").exists()
    end, sources = workdays.add_days_explained(date(2026, 12, 28), 10, "working_days")
    # 12-29, 12-30, 12-31; 2027-01-01 is 元旦; 01-04 … 01-08, 01-11, 01-12.
    assert end == date(2027, 1, 12)
    assert [(s["year"], s["source"]) for s in sources] == [(2026, "rule_file"), (2027, "statutory_estimate")]
    assert "国务院办公厅关于2026年部分节假日安排的通知" in sources[0]["detail"]
    assert "全国年节及纪念日放假办法" in sources[1]["detail"] and "调休上班日未计" in sources[1]["detail"]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 2, 5), False),  # 除夕 (Friday)
        (date(2027, 2, 8), False),  # 正月初三 (Monday)
        (date(2027, 2, 9), False),  # 补假 for 初一 on Saturday
        (date(2027, 2, 10), False),  # 补假 for 初二 on Sunday
        (date(2027, 2, 11), True),
        (date(2027, 4, 5), False),  # 清明
        (date(2027, 5, 3), False),  # 劳动节 5-1, 5-2 fall on the weekend: made up Monday and Tuesday
        (date(2027, 5, 4), False),
        (date(2027, 5, 5), True),
        (date(2027, 6, 9), False),  # 端午
        (date(2027, 9, 15), False),  # 中秋
        (date(2027, 10, 4), False),  # 国庆 10-2, 10-3 on the weekend
        (date(2027, 10, 5), False),
        (date(2027, 10, 6), True),
        (date(2027, 3, 3), True),
        (date(2027, 3, 6), False),  # an ordinary Saturday
    ],
)
def test_the_2027_estimate_knows_the_statutory_holidays_and_weekend_make_up(day: date, working: bool) -> None:
    assert workdays.is_working_day(day) is working
