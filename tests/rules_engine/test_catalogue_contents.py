"""Catalogues of the second wave: counts per article pinned, first/last items of each article spot-checked,
and the date windows of versions that replaced each other (民爆 试行 → 正式, GB 35181-2017 → 2025)."""

from collections import Counter
from datetime import date

import pytest

from app.rules_engine.errors import RuleInputError
from app.rules_engine.hazards import evaluate_major_hidden_hazard
from app.rules_engine.loader import Registry

# Items per citation.article as encoded (see each file's known_gaps for what the text has beyond these).
COUNTS = {
    "ks@2022": {"一、地下矿山": 14, "二、露天矿山": 9, "三、尾矿库": 1},
    "fs@2022": {
        **{"第四条": 4, "第六条": 4, "第七条": 3, "第八条": 7},
        **{"第九条": 3, "第十条": 1, "第十一条": 2, "第十二条": 1},
    },
    "rq@2023": {"第四条": 5, "第五条": 3, "第九条": 4},
    "dy@2023": {"第三条": 5, "第四条": 1},
    "xf@2017": {"6 直接判定要素": 10},
    "mb@2023": {"全文": 9},
    "mb@2024": {"全文": 7},
}

# (catalogue, article) → (first code, words of its text), (last code, words of its text)
ENDS = {
    ("ks@2022", "一、地下矿山"): (("KS-1-1-1", "独立安全出口少于2个"), ("KS-1-27", "竣工验收前组织生产")),
    ("ks@2022", "二、露天矿山"): (("KS-2-1", "未探明采空区和溶洞"), ("KS-2-10", "凹陷露天矿山")),
    ("ks@2022", "三、尾矿库"): (("KS-3-1", "开采、挖掘、爆破"), ("KS-3-1", "危及尾矿库安全")),
    ("fs@2022", "第四条"): (("FS-4-1", "安全生产许可证"), ("FS-4-4", "论证")),
    ("fs@2022", "第六条"): (("FS-6-1", "模板支架的基础承载力"), ("FS-6-4", "分层厚度浇筑混凝土")),
    ("fs@2022", "第七条"): (("FS-7-1", "脚手架工程的基础承载力"), ("FS-7-3", "附着式升降脚手架")),
    ("fs@2022", "第八条"): (("FS-8-1", "未经验收合格"), ("FS-8-7", "地基基础承载力")),
    ("fs@2022", "第九条"): (("FS-9-1", "防倾覆装置"), ("FS-9-3", "悬挑式操作平台")),
    ("fs@2022", "第十条"): (("FS-10-1", "安全电压"), ("FS-10-1", "隧道、人防工程")),
    ("fs@2022", "第十一条"): (("FS-11-1", "先通风、再检测、后作业"), ("FS-11-2", "专人负责监护")),
    ("fs@2022", "第十二条"): (("FS-12-1", "拆除施工作业顺序"), ("FS-12-1", "施工方案")),
    ("rq@2023", "第四条"): (("RQ-4-1", "燃气经营许可证"), ("RQ-4-5", "定期安全检查")),
    ("rq@2023", "第五条"): (("RQ-5-1", "储罐"), ("RQ-5-3", "装卸用管拉脱")),
    ("rq@2023", "第九条"): (("RQ-9-1", "相对密度大于等于0.75"), ("RQ-9-4", "明令淘汰")),
    ("dy@2023", "第三条"): (("DY-3-1", "许可"), ("DY-3-5", "其他")),
    ("dy@2023", "第四条"): (("DY-4-1", "800公里"), ("DY-4-1", "2–5时")),
    ("xf@2017", "6 直接判定要素"): (("XF-6-1", "城市的边缘"), ("XF-6-10", "彩钢夹芯板")),
    ("mb@2023", "全文"): (("MB-1", "安全评价结论为不合格"), ("MB-9", "民爆专用设备")),
    ("mb@2024", "全文"): (("MB-1", "销售许可证"), ("MB-13", "总库区")),
}


def test_counts_per_article_are_pinned_and_declared(registry: Registry) -> None:
    for ref, counts in COUNTS.items():
        model = registry.get(ref).model
        assert Counter(i.citation.article or "全文" for i in model.items) == counts, ref
        assert model.expected_counts == counts, ref


@pytest.mark.parametrize(("key", "ends"), list(ENDS.items()), ids=[f"{c}-{a}" for c, a in ENDS])
def test_first_and_last_item_of_each_article(
    registry: Registry, key: tuple[str, str], ends: tuple[tuple[str, str], tuple[str, str]]
) -> None:
    ref, article = key
    items = [i for i in registry.get(ref).model.items if (i.citation.article or "全文") == article]
    for item, (code, words) in zip((items[0], items[-1]), ends, strict=True):
        assert item.code == code and words in item.text, (ref, article, item.code, item.text)


def test_tailings_pond_enterprises_can_report_a_major_hazard_today() -> None:
    d = evaluate_major_hidden_hazard({"industry": "tailings_pond", "item": "KS-3-1"})
    assert d.is_major and d.rule_set == "ks@2022"
    assert "三、尾矿库（一）" in d.trace[1].detail
    with pytest.raises(RuleInputError, match="只适用于尾矿库"):
        evaluate_major_hidden_hazard({"industry": "metal_nonmetal_mine", "item": "KS-3-1"})


def test_fire_items_apply_to_every_industry_until_gb35181_2025_took_over(registry: Registry) -> None:
    for industry in [i.code for i in registry.industries().industries]:
        d = evaluate_major_hidden_hazard({"industry": industry, "item": "XF-6-4"}, on=date(2025, 10, 31))
        assert d.is_major and d.rule_set == "xf@2017", industry
    with pytest.raises(RuleInputError) as exc:
        evaluate_major_hidden_hazard({"industry": "other", "item": "XF-6-4"}, on=date(2025, 11, 1))
    assert exc.value.detail.startswith("date: 2025-11-01 不在任何重大事故隐患判定标准规则集的有效期内")
    assert "xf@2017：2018-07-01 至 2025-10-31" in exc.value.detail


def test_civil_explosives_items_are_judged_by_the_version_in_force_on_the_day() -> None:
    case = {"industry": "civil_explosives", "item": "MB-2"}
    trial = evaluate_major_hidden_hazard(case, on=date(2024, 12, 2))
    final = evaluate_major_hidden_hazard(case, on=date(2024, 12, 3))
    assert (trial.rule_set, final.rule_set) == ("mb@2023", "mb@2024")
    assert "注册安全工程师" in trial.trace[1].detail and "注册安全工程师" not in final.trace[1].detail
    with pytest.raises(RuleInputError, match="条目 MB-13 属于 mb@2024.*适用的是 mb@2023"):
        evaluate_major_hidden_hazard({"industry": "civil_explosives", "item": "MB-13"}, on=date(2024, 6, 1))
    with pytest.raises(RuleInputError, match="不适用于行业 civil_explosives（民用爆炸物品）"):
        evaluate_major_hidden_hazard({"industry": "civil_explosives", "item": "GM-3-1"})
