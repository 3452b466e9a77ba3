"""危化企业诊断分级 (应急〔2018〕19号): the rule file, scoring with caps and bonuses,
direct red, bad input."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from app.rules_engine import (
    RuleFileError,
    RuleInputError,
    evaluate_hc_diagnosis,
    load_rules,
    reassessment_due,
)
from app.rules_engine.loader import Registry


def grade(*items: dict[str, object], red: list[str] | None = None):  # type: ignore[no-untyped-def]
    return evaluate_hc_diagnosis({"items": list(items), "direct_red": red or []})


def test_scheme_file_has_the_published_structure(registry: Registry) -> None:
    model = registry.get("hc-diagnosis-2018").model
    projects = {p.code: p.points for c in model.categories for p in c.projects}
    # 项目分值 from the table: 固有危险性 10+5+10+5, 周边环境 10, 设计 10, 设备 5, 自控 10,
    # 人员 15, 制度 10, 事故 10.
    assert projects == {
        "1.1": 10, "1.2": 5, "1.3": 10, "1.4": 5, "2.1": 10, "3.1": 10, "4.1": 5,
        "5.1": 10, "6.1": 15, "7.1": 10, "8.1": 0, "9.1": 0, "9.2": 10,
    }  # fmt: skip
    assert [d.code for d in model.direct_red] == ["R1", "R2", "R3", "R4"]
    assert "在役化工装置未经正规设计且未进行安全设计诊断" in model.direct_red[1].text
    assert model.reassess_years.value == 3 and model.industries == ["hazardous_chemicals"]
    assert all(e.citation.standard for _, e in model.entries())


def test_no_items_is_full_marks_and_blue() -> None:
    d = grade()
    assert (d.score, d.level, d.is_major, d.method) == (100, "blue", False, "hc_diagnosis")
    assert d.rule_set == "hc-diagnosis-2018@2018.1"
    assert any("总分 = 100 − 扣分 0 + 加分 0 = 100" in t.detail for t in d.trace)


def test_deductions_stop_at_the_project_points_and_the_trace_says_so() -> None:
    d = grade({"code": "6.1.1", "count": 4})  # 4 人次 × 5 = 20 > 15
    assert d.score == 85 and d.level == "yellow"
    capped = next(t for t in d.trace if t.step == "扣完为止")
    assert "人员资质" in capped.detail and "按 15 分计" in capped.detail and capped.entry == "projects.6.1"
    assert "应急〔2018〕19号" in capped.citation


def test_direct_red_overrides_any_score_and_cites_the_situation() -> None:
    d = grade({"code": "9.1.1"}, red=["R2", "R2"])
    assert (d.score, d.level, d.is_major) == (100, "red", True)
    reds = [t for t in d.trace if t.step == "直接判定"]
    assert len(reds) == 1 and "未经正规设计" in reds[0].detail and "覆盖得分结果蓝色" in reds[0].detail


@pytest.mark.parametrize(
    ("inputs", "field", "fragment"),
    [
        ({"items": [{"code": "1.9.9"}]}, "inputs.items[0].code", "不是"),
        ({"items": [{"code": "1.1.1", "count": 2}]}, "inputs.items[0].count", "只计一次"),
        ({"items": [{"code": "1.2.1", "count": 0}]}, "inputs.items[0].count", "≥ 1"),
        ({"items": [{"code": "1.2.1"}, {"code": "1.2.1"}]}, "inputs.items[1].code", "重复"),
        ({"items": [{"code": "1.2.1", "n": 1}]}, "inputs.items[0].n", "未知字段"),
        ({"items": "1.1.1"}, "inputs.items", "列表"),
        ({"direct_red": ["R9"]}, "inputs.direct_red[0]", "R1"),
        ({"score": 80}, "inputs.score", "未知字段"),
    ],
)
def test_bad_input_names_the_field(inputs: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(RuleInputError) as err:
        evaluate_hc_diagnosis(inputs)
    assert err.value.field == field and fragment in err.value.detail


def test_reassessment_is_due_three_years_on(registry: Registry) -> None:
    model = registry.get("hc-diagnosis-2018").model
    assert reassessment_due(date(2024, 2, 29), model) == date(2027, 2, 28)
    assert reassessment_due(date(2023, 12, 1), model) == date(2026, 12, 1)


def test_project_points_must_add_up_to_the_total(rules_copy: Path) -> None:
    path = rules_copy / "policies" / "hc-diagnosis-2018.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["categories"][0]["projects"][0]["points"] = 12
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_rules(rules_copy)
    assert any("hc-diagnosis-2018.yaml: categories" in e and "102" in e for e in err.value.errors)
