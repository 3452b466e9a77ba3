"""Enterprise and regional levels, inspection frequency and time limits (project-default policies)."""

from datetime import date

import pytest

from app.rules_engine.errors import RuleInputError
from app.rules_engine.policies import (
    evaluate_enterprise,
    evaluate_region,
    get_policy,
    inspection_frequency,
    time_limit,
)

AS_OF = "2025-06-30"


def enterprise(**facts: object):  # type: ignore[no-untyped-def]
    return evaluate_enterprise({"as_of": AS_OF, **facts})


def test_base_is_the_highest_point_level_or_blue() -> None:
    d = enterprise(risk_levels=["blue", "orange", "yellow"])
    assert (d.level, d.rule_set, len(d.trace)) == ("orange", "enterprise-level@2026.1", 1)
    assert d.trace[0].detail == "以企业现有风险点中的最高等级为基础等级：风险点 3 个，最高为橙色（较大风险）"
    assert enterprise().level == "blue"


def test_open_major_hidden_hazard_gives_at_least_orange() -> None:
    d = enterprise(risk_levels=["blue"], open_major_hazards=1)
    assert d.level == "orange"
    assert d.trace[-1].step == "open-major-hidden-hazard"
    assert (
        "存在未销号的重大事故隐患" in d.trace[-1].detail
        and "蓝色（低风险） → 橙色（较大风险）" in d.trace[-1].detail
    )
    assert enterprise(risk_levels=["red"], open_major_hazards=2).level == "red"


@pytest.mark.parametrize(
    ("grades", "level"), [([1], "orange"), ([3, 2], "orange"), ([3], "blue"), ([4], "blue")]
)
def test_major_hazard_source_grade(grades: list[int], level: str) -> None:
    assert enterprise(major_hazard_source_grades=grades).level == level


@pytest.mark.parametrize(("overdue", "level"), [(2, "yellow"), (3, "orange"), (10, "orange")])
def test_overdue_hazards_raise_one_level_from_three(overdue: int, level: str) -> None:
    assert enterprise(risk_levels=["yellow"], overdue_hazards=overdue).level == level
    assert enterprise(risk_levels=["red"], overdue_hazards=overdue).level == "red"  # never above red


@pytest.mark.parametrize(
    ("when", "deaths", "level"),
    [("2024-06-30", 1, "red"), ("2024-06-29", 1, "blue"), (AS_OF, 1, "red"), ("2025-01-01", 0, "blue")],
)
def test_fatal_accident_within_twelve_months_is_red(when: str, deaths: int, level: str) -> None:
    d = enterprise(accidents=[{"date": when, "deaths": deaths, "serious_injuries": 2}])
    assert d.level == level
    if level == "red":
        assert "2024-06-30 至 2025-06-30 死亡事故 1 起" in d.trace[-1].detail


def test_rules_combine_in_file_order() -> None:
    d = enterprise(risk_levels=["blue"], open_major_hazards=1, overdue_hazards=3)
    assert d.level == "red"  # at least orange, then one level up
    assert [t.step for t in d.trace] == ["基础等级", "open-major-hidden-hazard", "overdue-hazards"]


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"risk_levels": ["purple"]}, "facts.risk_levels[0]: 'purple' 不是风险等级"),
        ({"open_major_hazards": -1}, "facts.open_major_hazards: -1 为负数"),
        ({"major_hazard_source_grades": [5]}, "facts.major_hazard_source_grades[0]: 5 不是重大危险源级别"),
        (
            {"accidents": [{"date": "2026-01-01", "deaths": 1}]},
            "facts.accidents[0].date: 2026-01-01 晚于 as_of",
        ),
        ({"accidents": [{"date": "yesterday"}]}, "facts.accidents[0].date: 'yesterday' 不是有效的 ISO 日期"),
        ({"employees": 5}, "facts.employees: 未知字段"),
    ],
)
def test_enterprise_bad_facts(facts: dict[str, object], message: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        enterprise(**facts)
    assert exc.value.detail.startswith(message), exc.value.detail


@pytest.mark.parametrize(
    ("counts", "level", "rule"),
    [
        ({"red": 1, "blue": 99}, "red", "rules.red"),
        ({"orange": 30, "blue": 70}, "orange", "rules.orange"),  # exactly 30 %
        ({"orange": 29, "blue": 71}, "yellow", "rules.yellow"),  # 29 %: some orange, below the share
        ({"yellow": 1, "blue": 99}, "yellow", "rules.yellow"),
        ({"blue": 4}, "blue", "otherwise"),
    ],
)
def test_regional_level(counts: dict[str, int], level: str, rule: str) -> None:
    d = evaluate_region(counts)
    assert (d.level, d.trace[-1].entry) == (level, rule)
    total = sum(counts.values())
    assert d.trace[0].detail.startswith(
        f"企业共 {total} 家：红色 {counts.get('red', 0)}、橙色 {counts.get('orange', 0)}"
    )


def test_regional_trace_shows_the_deciding_share_and_empty_region() -> None:
    d = evaluate_region({"orange": 3, "blue": 7})
    assert "orange_share = 30%，条件 orange_share >= 0.3" in d.trace[-1].detail
    empty = evaluate_region({})
    assert (empty.level, empty.trace[-1].detail) == (None, "辖区内没有企业，不定等级")
    with pytest.raises(RuleInputError, match="facts.red: 1.5 不是整数"):
        evaluate_region({"red": 1.5})


def test_policies_by_name_and_explicit_version() -> None:
    assert get_policy("regional_level").ref == "regional-level@2026.1"
    policy = get_policy("enterprise_level", "370203", date(2025, 1, 1))
    assert evaluate_enterprise({"as_of": AS_OF}, policy).rule_set == "enterprise-level@2026.1"
    assert evaluate_enterprise({"as_of": AS_OF}, "enterprise-level@2026.1").level == "blue"
    with pytest.raises(RuleInputError, match="name: 'speed' 不是已知的政策"):
        get_policy("speed")
    with pytest.raises(RuleInputError, match="rule_set: regional-level@2026.1 是区域等级政策规则集"):
        evaluate_enterprise({}, "regional-level@2026.1")


def test_inspection_frequency_published_and_default() -> None:
    orange = inspection_frequency("orange")
    assert (orange.min_per_year, orange.project_default) == (2, False)
    assert "每半年至少进行1次全面执法检查" in orange.measures
    red = inspection_frequency("red")
    assert red.project_default and "责令停产停业整顿" in red.measures
    assert [inspection_frequency(lv).min_per_year for lv in ("red", "yellow", "blue")] == [4, 1, 0]
    shanxi = {p.scope: p.figures for p in get_policy("inspection_frequency").published}
    assert shanxi["山西2025 危险化学品、金属冶炼"] == {
        "一级": "≤2",
        "二级": "≤4",
        "三级": "≤8",
        "未定级": "≤12",
    }
    assert shanxi["山西2025 煤矿"] == {"A": "≤2", "B": "≤4", "C": "≤6", "D": "≤4"}


@pytest.mark.parametrize(
    ("key", "value", "unit", "article"),
    [
        ("verification", 10, "calendar_days", "第十条"),
        ("extension_request_lead", 20, "working_days", None),
        ("extension_decision", 10, "working_days", None),
        ("listing_publication", 5, "working_days", None),
        ("closure_publication", 5, "working_days", None),
        ("quarterly_report_due", 15, "day_of_next_quarter", "第十四条"),
        ("annual_report_due", 31, "day_of_next_year", "第十四条"),
        ("reassessment_hazardous_chemicals", 3, "years", None),
    ],
)
def test_time_limits(key: str, value: int, unit: str, article: str | None) -> None:
    limit = time_limit(key)
    assert (limit.value, limit.unit, limit.citation.article) == (value, unit, article)
    assert limit.citation.standard


def test_annual_report_is_31_january_and_unknown_key() -> None:
    assert time_limit("annual_report_due").month == 1
    with pytest.raises(RuleInputError, match="key: 'nope' 不是已知的时限"):
        time_limit("nope")
