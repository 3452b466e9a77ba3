"""重大事故隐患判定标准: every item confirmed for its industries, rejected for others."""

from datetime import date

import pytest

from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError
from app.rules_engine.hazards import evaluate_major_hidden_hazard
from app.rules_engine.loader import Registry

CATALOGUES = {
    "gm@2017": 59,
    "gm@2023": 42,
    "hg@2017": 20,
    "yh@2017": 20,
    "mk@2020": 95,
    "ks@2022": 24,
    "fs@2022": 25,
    "rq@2023": 12,
    "dy@2023": 6,
    "xf@2017": 10,
    "mb@2023": 9,
    "mb@2024": 7,
}


def judge(industry: str, item: str, on: date | None = None):  # type: ignore[no-untyped-def]
    return evaluate_major_hidden_hazard({"industry": industry, "item": item}, on=on)


def test_catalogues_items_and_known_gaps(registry: Registry) -> None:
    found = {s.ref: len(s.model.items) for s in registry.of_kind("major_hidden_hazard")}
    assert found == CATALOGUES
    gaps = {s.ref: [g.clause for g in s.model.known_gaps] for s in registry.of_kind("major_hidden_hazard")}
    assert "第八条" in gaps["gm@2023"] and "第十八条第（十一）项" in gaps["mk@2020"]
    assert "三、尾矿库（二）及以后" in gaps["ks@2022"]
    assert "第五条 基坑工程" in gaps["fs@2022"]
    assert any(g.startswith("7 综合判定要素") for g in gaps["xf@2017"])


def test_every_item_is_confirmed_for_each_of_its_industries(registry: Registry) -> None:
    industry_map = {e.industry: e.catalogues for e in registry.select("industry_map").model.map}
    checked = 0
    for s in registry.of_kind("major_hidden_hazard"):
        # A day on which this version is the one in force (superseded versions stay usable for their window).
        day = s.model.effective_to or max(date.today(), s.model.effective_from)
        for item in s.model.items:
            for industry in s.model.item_industries(item):
                assert s.model.id in industry_map[industry]
                d = judge(industry, item.code, on=day)
                assert (d.is_major, d.level, d.rule_set) == (True, None, s.ref)
                assert d.trace[1].entry == f"items.{item.code}"
                assert item.clause in d.trace[1].detail and d.trace[1].citation == item.citation.render()
                checked += 1
    assert checked > 300


def test_trace_cites_the_clause() -> None:
    d = judge("hazardous_chemicals", "hg-5")  # codes are case-insensitive
    assert d.rule_set == "hg@2017"
    assert d.trace[1].detail.startswith(
        "HG-5：《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第五项"
    )
    assert d.trace[1].citation == "安监总管三〔2017〕121号 五"
    assert d.trace[0].file == "major_hidden_hazards/industry-map.yaml"
    unverified = judge("fireworks", "YH-4")
    assert unverified.trace[-1].step == "提示" and "未经官方文本核实" in unverified.trace[-1].detail


@pytest.mark.parametrize(
    ("industry", "item", "message"),
    [
        (
            "metallurgy",
            "HG-5",
            "inputs.item: 条目 HG-5 属于"
            "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》，"
            "不适用于行业 metallurgy（冶金）；该行业适用的判定标准：《工贸企业重大事故隐患判定标准》",
        ),
        (
            "machinery",
            "GM-4-1",
            "inputs.item: 条目 GM-4-1（工贸第四条第（一）项）只适用于冶金，不适用于行业 machinery（机械）",
        ),
        ("textile", "GM-3-3", "inputs.item: 条目 GM-3-3（工贸第三条第（三）项）只适用于冶金、有色"),
        (
            "tailings_pond",
            "KS-1-1-1",
            "inputs.item: 条目 KS-1-1-1（金属非金属矿山一、地下矿山（一）第1项）只适用于金属非金属矿山",
        ),
        (
            "other",
            "GM-3-1",
            "inputs.item: 条目 GM-3-1 属于《工贸企业重大事故隐患判定标准》，不适用于行业 other（其他）；"
            "该行业适用的判定标准：《重大火灾隐患判定方法（GB 35181-2017）》",
        ),
        ("coal_mine", "GM-99-1", "inputs.item: 未知的重大事故隐患条目 'GM-99-1'"),
        ("mining", "MK-3-1", "inputs.industry: 未知行业代码 'mining'"),
    ],
)
def test_wrong_industry_or_item(industry: str, item: str, message: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        judge(industry, item)
    assert exc.value.detail.startswith(message), exc.value.detail


def test_missing_inputs_and_explicit_catalogue() -> None:
    with pytest.raises(RuleInputError, match="inputs.item: 缺少必填项"):
        evaluate_major_hidden_hazard({"industry": "coal_mine"})
    with pytest.raises(RuleInputError, match="inputs.industry: 5 应为非空字符串"):
        evaluate_major_hidden_hazard({"industry": 5, "item": "MK-3-1"})
    d = evaluate_case(
        {
            "method": "major_hidden_hazard",
            "inputs": {"industry": "coal_mine", "item": "MK-3-2"},
            "rule_set": "mk@2020",
            "date": "2021-01-01",
        }
    )
    assert d.trace[1].detail.endswith("“瓦斯超限作业” → 判定为重大事故隐患")
    with pytest.raises(RuleInputError, match="date: 2020-12-31 不在 mk@2020 的有效期内"):
        evaluate_case(
            {
                "method": "major_hidden_hazard",
                "inputs": {"industry": "coal_mine", "item": "MK-3-2"},
                "rule_set": "mk@2020",
                "date": "2020-12-31",
            }
        )
    with pytest.raises(RuleInputError, match="不适用于行业 coal_mine"):
        evaluate_case(
            {
                "method": "major_hidden_hazard",
                "inputs": {"industry": "coal_mine", "item": "GM-3-1"},
                "rule_set": "gm@2023",
            }
        )


def test_the_version_in_force_on_the_day_judges() -> None:
    before = judge("machinery", "GM17-FC-3", date(2023, 5, 14))
    assert before.rule_set == "gm@2017"
    assert any(t.step == "选用版本" and "gm@2017" in t.detail for t in before.trace)
    after = judge("machinery", "GM-3-2", date(2023, 5, 15))
    assert after.rule_set == "gm@2023"
    assert any(t.step == "选用版本" and "2023-05-15 施行的版本：gm@2023" in t.detail for t in after.trace)
    with pytest.raises(RuleInputError) as exc:
        judge("machinery", "GM-3-2", date(2022, 6, 1))
    assert "属于 gm@2023" in exc.value.detail and "2022-06-01 适用的是 gm@2017" in exc.value.detail
    with pytest.raises(RuleInputError) as exc:
        judge("machinery", "GM17-FC-3", date(2023, 5, 15))
    assert "属于 gm@2017" in exc.value.detail and "至 2023-05-14" in exc.value.detail
