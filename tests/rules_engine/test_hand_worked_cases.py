"""Held-out check: the hand-worked cases of tests/data/rules-cases.yaml through `shuangkong rules eval FILE`,
run as a subprocess as a user would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

CASES = Path(__file__).resolve().parents[1] / "data" / "rules-cases.yaml"
SHUANGKONG = Path(sys.executable).parent / "shuangkong"


def test_every_hand_worked_case_gets_the_expected_result(tmp_path: Path) -> None:
    table = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    assert len(table) >= 25
    methods = {row["case"]["method"] for row in table}
    assert methods >= {"lec", "ls", "gb18218", "hc_diagnosis", "major_hidden_hazard"}
    file = tmp_path / "cases.json"
    file.write_text(json.dumps([row["case"] for row in table], ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SHUANGKONG_RULES_DIR"}
    done = subprocess.run(
        [str(SHUANGKONG), "rules", "eval", str(file)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(table)
    wrong = []
    for row, got in zip(table, results, strict=True):
        for key, want in row["expect"].items():
            if key == "error":
                ok = got["error"] is not None and want in got["error"]
            else:
                ok = got["error"] is None and got[key] == want
            if not ok:
                shown = f"{got.get(key)!r}（error={got['error']!r}）"
                wrong.append(f"{row['name']}: {key} 应为 {want!r}，实为 {shown}")
    assert not wrong, "\n".join(wrong)
