"""Reasons users read: each policy step carries a plain sentence (`text`) naming the rule set and the
clause, the templates in the rule files are checked on load, and traces stored before steps had a
sentence still read without rule ids."""

from pathlib import Path

import pytest

from app.rules_engine import evaluate_enterprise, evaluate_region
from app.rules_engine.explain import basis, rule_set_name, sentence, sentences
from app.rules_engine.hazards import describe_item, find_item
from tests.rules_engine.test_loader import _edit, _errors

AS_OF = "2026-06-01"
RAW = ("@2026", "open_major_hazards", "overdue_hazards", "fatal_accidents", "_share", ">=", "<=")


def _texts(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.text for t in decision.trace]


def test_every_enterprise_rule_reads_as_a_sentence_with_its_clause() -> None:
    d = evaluate_enterprise(
        {
            "risk_levels": ["yellow", "blue"],
            "open_major_hazards": 1,
            "overdue_hazards": 4,
            "major_hazard_source_grades": [2, 3],
            "accidents": [{"date": "2026-01-10", "deaths": 1}],
            "as_of": AS_OF,
        }
    )
    assert _texts(d) == [
        "企业2个风险点中最高为黄色（一般风险），以此为基础等级（企业整体风险等级规则 第1条）",
        "存在1项未销号的重大事故隐患，企业整体等级不低于橙色，由黄色调为橙色（企业整体风险等级规则 第2条）",
        "有二级重大危险源，企业整体等级不低于橙色（企业整体风险等级规则 第3条）",
        "逾期未整改的隐患有4项（达到3项及以上），企业整体等级上调一级，由橙色调为红色"
        "（企业整体风险等级规则 第4条）",
        "近12个月内发生死亡事故1起，企业整体等级定为红色（企业整体风险等级规则 第5条）",
    ]
    assert not any(raw in text for text in _texts(d) for raw in RAW)
    # The technical detail is unchanged for the API and regulators.
    assert "open_major_hazards = 1，条件 open_major_hazards >= 1" in d.trace[1].detail
    assert d.trace[1].to_dict()["text"] == d.trace[1].text
    none = evaluate_enterprise({"as_of": AS_OF})
    assert _texts(none) == ["企业没有风险点，基础等级为蓝色（低风险）（企业整体风险等级规则 第1条）"]


@pytest.mark.parametrize(
    ("counts", "said"),
    [
        (
            {"red": 2, "blue": 3},
            "辖区内有2家红色（重大风险）企业，区域等级为红色（重大风险）（区域风险等级规则 第1条）",
        ),
        (
            {"orange": 3, "blue": 7},
            "辖区内10家已评级企业中橙色（较大风险）企业3家，占30%，达到30%，区域等级为橙色（较大风险）"
            "（区域风险等级规则 第2条）",
        ),
        (
            {"yellow": 1, "blue": 9},
            "辖区内有橙色或黄色企业（橙色0家、黄色1家），区域等级为黄色（一般风险）"
            "（区域风险等级规则 第3条）",
        ),
        (
            {"blue": 4},
            "辖区内4家已评级企业均为蓝色（低风险），区域等级为蓝色（低风险）（区域风险等级规则 第4条）",
        ),
        ({}, "辖区内没有已评级企业，不定区域等级（区域风险等级规则）"),
    ],
)
def test_regional_reasons_are_sentences(counts: dict[str, int], said: str) -> None:
    texts = _texts(evaluate_region(counts))
    assert texts[-1] == said
    assert not any(raw in text for text in texts for raw in RAW)


def test_a_stored_trace_without_sentences_still_reads_without_rule_ids() -> None:
    """Rows written before steps had `text`: the policy entry's reason and clause stand in."""
    d = evaluate_enterprise({"risk_levels": ["blue"], "open_major_hazards": 1, "as_of": AS_OF})
    old = [{k: v for k, v in t.to_dict().items() if k != "text"} for t in d.trace]
    lines = sentences(old)
    assert lines[1] == "存在未销号的重大事故隐患，企业整体等级不低于橙色（企业整体风险等级规则 第2条）"
    assert lines[0].endswith("（企业整体风险等级规则 第1条）")
    assert not any(raw in line for line in lines for raw in RAW)
    # Any known id@version in an old detail becomes the rule set's name.
    step = {"step": "参考", "detail": "项目默认政策（enterprise-level@2026.1）的结果为蓝色", "source": {}}
    assert sentence(step) == "参考：项目默认政策（企业整体风险等级规则）的结果为蓝色"
    assert rule_set_name("lec-national@2026.1") == "LEC 作业条件危险性评价法（全国默认档案）"
    assert rule_set_name("nope@1") == "nope@1"
    # The 依据 for regulators keeps the technical account and where it comes from.
    assert "open_major_hazards >= 1" in basis(old)[1]
    assert "〔policies/enterprise-level.yaml rules.open-major-hidden-hazard〕" in basis(old)[1]


def test_steps_without_a_sentence_get_their_citation() -> None:
    from app.rules_engine import evaluate_point

    d = evaluate_point("lec", {"L": 3, "E": 6, "C": 15})
    lines = sentences(t.to_dict() for t in d.trace)
    assert lines[0] == "L取值：L=3（事故发生的可能性）：可能，但不经常（LEC 法 L 取值表）"
    assert not any("@" in line for line in lines)


def test_a_hazard_item_is_described_with_its_text_title_and_clause() -> None:
    found = find_item("dy-3-1", "dy@2023")
    assert found is not None
    assert describe_item(*found) == (
        "DY-3-1 无许可、超范围或超期经营（《道路运输企业和城市客运企业安全生产重大事故隐患判定标准（试行）》"
        "第三条第（一）项）"
    )
    # Without the version: the one in force on the found date; an unknown code gives None.
    from datetime import date

    old = find_item("MB-1", on=date(2024, 1, 10))
    assert old is not None and old[0].ref == "mb@2023"
    assert find_item("MB-1", on=date(2025, 1, 10))[0].ref == "mb@2024"  # type: ignore[index]
    assert find_item("XX-1") is None


def test_sentence_templates_are_checked_on_load(rules_copy: Path) -> None:
    _edit(rules_copy, "policies/enterprise-level.yaml", lambda d: d["rules"][0].update(text="存在{count}项"))
    _edit(rules_copy, "policies/regional-level.yaml", lambda d: d["rules"][1].update(text="占{orange_share"))
    _edit(rules_copy, "policies/regional-level.yaml", lambda d: d["otherwise"].pop("text"))
    errors = _errors(rules_copy)
    assert any(
        e.startswith("policies/enterprise-level.yaml: rules.0.text:")
        and "{count} 不是可用的占位符，可用：{n}、{n_zh}、{months}" in e
        for e in errors
    ), errors
    assert any(e.startswith("policies/regional-level.yaml: rules.1.text:") and "花括号" in e for e in errors)
    assert "policies/regional-level.yaml: otherwise.text: 缺少必填字段" in errors
