"""`rules check|eval|diff` end to end, the service functions and the HTTP router."""

import json
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.rules_engine import service
from app.rules_engine.cli import rules_app
from app.rules_engine.diff import diff_rule_sets, levels_that_change
from app.rules_engine.errors import RuleInputError, RuleSetNotFound
from app.rules_engine.router import router

runner = CliRunner()


def test_check_passes_on_the_real_rules() -> None:
    result = runner.invoke(rules_app, ["check"])
    assert result.exit_code == 0, result.output
    assert "规则校验通过" in result.stdout and "27 个规则集" in result.stdout
    assert "LEC法（lec）：1" in result.stdout


def test_check_fails_on_a_broken_file_with_file_and_path(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rules_copy / "methods/lec-national.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["factors"][0]["values"][1]["value"] = "six"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SHUANGKONG_RULES_DIR", str(rules_copy))
    result = runner.invoke(rules_app, ["check"])
    assert result.exit_code == 1
    assert "methods/lec-national.yaml: factors.0.values.1.value: 应为数字" in result.stderr
    assert "规则校验失败：1 处错误" in result.stderr
    # The same directory given with --dir.
    monkeypatch.delenv("SHUANGKONG_RULES_DIR")
    assert runner.invoke(rules_app, ["check", "--dir", str(rules_copy)]).exit_code == 1


def test_check_names_a_duplicate_code_in_a_controlled_list(rules_copy: Path) -> None:
    path = rules_copy / "catalogues/hazard-factors.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"][7]["code"] = "2102"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(rules_app, ["check", "--dir", str(rules_copy)])
    assert result.exit_code == 1
    assert "catalogues/hazard-factors.yaml: items.7.code: 2102 与 items.6 重复" in result.stderr


CASES = [
    {"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}},
    {"method": "lec", "inputs": {"L": 6.5, "E": 6, "C": 7}},
    {"method": "ls", "inputs": {"L": 4, "S": 5}, "rule_set": "ls-alt@2026.1"},
    {
        "method": "gb18218",
        "inputs": {"substances": [{"name": "氨", "quantity_t": 10}], "exposed_people": 100},
    },
    {"method": "major_hidden_hazard", "inputs": {"industry": "coal_mine", "item": "MK-3-2"}},
    {"method": "major_hidden_hazard", "inputs": {"industry": "coal_mine", "item": "HG-1"}},
    "not a case",
]


def _check_results(results: list[dict[str, object]]) -> None:
    assert len(results) == len(CASES)
    first, bad, ls, gb, mk, wrong, junk = results
    assert (first["score"], first["level"], first["error"]) == (126, "yellow", None)
    assert bad["error"] == "inputs.L: 6.5 不是LEC法公布的L取值，可选值：10, 6, 3, 1, 0.5, 0.2, 0.1"
    assert (bad["method"], bad["level"], bad["trace"]) == ("lec", None, [])
    assert (ls["rule_set"], ls["level"]) == ("ls-alt@2026.1", "red")
    assert (gb["is_major"], gb["grade"], gb["s"], gb["r"], gb["level"]) == (True, 4, 1.0, 4.0, None)
    assert mk["is_major"] is True and mk["trace"][1]["source"]["entry"] == "items.MK-3-2"
    assert str(wrong["error"]).startswith("inputs.item: 条目 HG-1 属于")
    assert str(junk["error"]).startswith("应为对象") and junk["method"] is None
    for r in results:
        assert set(r) == {
            "method",
            "rule_set",
            "score",
            "level",
            "level_label",
            "is_major",
            "grade",
            "s",
            "r",
            "trace",
            "residual",
            "error",
        }


def test_eval_from_a_file_keeps_order_and_survives_a_bad_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(CASES, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(rules_app, ["eval", str(cases)])
    assert result.exit_code == 0, result.output
    _check_results(json.loads(result.stdout))


def test_eval_from_stdin_and_bad_json() -> None:
    result = runner.invoke(rules_app, ["eval"], input=json.dumps(CASES))
    assert result.exit_code == 0
    _check_results(json.loads(result.stdout))
    broken = runner.invoke(rules_app, ["eval", "-"], input="[{")
    assert broken.exit_code == 1 and "输入不是有效的 JSON" in broken.stderr
    not_list = runner.invoke(rules_app, ["eval"], input='{"method": "lec"}')
    assert not_list.exit_code == 1 and "输入应为 JSON 数组" in not_list.stderr


def test_diff_between_ls_profiles() -> None:
    result = runner.invoke(rules_app, ["diff", "ls-national@2026.1", "ls-alt@2026.1"])
    assert result.exit_code == 0, result.output
    assert "~ bands.orange.ge: 15.0 → 10.0" in result.stdout
    assert "~ bands.yellow.le: 12.0 → 9.0" in result.stdout
    assert "~ id: 'ls-national' → 'ls-alt'" in result.stdout
    unknown = runner.invoke(rules_app, ["diff", "ls-national@2026.1", "ls-alt@9"])
    assert unknown.exit_code == 1 and "B: 未知规则集 'ls-alt@9'" in unknown.stderr


def test_diff_reports_added_and_removed_entries() -> None:
    changes = diff_rule_sets("ls-national@2026.1", "ls-coal-zgmkw@2026.1")
    paths = {c["path"]: c for c in changes}
    assert paths["bands.yellow.ge"]["before"] == 9.0 and paths["bands.yellow.ge"]["after"] == 4.0
    cross = diff_rule_sets("gm@2023", "hg@2017")
    assert any(c["change"] == "removed" and c["path"] == "items.GM-3-1" for c in cross)
    assert any(c["change"] == "added" and c["path"] == "items.HG-20" for c in cross)


def test_levels_that_change() -> None:
    assessments = [
        {"id": 1, "inputs": {"L": 3, "S": 4}},
        {"id": 2, "inputs": {"L": 5, "S": 5}},
        {"id": 3, "inputs": {"L": 2, "S": 2}},
        {"id": 4, "inputs": {"L": 9, "S": 2}},
    ]
    rows = levels_that_change(assessments, "ls-national@2026.1", "ls-alt@2026.1")
    assert [(r["id"], r["before"]["level"], r["after"]["level"]) for r in rows] == [
        (1, "yellow", "orange"),  # R = 12
        (3, "blue", "yellow"),  # R = 4
    ]
    with pytest.raises(RuleInputError, match="不是同一类规则集"):
        levels_that_change(assessments, "ls-national@2026.1", "lec-national@2026.1")


def test_service_lists_and_shows_rule_sets() -> None:
    sets = service.list_rule_sets()
    refs = {s["ref"] for s in sets}
    assert {
        "lec-national@2026.1",
        "gb18218@2018",
        "mes-unverified@2026.1",
        "workflow-time-limits@2026.1",
    } <= refs
    mes = next(s for s in sets if s["id"] == "mes-unverified")
    assert (mes["status"], mes["verified"], mes["auto_select"]) == ("draft", False, False)
    lec = service.get_rule_set("lec-national")
    assert [c["value"] for c in lec["choices"]["L"]] == [10, 6, 3, 1, 0.5, 0.2, 0.1]
    assert lec["choices"]["C"][0]["variants"][0] == "10人以上死亡或经济损失1000万元以上"
    assert lec["content"]["bands"][0]["class"] == 1
    assert service.get_rule_set("gb18218", "2018")["content"]["table1"][0]["name"] == "氨"
    with pytest.raises(RuleSetNotFound, match="id: 未知规则集 'gb18218@2009'"):
        service.get_rule_set("gb18218", "2009")


def test_router() -> None:
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    assert any(s["ref"] == "ls-national@2026.1" for s in client.get("/api/rules/sets").json())
    assert (
        client.get("/api/rules/sets/ls-alt", params={"version": "2026.1"}).json()["choices"]["S"][4]["value"]
        == 5
    )
    missing = client.get("/api/rules/sets/nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "RuleSetNotFound"
    ok = client.post("/api/rules/evaluate", json={"method": "lec", "inputs": {"L": 3, "E": 6, "C": 7}})
    assert ok.status_code == 200 and ok.json()["level"] == "yellow"
    bad = client.post("/api/rules/evaluate", json={"method": "lec", "inputs": {"L": 6.5, "E": 6, "C": 7}})
    assert bad.status_code == 422
    assert bad.json() == {
        "error": "RuleInputError",
        "detail": "inputs.L: 6.5 不是LEC法公布的L取值，可选值：10, 6, 3, 1, 0.5, 0.2, 0.1",
    }
    assert client.post("/api/rules/evaluate", json=[1, 2]).status_code == 422
