"""Loading and validating rule files; choosing a rule set by reference, jurisdiction and date."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.rules_engine.errors import RuleFileError, RuleInputError
from app.rules_engine.loader import Registry, load_rules, rules_dir
from app.rules_engine.models import KIND_MODELS, Entry
from app.rules_engine.policies import get_policy

from .conftest import REAL_RULES


def test_default_rules_dir_is_the_repository_folder() -> None:
    assert rules_dir() == REAL_RULES


def test_rules_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHUANGKONG_RULES_DIR", str(tmp_path))
    assert rules_dir() == tmp_path


def test_real_rules_load_with_every_kind(registry: Registry) -> None:
    kinds = {s.model.kind for s in registry.sets}
    # Every kind the engine knows is used by at least one shipped rule file, and no file has another kind.
    assert kinds == set(KIND_MODELS)


def test_every_entry_carries_a_citation(registry: Registry) -> None:
    count = 0
    for s in registry.sets:
        assert s.model.citation.standard.strip(), s.file
        for path, entry in s.model.entries():
            assert isinstance(entry, Entry)
            assert entry.citation.standard.strip(), f"{s.file}: {path}"
            if entry.project_default:
                assert entry.note and "项目默认" in entry.note + entry.citation.standard, f"{s.file}: {path}"
            count += 1
    # 85 + 24 + 14 + 24 + 5 + 4 GB 18218 rows alone; the walk must really reach the entries.
    assert count > 400


def test_industry_codes_are_unchanged(registry: Registry) -> None:
    codes = [i.code for i in registry.industries().industries]
    assert codes == [
        "coal_mine",
        "metal_nonmetal_mine",
        "tailings_pond",
        "hazardous_chemicals",
        "fireworks",
        "civil_explosives",
        "metallurgy",
        "nonferrous",
        "building_materials",
        "machinery",
        "light_industry",
        "textile",
        "tobacco",
        "commerce",
        "construction",
        "road_transport",
        "city_gas",
        "other",
    ]


def test_controlled_lists_load_and_their_items_cite_the_standard(registry: Registry) -> None:
    accidents = registry.catalogue("accident-types")
    assert accidents.ref == "accident-types@1986"
    assert len(accidents.names()) == 20 and accidents.names()[0] == "物体打击"
    assert accidents.names()[-1] == "其它伤害"
    factors = registry.catalogue("hazard-factors")
    assert factors.by_code()["2103"] == "电危害" and list(factors.by_code())[:2] == ["1", "11"]
    # Items without their own citation carry the list's, so the citation audit reaches them too.
    assert {i.citation for i in factors.items} == {factors.citation}
    assert ("items[5]", factors.items[5]) in list(factors.entries())
    with pytest.raises(RuleInputError, match="rule_set: industries@2026.1 不是受控清单"):
        registry.catalogue("industries")


def test_default_control_levels_are_a_cited_project_default(registry: Registry) -> None:
    policy = get_policy("control_levels", registry=registry)
    assert policy.levels == {"red": "company", "orange": "workshop", "yellow": "team", "blue": "post"}
    assert policy.project_default and "项目默认" in policy.note
    assert [path for path, _ in policy.entries()] == [""]


def _edit(root: Path, rel: str, change) -> None:  # type: ignore[no-untyped-def]
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _errors(root: Path) -> list[str]:
    with pytest.raises(RuleFileError) as exc:
        load_rules(root)
    return exc.value.errors


def test_a_bad_value_names_file_and_path(rules_copy: Path) -> None:
    _edit(rules_copy, "methods/lec-national.yaml", lambda d: d["bands"][2].update(le="abc"))
    assert _errors(rules_copy) == ["methods/lec-national.yaml: bands.2.le: 应为数字"]


def test_a_missing_citation_is_an_error(rules_copy: Path) -> None:
    _edit(rules_copy, "gb18218/gb18218-2018.yaml", lambda d: d["table1"][4].pop("citation"))
    assert _errors(rules_copy) == ["gb18218/gb18218-2018.yaml: table1.4.citation: 缺少必填字段"]


def test_an_unquoted_version_is_explained(rules_copy: Path) -> None:
    path = rules_copy / "methods/ls-alt.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('version: "2026.1"', "version: 2026.1"), encoding="utf-8"
    )
    errors = _errors(rules_copy)
    assert errors == ["methods/ls-alt.yaml: version: 应为字符串（版本号等数字样的文字请加引号）"]


def test_a_gap_between_bands_is_found(rules_copy: Path) -> None:
    _edit(rules_copy, "methods/ls-national.yaml", lambda d: d["bands"][3].update(le=7))
    errors = _errors(rules_copy)
    assert len(errors) == 1
    assert errors[0] == "methods/ls-national.yaml: bands: R 分档：取值 8 不属于任何分档（分档有缺口或重叠）"


def test_yaml_syntax_error_names_the_line(rules_copy: Path) -> None:
    (rules_copy / "policies/broken.yaml").write_text("id: x\nkind: [unclosed\n", encoding="utf-8")
    errors = _errors(rules_copy)
    assert len(errors) == 1 and errors[0].startswith("policies/broken.yaml: 第3行: YAML 语法错误")


def test_unknown_kind_and_duplicate_reference(rules_copy: Path) -> None:
    (rules_copy / "odd.yaml").write_text("id: odd\nkind: magic\n", encoding="utf-8")
    text = (rules_copy / "methods/ls-alt.yaml").read_text(encoding="utf-8")
    (rules_copy / "methods/ls-alt-copy.yaml").write_text(text, encoding="utf-8")
    errors = _errors(rules_copy)
    assert any(e.startswith("odd.yaml: kind: 未知的 kind 'magic'") for e in errors)
    assert "methods/ls-alt.yaml: id: 规则集 ls-alt@2026.1 与 methods/ls-alt-copy.yaml 重复" in errors


def test_cross_file_references_are_checked(rules_copy: Path) -> None:
    _edit(
        rules_copy, "major_hidden_hazards/industry-map.yaml", lambda d: d["map"][0].update(industry="mining")
    )
    _edit(rules_copy, "major_hidden_hazards/hg-2017.yaml", lambda d: d["items"][0].update(code="GM-3-1"))
    errors = _errors(rules_copy)
    assert "major_hidden_hazards/industry-map.yaml: map.0.industry: 未知行业代码 'mining'" in errors
    assert any(
        e.startswith("major_hidden_hazards/hg-2017.yaml: items.0.code: 条目编号 GM-3-1 须以 HG- 开头")
        for e in errors
    )


def test_wrong_cas_check_digit_is_rejected(rules_copy: Path) -> None:
    _edit(rules_copy, "gb18218/gb18218-2018.yaml", lambda d: d["table1"][0].update(cas=["7664-41-8"]))
    assert _errors(rules_copy) == [
        "gb18218/gb18218-2018.yaml: table1.0.cas: CAS 号格式或校验位错误：7664-41-8"
    ]


def test_project_default_needs_a_note(rules_copy: Path) -> None:
    _edit(rules_copy, "policies/regional-level.yaml", lambda d: d["rules"][0].pop("note"))
    assert _errors(rules_copy) == [
        "policies/regional-level.yaml: rules.0: project_default 条目须用 note 说明这是项目默认（无公开来源）"
    ]


def test_a_broken_controlled_list_names_file_and_path(rules_copy: Path) -> None:
    def breaks(d: dict[str, Any]) -> None:
        d["items"][3]["name"] = "物体打击"
        d["items"][5].pop("code")
        d["items"][6]["citation"] = {"article": "第三条"}

    _edit(rules_copy, "catalogues/accident-types.yaml", breaks)
    assert _errors(rules_copy) == [
        "catalogues/accident-types.yaml: items.5.code: 缺少必填字段",
        "catalogues/accident-types.yaml: items.6.citation.standard: 缺少必填字段",
    ]
    _edit(rules_copy, "catalogues/accident-types.yaml", lambda d: d["items"][5].update(code="06"))
    _edit(rules_copy, "catalogues/accident-types.yaml", lambda d: d["items"][6].pop("citation"))
    assert _errors(rules_copy) == ["catalogues/accident-types.yaml: items.3.name: 物体打击 与 items.0 重复"]


def test_a_controlled_list_without_citation_is_an_error(rules_copy: Path) -> None:
    _edit(rules_copy, "catalogues/accident-types.yaml", lambda d: d.pop("citation"))
    assert _errors(rules_copy) == [
        "catalogues/accident-types.yaml: citation: 缺少必填字段（未写 citation 的条目沿用它）"
    ]


def test_control_levels_must_cover_every_level_with_a_known_level(rules_copy: Path) -> None:
    levels = {"red": "company", "orange": "workshop", "yellow": "team", "blue": "post"}
    _edit(rules_copy, "policies/control-levels.yaml", lambda d: d["levels"].update(red="boss"))
    assert _errors(rules_copy) == [
        "policies/control-levels.yaml: levels.red: 'boss' 不是管控层级，可选：company, workshop, team, post"
    ]
    _edit(rules_copy, "policies/control-levels.yaml", lambda d: d["levels"].pop("red"))
    assert _errors(rules_copy) == [
        "policies/control-levels.yaml: levels: levels 须恰好包含 red、orange、yellow、blue 各一次"
    ]
    _edit(rules_copy, "policies/control-levels.yaml", lambda d: d.update(levels=levels, note=None))
    assert _errors(rules_copy) == [
        "policies/control-levels.yaml: (根): project_default 条目须用 note 说明这是项目默认（无公开来源）"
    ]


# ---------------------------------------------------------------- selection


def _add_version(root: Path, jurisdiction: str, version: str, start: str, red_from: int) -> None:
    """A copy of the default LS set for another place or date, with a different red edge."""
    data = yaml.safe_load((root / "methods/ls-national.yaml").read_text(encoding="utf-8"))
    data.update(id=f"ls-{jurisdiction}", version=version, jurisdiction=jurisdiction, effective_from=start)
    data.update(status="active", effective_to=None)
    data["bands"] = [
        {"level": "red", "ge": red_from, "le": 25, "label": "红", "citation": "测试"},
        {"level": "blue", "ge": 1, "lt": red_from, "label": "蓝", "citation": "测试"},
    ]
    (root / f"methods/ls-{jurisdiction}-{version}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )


def test_most_specific_jurisdiction_then_latest_date_wins(rules_copy: Path) -> None:
    _add_version(rules_copy, "37", "1", "2020-01-01", 16)
    _add_version(rules_copy, "3702", "1", "2020-01-01", 12)
    _add_version(rules_copy, "3702", "2", "2024-01-01", 10)
    reg = load_rules(rules_copy)
    on = date(2025, 1, 1)
    assert reg.select("ls", jurisdiction="370203", on=on).ref == "ls-3702@2"  # city beats province
    assert reg.select("ls", jurisdiction="370203", on=date(2023, 1, 1)).ref == "ls-3702@1"  # by date
    assert reg.select("ls", jurisdiction="370000", on=on).ref == "ls-37@1"  # province code with padding
    assert reg.select("ls", jurisdiction="110101", on=on).ref == "ls-national@2026.1"  # elsewhere
    assert reg.select("ls", on=on).ref == "ls-national@2026.1"
    assert reg.select("ls", rule_set="ls-37@1").ref == "ls-37@1"


def test_explicit_reference_of_the_wrong_kind(registry: Registry) -> None:
    with pytest.raises(RuleInputError, match="rule_set: ls-alt@2026.1 是LS风险矩阵法规则集，不能用于LEC法"):
        registry.select("lec", rule_set="ls-alt@2026.1")


def test_unknown_rule_set(registry: Registry) -> None:
    with pytest.raises(
        RuleInputError, match=r"rule_set: 未知规则集 'lec-national@1999'（已有版本：lec-national@2026.1）"
    ):
        registry.select("lec", rule_set="lec-national@1999")
    with pytest.raises(RuleInputError, match="没有这个 id 的规则集"):
        registry.select("lec", rule_set="nope@1")


def test_date_outside_every_version(registry: Registry) -> None:
    with pytest.raises(
        RuleInputError,
        match=r"date: 2015-12-31 不在任何LEC法规则集的有效期内（lec-national@2026.1：2016-01-01 起）",
    ):
        registry.select("lec", on=date(2015, 12, 31))
    assert registry.select("lec", on=date(2016, 1, 1)).ref == "lec-national@2026.1"
    with pytest.raises(RuleInputError, match="date: 2019-02-28 不在 gb18218@2018 的有效期内"):
        registry.select("gb18218", rule_set="gb18218@2018", on=date(2019, 2, 28))


def test_superseded_version_still_applies_to_its_window(rules_copy: Path) -> None:
    _edit(
        rules_copy,
        "methods/ls-national.yaml",
        lambda d: d.update(status="superseded", effective_to="2023-12-31"),
    )
    _add_version(rules_copy, "national", "2024", "2024-01-01", 10)
    reg = load_rules(rules_copy)
    assert reg.select("ls", on=date(2023, 12, 31)).ref == "ls-national@2026.1"
    assert reg.select("ls", on=date(2024, 1, 1)).ref == "ls-national@2024"


def test_draft_sets_are_never_chosen_automatically(registry: Registry) -> None:
    with pytest.raises(
        RuleInputError, match="没有可自动选用的MES法规则集；可用 rule_set 显式指定：mes-unverified@2026.1"
    ):
        registry.select("mes")
    assert registry.select("mes", rule_set="mes-unverified@2026.1").model.verified is False
