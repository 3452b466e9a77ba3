"""LEC, LS and MES: every published value, every band edge on both sides, traces and bad inputs."""

from fractions import Fraction
from itertools import product

import pytest

from app.rules_engine.engine import evaluate_case, evaluate_point, point_method
from app.rules_engine.errors import RuleInputError

LEC_L = {
    10: "完全可以预料",
    6: "相当可能",
    3: "可能，但不经常",
    1: "可能性小，完全意外",
    0.5: "很不可能，可以设想",
    0.2: "极不可能",
    0.1: "实际不可能",
}
LEC_E = {
    10: "连续暴露",
    6: "每天工作时间内暴露",
    3: "每周一次或偶然暴露",
    2: "每月一次暴露",
    1: "每年几次暴露",
    0.5: "非常罕见地暴露",
}
LEC_C = {
    100: "大灾难，许多人死亡",
    40: "灾难，数人死亡",
    15: "非常严重，1人死亡",
    7: "严重，伤害严重",
    3: "重大，致残",
    1: "引人注目，需救护",
}


def lec(L: float, E: float, C: float, **extra: object):  # type: ignore[no-untyped-def]
    return evaluate_point("lec", {"L": L, "E": E, "C": C, **extra})


@pytest.mark.parametrize(("key", "table"), [("L", LEC_L), ("E", LEC_E), ("C", LEC_C)])
def test_lec_published_values_and_wording(key: str, table: dict[float, str]) -> None:
    allowed = point_method("lec").allowed[key]
    assert {v: e.description for v, e in allowed.items()} == table


def test_lec_every_combination_is_the_exact_product() -> None:
    for L, E, C in product(LEC_L, LEC_E, LEC_C):
        d = lec(L, E, C)
        exact = Fraction(str(L)) * Fraction(str(E)) * Fraction(str(C))
        assert Fraction(str(d.score)) == exact
        assert d.level in ("red", "orange", "yellow", "blue")
        assert d.is_major == (d.level == "red")


@pytest.mark.parametrize(
    ("values", "score", "band", "level"),
    [
        ((10, 2, 1), 20, 1, "blue"),  # D = 20: the edge goes to the lower class
        ((3, 1, 7), 21, 2, "blue"),
        ((10, 1, 7), 70, 2, "blue"),  # D = 70 is still 一般危险
        ((0.5, 10, 15), 75, 3, "yellow"),
        ((10, 1, 15), 150, 3, "yellow"),  # nearest product below 160
        ((10, 6, 3), 180, 4, "orange"),  # nearest product above 160
        ((3, 1, 100), 300, 4, "orange"),  # nearest product below 320
        ((3, 3, 40), 360, 5, "red"),  # nearest product above 320
    ],
)
def test_lec_class_edges(values: tuple[float, float, float], score: int, band: int, level: str) -> None:
    d = lec(*values)
    assert (d.score, d.level) == (score, level)
    assert any(t.entry == f"bands.{band}" for t in d.trace)


@pytest.mark.parametrize(
    ("score", "klass", "level"),
    [
        ("20", 1, "blue"),
        ("20.0001", 2, "blue"),
        ("70", 2, "blue"),
        ("70.0001", 3, "yellow"),
        ("160", 3, "yellow"),
        ("160.0001", 4, "orange"),
        ("320", 4, "orange"),
        ("320.0001", 5, "red"),
    ],
)
def test_lec_edges_160_and_320_on_both_sides(score: str, klass: int, level: str) -> None:
    # 160 and 320 are not products of published values, so the classification is tested directly.
    band, got = point_method("lec").classify(Fraction(score))
    assert (band.class_, got) == (klass, level)


def test_lec_trace_cites_values_band_and_project_default_colour() -> None:
    d = lec(3, 6, 7)
    assert (d.score, d.level, d.level_label) == (126, "yellow", "一般风险")
    steps = {t.step: t for t in d.trace}
    assert steps["L取值"].detail == "L=3（事故发生的可能性）：可能，但不经常"
    assert steps["计算"].detail == "D = L × E × C = 3 × 6 × 7 = 126"
    assert steps["分级"].detail == "D=126，70 < D ≤ 160，第3级“显著危险，需要整改”"
    assert steps["分级"].citation == "LEC 法危险程度分级表 D 值分级"
    assert steps["定色"].detail == "第3级 → 黄色（一般风险）（项目默认映射，无公开来源）"
    assert all(t.file == "methods/lec-national.yaml" for t in d.trace)
    edge = lec(10, 2, 1)
    assert "恰为分界值" in edge.trace[4].detail


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {"L": 6.5, "E": 6, "C": 7},
            "inputs.L: 6.5 不是LEC法公布的L取值，可选值：10, 6, 3, 1, 0.5, 0.2, 0.1",
        ),
        ({"L": 3, "E": 4, "C": 7}, "inputs.E: 4 不是LEC法公布的E取值，可选值：10, 6, 3, 2, 1, 0.5"),
        ({"L": 3, "E": 6, "C": 50}, "inputs.C: 50 不是LEC法公布的C取值，可选值：100, 40, 15, 7, 3, 1"),
        (
            {"L": "3", "E": 6, "C": 7},
            "inputs.L: '3' 不是数字（LEC法公布的L取值），可选值：10, 6, 3, 1, 0.5, 0.2, 0.1",
        ),
        ({"L": True, "E": 6, "C": 7}, "inputs.L: true 不是数字"),
        ({"L": [3], "E": 6, "C": 7}, "inputs.L: list 不是数字"),
        ({"L": -3, "E": 6, "C": 7}, "inputs.L: -3 不是LEC法公布的L取值"),
        ({"L": 3, "E": 6}, "inputs.C: 缺少必填项（LEC法公布的C取值）"),
        ({"L": 3, "E": 6, "C": 7, "D": 1}, "inputs.D: 未知字段"),
    ],
)
def test_lec_bad_inputs_name_the_field(inputs: dict[str, object], message: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        evaluate_point("lec", inputs)
    assert exc.value.detail.startswith(message)


def test_fast_path_matches_full_decision_and_rejects_bad_values() -> None:
    method = point_method("lec")
    for L, E, C in product(LEC_L, LEC_E, LEC_C):
        d = lec(L, E, C)
        assert method.score_and_level(L, E, C) == (d.score, d.level)
    with pytest.raises(RuleInputError, match="inputs.E: 4 不是LEC法公布的E取值"):
        method.score_and_level(3, 4, 7)


# ---------------------------------------------------------------- LS

LS_DEFAULT = {"red": (20, 25), "orange": (15, 16), "yellow": (9, 12), "blue": (1, 8)}
LS_ALT = {"red": (20, 25), "orange": (10, 16), "yellow": (4, 9), "blue": (1, 3)}
LS_COAL = {"red": (20, 25), "orange": (9, 16), "yellow": (4, 8), "blue": (1, 3)}


@pytest.mark.parametrize(
    ("rule_set", "bands"),
    [(None, LS_DEFAULT), ("ls-alt@2026.1", LS_ALT), ("ls-coal-zgmkw@2026.1", LS_COAL)],
)
def test_ls_every_cell_of_the_matrix(rule_set: str | None, bands: dict[str, tuple[int, int]]) -> None:
    for L, S in product(range(1, 6), range(1, 6)):
        d = evaluate_point("ls", {"L": L, "S": S}, rule_set=rule_set)
        expected = next(lvl for lvl, (lo, hi) in bands.items() if lo <= L * S <= hi)
        assert (d.score, d.level) == (L * S, expected), (L, S)


@pytest.mark.parametrize(
    ("rule_set", "values", "level"),
    [
        (None, (2, 4), "blue"),
        (None, (3, 3), "yellow"),
        (None, (3, 4), "yellow"),
        (None, (3, 5), "orange"),
        (None, (4, 4), "orange"),
        (None, (4, 5), "red"),
        ("ls-alt@2026.1", (1, 3), "blue"),
        ("ls-alt@2026.1", (2, 2), "yellow"),
        ("ls-alt@2026.1", (3, 3), "yellow"),
        ("ls-alt@2026.1", (2, 5), "orange"),
        ("ls-alt@2026.1", (4, 4), "orange"),
        ("ls-alt@2026.1", (4, 5), "red"),
    ],
)
def test_ls_band_edges(rule_set: str | None, values: tuple[int, int], level: str) -> None:
    L, S = values
    d = evaluate_point("ls", {"L": L, "S": S}, rule_set=rule_set)
    assert d.level == level
    assert d.rule_set == (rule_set or "ls-national@2026.1")


def test_ls_published_criteria_and_trace() -> None:
    method = point_method("ls")
    assert method.allowed["S"][5.0].details == {
        "法规": "违反法律、法规和标准",
        "人员": "死亡",
        "直接经济损失": "100万元以上",
        "停工": "部分装置(>2套)或设备",
        "企业形象": "重大国际影响",
    }
    assert method.allowed["L"][1.0].variants[0].description == "50年以上可能发生一次"
    d = evaluate_point("ls", {"L": 4, "S": 5})
    assert d.trace[-1].detail == "R=20，20 ≤ R ≤ 25 → 红色（重大风险）：巨大风险（立刻整改）"
    assert d.trace[-1].entry == "bands.red"
    blue = evaluate_point("ls", {"L": 2, "S": 4})
    assert blue.trace[-1].citation == "五档 LS 风险分级表（最低两档合并为项目默认）"


@pytest.mark.parametrize("bad", [0, 6, 2.5, None])
def test_ls_values_outside_1_to_5(bad: object) -> None:
    with pytest.raises(RuleInputError, match="inputs.S: "):
        evaluate_point("ls", {"L": 3, "S": bad})


# ---------------------------------------------------------------- MES


def test_mes_needs_the_unverified_profile_explicitly() -> None:
    with pytest.raises(RuleInputError, match="没有可自动选用的MES法规则集"):
        evaluate_point("mes", {"M": 3, "E": 6, "S": 8})
    d = evaluate_point("mes", {"M": 3, "E": 6, "S": 8}, rule_set="mes-unverified@2026.1")
    assert (d.score, d.level) == (144, "orange")
    assert d.trace[-1].step == "提示" and "未经权威来源核实" in d.trace[-1].detail


def test_mes_published_m_and_e_tables() -> None:
    method = point_method("mes", rule_set="mes-unverified@2026.1")
    assert set(method.allowed["M"]) == {5, 3, 1}
    assert set(method.allowed["E"]) == {10, 6, 3, 2, 1, 0.5}
    assert method.allowed["M"][5.0].description == "无控制措施"
    assert all(v.project_default for v in method.allowed["S"].values())
    with pytest.raises(RuleInputError, match="inputs.S: 3 不是MES法本档案（未经权威来源核实）的S取值"):
        evaluate_point("mes", {"M": 3, "E": 6, "S": 3}, rule_set="mes-unverified@2026.1")
    with pytest.raises(RuleInputError, match="inputs.M: 2 不是MES法公布的M取值，可选值：5, 3, 1"):
        evaluate_point("mes", {"M": 2, "E": 6, "S": 8}, rule_set="mes-unverified@2026.1")


# ---------------------------------------------------------------- direct determination and residual risk


@pytest.mark.parametrize(
    ("direct", "rule_id"),
    [
        ({"violates_mandatory": True}, "violates_mandatory"),
        ({"accident_conditions_persist": True}, "accident_conditions_persist"),
        ({"involves_major_hazard_source": True}, "involves_major_hazard_source"),
        ({"toxic_explosive_fire": True, "exposed_people": 10}, "exposed_people_toxic_explosive_fire"),
    ],
)
def test_each_direct_rule_overrides_to_red(direct: dict[str, object], rule_id: str) -> None:
    d = lec(1, 1, 1, direct=direct)
    assert (d.score, d.level, d.is_major) == (1, "red", True)
    step = d.trace[-1]
    assert (step.step, step.entry, step.file) == (
        "直接判定",
        f"rules.{rule_id}",
        "methods/direct-determination.yaml",
    )
    assert "覆盖计算结果蓝色（低风险）" in step.detail
    assert step.citation == "DB37/T 2882 安全生产风险分级管控体系通则 6.1 风险判定准则"


def test_direct_exposure_needs_ten_people_and_the_hazard() -> None:
    assert lec(1, 1, 1, direct={"toxic_explosive_fire": True, "exposed_people": 9}).level == "blue"
    assert lec(1, 1, 1, direct={"toxic_explosive_fire": False, "exposed_people": 12}).level == "blue"
    d = lec(1, 1, 1, direct={"violates_mandatory": False, "exposed_people": 12, "toxic_explosive_fire": True})
    assert d.level == "red" and "作业人员 12 人 ≥ 10 人" in d.trace[-1].detail
    quiet = lec(3, 6, 7, direct={"violates_mandatory": False})
    assert quiet.level == "yellow" and quiet.trace[-1].detail == "未触发任何直接判定情形"


@pytest.mark.parametrize(
    ("direct", "message"),
    [
        ({"violates_mandatory": "yes"}, "inputs.direct.violates_mandatory: 'yes' 应为 true 或 false"),
        ({"exposed_people": -1, "toxic_explosive_fire": True}, "inputs.direct.exposed_people: -1 为负数"),
        ({"crowded": True}, "inputs.direct.crowded: 未知字段"),
        (["violates_mandatory"], "inputs.direct: 应为对象"),
    ],
)
def test_direct_bad_flags(direct: object, message: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        lec(3, 6, 7, direct=direct)
    assert exc.value.detail.startswith(message)


def test_residual_keeps_inherent_and_residual_results() -> None:
    d = evaluate_point("ls", {"L": 4, "S": 5, "residual": {"L": 2, "S": 5}})
    assert (d.score, d.level) == (20, "red")
    assert d.residual is not None and (d.residual.score, d.residual.level) == (10, "yellow")
    assert d.trace[-1].step == "残余风险"
    assert d.trace[-1].detail == "采取管控措施后：R=10 → 黄色（一般风险）；固有风险为红色（重大风险）"
    out = d.to_dict()
    assert out["residual"]["level"] == "yellow" and out["level"] == "red"


def test_residual_inputs_are_checked_and_cannot_nest() -> None:
    with pytest.raises(RuleInputError, match="inputs.residual.C: 缺少必填项"):
        lec(3, 6, 7, residual={"L": 1, "E": 6})
    with pytest.raises(RuleInputError, match="inputs.residual.residual: 未知字段"):
        lec(3, 6, 7, residual={"L": 1, "E": 6, "C": 7, "residual": {"L": 1, "E": 1, "C": 1}})
    direct_after = lec(
        3, 6, 7, residual={"L": 1, "E": 6, "C": 7, "direct": {"involves_major_hazard_source": True}}
    )
    assert direct_after.residual is not None and direct_after.residual.level == "red"


def test_evaluate_case_dispatches_with_jurisdiction_and_date() -> None:
    d = evaluate_case(
        {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}, "jurisdiction": "370203", "date": "2024-05-01"}
    )
    assert d.rule_set == "lec-national@2026.1"
    for case, message in [
        (
            {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}, "date": "2024-13-01"},
            "date: '2024-13-01' 不是有效的 ISO 日期",
        ),
        (
            {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}, "jurisdiction": "Shandong"},
            "jurisdiction: 'Shandong'",
        ),
        (
            {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}, "date": "2010-01-01"},
            "date: 2010-01-01 不在任何LEC法规则集",
        ),
        ({"method": "xyz", "inputs": {}}, "method: 'xyz' 不是可用的方法"),
        ({"method": "lec"}, "inputs: 缺少必填项"),
        ({"method": "lec", "inputs": {}, "ruleset": "x"}, "ruleset: 未知字段"),
        (
            {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}, "rule_set": "lec@9"},
            "rule_set: 未知规则集 'lec@9'",
        ),
        ("lec", "应为对象"),
    ]:
        with pytest.raises(RuleInputError) as exc:
            evaluate_case(case)
        assert exc.value.detail.startswith(message), exc.value.detail
