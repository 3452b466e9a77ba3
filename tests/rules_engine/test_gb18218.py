"""GB 18218-2018: every table value, lookups, S and R edges judged exactly, and bad inputs."""

from fractions import Fraction

import pytest

from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError
from app.rules_engine.gb18218 import evaluate_gb18218, gb18218_rules, normalise

# Tables 2–6 as published (written out here so that a wrong edit of the rule file fails a test).
TABLE2 = {
    "J1": 5,
    "J2": 50,
    "J3": 50,
    "J4": 50,
    "J5": 500,
    "W1.1": 1,
    "W1.2": 10,
    "W1.3": 50,
    "W2": 10,
    "W3": 150,
    "W4": 50,
    "W5.1": 10,
    "W5.2": 50,
    "W5.3": 1000,
    "W5.4": 5000,
    "W6.1": 10,
    "W6.2": 50,
    "W7.1": 10,
    "W7.2": 50,
    "W8": 50,
    "W9.1": 50,
    "W9.2": 200,
    "W10": 200,
    "W11": 200,
}
TABLE3 = {
    "一氧化碳": 2,
    "二氧化硫": 2,
    "氨": 2,
    "环氧乙烷": 2,
    "氯化氢": 3,
    "溴甲烷": 3,
    "氯": 4,
    "硫化氢": 5,
    "氟化氢": 5,
    "二氧化氮": 10,
    "氰化氢": 10,
    "碳酰氯": 20,
    "磷化氢": 20,
    "异氰酸甲酯": 20,
}
TABLE4 = {
    "J1": 4,
    "J2": 1,
    "J3": 2,
    "J4": 2,
    "J5": 1,
    "W1.1": 2,
    "W1.2": 2,
    "W1.3": 2,
    "W2": 1.5,
    "W3": 1,
    "W4": 1,
    "W5.1": 1.5,
    "W5.2": 1,
    "W5.3": 1,
    "W5.4": 1,
    "W6.1": 1.5,
    "W6.2": 1,
    "W7.1": 1.5,
    "W7.2": 1,
    "W8": 1,
    "W9.1": 1,
    "W9.2": 1,
    "W10": 1,
    "W11": 1,
}
# Table 1 critical quantities and CAS numbers, transcribed from the standard independently of rules/.
TABLE1_Q = {
    1: 10,
    2: 1,
    3: 1,
    4: 20,
    5: 1,
    6: 0.3,
    7: 10,
    8: 5,
    9: 1,
    10: 5,
    11: 20,
    12: 5,
    13: 20,
    14: 1,
    15: 1,
    16: 1,
    17: 10,
    18: 20,
    19: 20,
    20: 1,
    21: 20,
    22: 20,
    23: 100,
    24: 1,
    25: 1,
    26: 75,
    27: 20,
    28: 20,
    29: 20,
    30: 0.75,
    31: 0.5,
    32: 0.5,
    33: 0.5,
    34: 5,
    35: 5,
    36: 1,
    37: 1,
    38: 1,
    39: 10,
    40: 50,
    41: 50,
    42: 50,
    43: 5,
    44: 50,
    45: 200,
    46: 1000,
    47: 5,
    48: 50,
    49: 50,
    50: 50,
    51: 5,
    52: 50,
    53: 5,
    54: 1,
    55: 50,
    56: 200,
    57: 50,
    58: 500,
    59: 500,
    60: 50,
    61: 50,
    62: 500,
    63: 10,
    64: 500,
    65: 500,
    66: 200,
    67: 500,
    68: 10,
    69: 500,
    70: 500,
    71: 10,
    72: 10,
    73: 50,
    74: 1,
    75: 1,
    76: 20,
    77: 20,
    78: 100,
    79: 100,
    80: 20,
    81: 100,
    82: 50,
    83: 100,
    84: 1,
    85: 10,
}
TABLE1_CAS = {
    1: "7664-41-7",
    2: "7783-41-7",
    3: "10102-44-0",
    4: "7446-09-5",
    5: "7782-41-4",
    6: "75-44-5",
    7: "75-21-8",
    8: "50-00-0",
    9: "7803-51-2",
    10: "7783-06-4",
    11: "7647-01-0",
    12: "7782-50-5",
    14: "7784-42-1",
    15: "7803-52-3",
    16: "7783-07-5",
    17: "74-83-9",
    18: "75-86-5",
    19: "107-02-8",
    20: "7664-39-3",
    21: "106-89-8",
    22: "3132-64-7",
    23: "26471-62-5",
    24: "10025-67-9",
    25: "74-90-8",
    26: "7446-11-9",
    27: "107-11-9",
    28: "7726-95-6",
    29: "151-56-4",
    30: "624-83-9",
    31: "18810-58-7",
    32: "13424-46-9",
    33: "628-86-4",
    34: "28653-16-9",
    35: "118-96-7",
    36: "55-63-0",
    37: "9004-70-0",
    38: "9004-70-0",
    39: "9004-70-0",
    40: "9004-70-0",
    41: "9004-70-0",
    42: "9004-70-0",
    43: "6484-52-2",
    44: "6484-52-2",
    46: "7757-79-1",
    47: "106-99-0",
    48: "115-10-6",
    49: ("74-82-8", "8006-14-2"),
    50: "75-01-4",
    51: "1333-74-0",
    52: ("68476-85-7", "74-98-6", "106-97-8"),
    53: "74-89-5",
    54: "74-86-2",
    55: "74-85-1",
    56: "7782-44-7",
    57: "71-43-2",
    58: "100-42-5",
    59: "67-64-1",
    60: "107-13-1",
    61: "75-15-0",
    62: "110-82-7",
    63: "75-56-9",
    64: "108-88-3",
    65: "67-56-1",
    66: "86290-81-5",
    67: "64-17-5",
    68: "60-29-7",
    69: "141-78-6",
    70: "110-54-3",
    71: "79-21-0",
    72: "1338-23-4",
    73: "12185-10-3",
    75: "19624-22-7",
    76: "17014-71-0",
    77: "1313-60-6",
    78: "3811-04-9",
    79: "7775-09-9",
    80: "52583-42-3",
    81: "7697-37-2",
    82: "506-93-4",
    83: "75-20-7",
    84: "7440-09-7",
    85: "7440-23-5",
}


def gb(substances: list[dict[str, object]], people: int | None = 10):  # type: ignore[no-untyped-def]
    inputs: dict[str, object] = {"substances": substances}
    if people is not None:
        inputs["exposed_people"] = people
    return evaluate_gb18218(inputs)


def test_table1_all_85_rows_as_published() -> None:
    rows = {r.seq: r for r in gb18218_rules().model.table1}
    assert {seq: r.q for seq, r in rows.items()} == TABLE1_Q
    cas = {seq: (r.cas[0] if len(r.cas) == 1 else tuple(r.cas)) for seq, r in rows.items() if r.cas}
    assert cas == TABLE1_CAS
    assert (rows[1].name, rows[1].aliases) == ("氨", ["液氨", "氨气"])
    assert rows[44].name == "硝酸铵(含可燃物≤0.2%)"


def test_every_table1_row_is_found_by_name_and_unique_cas() -> None:
    rules = gb18218_rules()
    for row in rules.model.table1:
        assert rules.table1_row(row.name, None, "x", False) is row
        for alias in row.aliases:
            if len(rules.by_name[normalise(alias)]) == 1:
                assert rules.table1_row(alias, None, "x", False) is row
        for cas in row.cas:
            if len(rules.by_cas[cas]) == 1:
                assert rules.table1_row(None, cas, "x", False) is row


def test_every_name_alias_and_cas_the_standard_uses_resolves() -> None:
    """Table 1 names, aliases, names split from the name column, CAS numbers and Table 3 names: each
    finds its entry; the few the standard itself shares between rows (硝化棉) list every row instead."""
    rules = gb18218_rules()
    seqs = {r.seq: r for r in rules.model.table1}
    wanted = [
        (n, None, row) for row in rules.model.table1 for n in (row.name, *row.aliases, *row.search_names)
    ]
    wanted += [(None, c, row) for row in rules.model.table1 for c in row.cas]
    wanted += [(t.name, None, seqs[t.table1_no]) for t in rules.model.table3 if t.table1_no is not None]
    for name, cas, row in wanted:
        shared = rules.by_name[normalise(name)] if name else rules.by_cas[cas]
        if len(shared) == 1:
            assert rules.table1_row(name, cas, "x", False) is row, (name, cas)
        else:
            with pytest.raises(RuleInputError, match="多个条目") as exc:
                rules.table1_row(name, cas, "x", False)
            assert all(f"序号{r.seq} " in exc.value.detail for r in shared)
    assert rules.table1_row("氯化氢", None, "x", False) is seqs[11]
    assert rules.table1_row("氯化氢(无水)", None, "x", False) is seqs[11]
    with pytest.raises(RuleInputError, match="序号8 甲醛"):  # a near miss still suggests
        rules.table1_row("甲醛", None, "x", False)


def test_tables_2_to_6_as_published() -> None:
    m = gb18218_rules().model
    assert {r.symbol: r.q for r in m.table2} == TABLE2
    assert {r.name: r.beta for r in m.table3} == TABLE3
    assert {r.symbol: r.beta for r in m.table4} == TABLE4
    assert [(r.label, r.alpha) for r in m.table5] == [
        ("0人", 0.5),
        ("1~29人", 1.0),
        ("30~49人", 1.2),
        ("50~99人", 1.5),
        ("100人以上", 2.0),
    ]
    assert [(g.grade, g.ge, g.lt) for g in m.table6] == [
        (1, 100, None),
        (2, 50, 100),
        (3, 10, 50),
        (4, None, 10),
    ]


@pytest.mark.parametrize("symbol", sorted(TABLE2))
def test_each_table2_category_gives_its_q_and_table4_beta(symbol: str) -> None:
    q = TABLE2[symbol]
    d = gb([{"category": symbol, "quantity_t": q}], people=1)
    assert (d.is_major, d.s) == (True, 1.0)
    assert Fraction(str(d.r)) == Fraction(str(TABLE4[symbol]))  # α = 1, q/Q = 1
    assert any(t.entry == f"table2.{symbol}" for t in d.trace)
    assert any(t.entry == f"table4.{symbol}" for t in d.trace)


@pytest.mark.parametrize("gas", sorted(TABLE3))
def test_each_table3_gas_gives_its_beta(gas: str) -> None:
    d = gb([{"name": gas, "quantity_t": 1000, "category": "J3"}], people=1)
    beta_step = next(t for t in d.trace if t.step == "β")
    assert beta_step.entry == f"table3.{gas}"
    assert beta_step.detail.endswith(f"β = {TABLE3[gas]}")


@pytest.mark.parametrize(
    ("people", "alpha"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0), (5000, 2.0)],
)
def test_alpha_at_every_edge(people: int, alpha: float) -> None:
    d = gb([{"name": "氨", "quantity_t": 10}], people=people)  # S = 1, β = 2
    assert d.r == 2 * alpha
    assert any(t.step == "α" and t.detail.endswith(f"α = {alpha:g}") for t in d.trace)


@pytest.mark.parametrize(
    ("quantity", "r", "grade"),
    [(49.99, 9.998, 4), (50, 10, 3), (249.99, 49.998, 3), (250, 50, 2), (499.99, 99.998, 2), (500, 100, 1)],
)
def test_grade_edges_r_10_50_100(quantity: float, r: float, grade: int) -> None:
    d = gb([{"name": "液氨", "quantity_t": quantity}], people=10)  # R = 1 × 2 × q/10
    assert (d.r, d.grade, d.is_major) == (r, grade, True)
    assert d.trace[-1].entry == f"table6.{grade}"


def test_s_exactly_one_counts_and_below_does_not() -> None:
    exact = gb([{"name": "氨", "quantity_t": 10}])
    assert (exact.is_major, exact.s, exact.grade) == (True, 1.0, 4)
    below = gb([{"name": "氨", "quantity_t": 9.999}], people=None)
    assert (below.is_major, below.grade, below.r) == (False, None, None)
    assert "不构成重大危险源，不分级" in below.trace[-1].detail


def test_s_is_exact_where_binary_floats_would_miss() -> None:
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floating point; the standard's S is exactly 1.
    assert 0.7 / 1 + 0.2 / 1 + 0.1 / 1 < 1
    d = gb(
        [
            {"name": "氟化氢", "quantity_t": 0.7},
            {"name": "氰化氢", "quantity_t": 0.2},
            {"name": "乙炔", "quantity_t": 0.1, "category": "W2"},
        ]
    )
    assert (d.is_major, d.s) == (True, 1.0)
    assert "S = Σq/Q = 0.7 + 0.2 + 0.1 = 1 ≥ 1，构成重大危险源" in [t.detail for t in d.trace]


def test_worked_example_trace() -> None:
    d = gb([{"name": "液氨", "quantity_t": 12}, {"cas": "7782-50-5", "quantity_t": 2.5}], people=45)
    # S = 1.2 + 0.5; R = 1.2 × (2 × 1.2 + 4 × 0.5) = 5.28 → 四级
    assert (d.s, d.r, d.grade) == (1.7, 5.28, 4)
    details = [t.detail for t in d.trace]
    assert "液氨：表1序号1“氨”，临界量 Q = 10 t" in details
    assert "R = α·Σβq/Q = 1.2 × (2×1.2 + 4×0.5) = 5.28" in details
    assert d.trace[-1].citation == "GB 18218-2018 表6 四级"


def test_several_categories_take_the_lowest_q_and_highest_beta() -> None:
    d = gb([{"name": "某混合物", "category": ["W5.3", "J3", "W2"], "quantity_t": 10}], people=1)
    assert (d.s, d.r) == (1.0, 2.0)  # Q = 10 (W2), β = 2 (J3)
    steps = {t.step: t for t in d.trace}
    assert steps["临界量"].entry == "table2.W2" and "多种危险性取最低临界量" in steps["临界量"].detail
    assert steps["β"].entry == "table4.J3" and "项目默认" in steps["β"].detail


def test_names_are_matched_ignoring_width_and_spaces() -> None:
    d = gb([{"name": "甲醛（含量>90%）", "quantity_t": 5, "category": "J3"}])
    assert d.trace[0].entry == "table1.8"
    assert gb([{"name": " 天然气 ", "quantity_t": 50, "category": "W2"}]).trace[0].entry == "table1.49"


@pytest.mark.parametrize(
    ("substance", "message"),
    [
        (
            {"name": "二氧化碳", "quantity_t": 1},
            "inputs.substances[0].name: '二氧化碳' 不在 GB 18218-2018 表1中",
        ),
        (
            {"cas": "124-38-9", "quantity_t": 1},
            "inputs.substances[0].cas: CAS 124-38-9 不在 GB 18218-2018 表1中",
        ),
        (
            {"name": "硝酸铵", "quantity_t": 1},
            "inputs.substances[0].name: '硝酸铵' 不在 GB 18218-2018 表1中（名称、别名均未匹配）；"
            "表1中相近的条目：序号43",
        ),
        (
            {"cas": "9004-70-0", "quantity_t": 1},
            "inputs.substances[0].cas: 9004-70-0 对应表1中多个条目（序号37",
        ),
        ({"name": "硝化棉", "quantity_t": 1}, "inputs.substances[0].name: 硝化棉 对应表1中多个条目"),
        (
            {"name": "氨", "cas": "7782-50-5", "quantity_t": 1},
            "inputs.substances[0]: name '氨' 与 cas 7782-50-5 指向表1中不同的条目",
        ),
        ({"name": "氨", "quantity_t": -1}, "inputs.substances[0].quantity_t: -1 为负数，应 ≥ 0"),
        ({"name": "氨", "quantity_t": "12"}, "inputs.substances[0].quantity_t: '12' 不是数字"),
        ({"name": "氨", "quantity_t": float("nan")}, "inputs.substances[0].quantity_t: nan 不是有限数值"),
        ({"name": "氨"}, "inputs.substances[0].quantity_t: 缺少必填项"),
        ({"quantity_t": 1}, "inputs.substances[0]: 须给出 name、cas 或 category 之一"),
        (
            {"category": "W99", "quantity_t": 1},
            "inputs.substances[0].category: 'W99' 不是 GB 18218-2018 表2中的类别符号",
        ),
        (
            {"category": ["W2", 5], "quantity_t": 1},
            "inputs.substances[0].category[1]: 5 不是 GB 18218-2018 表2中的类别符号",
        ),
        ({"name": "氨", "quantity_t": 1, "state": "gas"}, "inputs.substances[0].state: 未知字段"),
    ],
)
def test_bad_substances_are_named(substance: dict[str, object], message: str) -> None:
    with pytest.raises(RuleInputError) as exc:
        gb([substance])
    assert exc.value.detail.startswith(message), exc.value.detail


def test_grading_needs_people_and_a_beta() -> None:
    with pytest.raises(RuleInputError, match="inputs.exposed_people: 构成重大危险源（S ≥ 1）时须提供"):
        gb([{"name": "氨", "quantity_t": 10}], people=None)
    with pytest.raises(
        RuleInputError, match=r"inputs.substances\[1\].category: 甲醇 不在表3中，须提供 category"
    ):
        gb([{"name": "氨", "quantity_t": 10}, {"name": "甲醇", "quantity_t": 1}])
    with pytest.raises(RuleInputError, match="inputs.exposed_people: -3 为负数"):
        gb([{"name": "氨", "quantity_t": 10}], people=-3)
    with pytest.raises(RuleInputError, match="inputs.substances: 应为至少含一种物质的列表"):
        evaluate_gb18218({"substances": []})


def test_before_2019_no_version_applies() -> None:
    case = {
        "method": "gb18218",
        "inputs": {"substances": [{"name": "氨", "quantity_t": 1}]},
        "date": "2019-02-28",
    }
    with pytest.raises(
        RuleInputError, match="date: 2019-02-28 不在任何GB 18218 重大危险源辨识规则集的有效期内"
    ):
        evaluate_case(case)
    case["date"] = "2019-03-01"
    assert evaluate_case(case).rule_set == "gb18218@2018"
