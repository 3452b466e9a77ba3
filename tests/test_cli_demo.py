"""The `shuangkong` command and the demo, against a real SQLite file (committed, as a user would run them)."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import db as app_db
from app.cli import cli
from app.config import get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    """Point settings, engine and session factory at a fresh file for the duration of a test."""
    monkeypatch.setenv("SHUANGKONG_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def clear():
        get_settings.cache_clear()
        app_db.get_engine.cache_clear()
        app_db._session_factory.cache_clear()

    clear()
    yield tmp_path
    app_db.get_engine().dispose()
    monkeypatch.undo()
    clear()


def run(*args, input=None):
    result = runner.invoke(cli, list(args), input=input)
    return result.exit_code, result.output


def test_demo_loads_qinhuangdao_and_logins_work(sqlite_env):
    from fastapi.testclient import TestClient

    from app.demo import DEMO_LOGINS, load_demo
    from app.enterprises.models import Enterprise
    from app.main import create_app
    from app.regions.models import Region

    load_demo()
    with app_db.session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.is_demo)) == 300
        towns = s.scalars(select(Region).where(Region.level == "township")).all()
        assert len(towns) == 102 and all(t.is_synthetic for t in towns)
        districts = s.scalars(select(Region.name).where(Region.level == "county")).all()
        assert "海港区" in districts and len(districts) == 7
        # Every demo enterprise lies inside its township.
        outside = s.scalar(
            select(func.count()).select_from(Enterprise).where(Enterprise.region_code.is_(None))
        )
        assert outside == 0
    load_demo()  # a second start reuses the data
    with app_db.session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 300
    with TestClient(create_app(), base_url="https://testserver") as client:
        seen = {}
        for _, username, password, _ in DEMO_LOGINS:
            res = client.post("/api/auth/login", json={"username": username, "password": password})
            assert res.status_code == 200, username
            h = {"Authorization": f"Bearer {res.json()['access_token']}"}
            seen[username] = len(client.get("/api/enterprises?limit=500", headers=h).json()["items"])
    assert seen["admin"] == seen["inspector"] == 300
    assert seen["enterprise"] == 1
    assert 1 <= seen["township"] < 300
    _demo_county_scorecard()


def _demo_county_scorecard() -> None:
    """考核 with the demo data: 海港区's card has every indicator (value, score, rank), and the drill-down
    rows of each figure add up to it (helper H, issue 21)."""
    from datetime import timedelta

    from app.assessment import service as assessment
    from app.auth.principal import SYSTEM
    from app.timeutil import local_today

    year = str((local_today() - timedelta(days=90)).year)  # the demo's hazards lie in the past months
    with app_db.session_scope() as s:
        data = assessment.scorecard(s, SYSTEM, "130302", year)
        card = data["card"]
        assert data["peers"] == 7 and card["rank"] is not None and card["total"] is not None
        assert len(card["indicators"]) == 8
        assert {i["id"] for i in card["indicators"]} >= {"rectification_rate", "risk_assessment_coverage"}
        for ind in card["indicators"]:
            assert {"value", "score", "rank", "change"} <= ind.keys()
            for part in ("numerator", "denominator"):
                drill = assessment.drilldown(s, SYSTEM, "130302", ind["id"], part, year)
                assert drill["count"] == ind[part], (ind["id"], part)
        assert next(i for i in card["indicators"] if i["id"] == "rectification_rate")["denominator"] > 0


def test_db_users_and_enterprise_import_commands(sqlite_env):
    code, out = run("db", "upgrade")
    assert code == 0, out
    code, out = run("db", "current")
    assert code == 0
    path = sqlite_env / "regions.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":"139100","name":"甲市",'
        '"level":"市"},"geometry":{"type":"Polygon","coordinates":[[[118,39],[119,39],[119,40],[118,40],[118,39]]]}}]}',
        encoding="utf-8",
    )
    code, out = run("regions", "import", str(path), "--crs", "wgs84")
    assert code == 0, out
    code, out = run("users", "create", "cli_admin", "--role", "admin", input="Passw0rd!\nPassw0rd!\n")
    assert code == 0 and "已创建用户 cli_admin" in out
    code, out = run("users", "create", "cli_town", "--role", "township", input="Passw0rd!\nPassw0rd!\n")
    assert code == 1 and "必须指定所辖行政区" in out

    from app.enterprises.columns import COLUMNS
    from tests.factories import credit_code

    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in COLUMNS if not c.export_only])
    ws.append(
        [credit_code(), "命令行导入企业", "机械", "规下", "", 118.5, 39.5, "WGS84", "", "", "", "", "在营"]
    )
    ws.append([credit_code(), "坏行企业", "机械", "规下", "", 0, 0, "WGS84", "", "", "", "", "在营"])
    xlsx = sqlite_env / "e.xlsx"
    wb.save(xlsx)
    code, out = run("enterprises", "import", str(xlsx))
    assert code == 1 and "未导入任何数据" in out and "第3行" in out
    code, out = run("enterprises", "import", str(xlsx), "--valid-rows-only")
    assert code == 0 and "新增 1" in out
    export = sqlite_env / "out.xlsx"
    code, out = run("enterprises", "export", "-o", str(export))
    assert code == 0 and "已导出 1 家企业" in out
    rows = list(load_workbook(io.BytesIO(export.read_bytes())).active.iter_rows(values_only=True))
    assert rows[1][1] == "命令行导入企业" and rows[1][-1] == "甲市"
    code, out = run("db", "downgrade", "base", input="n\n")
    assert code == 1  # declined: nothing dropped
    code, out = run("db", "downgrade", "base", "--yes")
    assert code == 0


def test_rules_diff_lists_stored_assessments_whose_level_would_change(sqlite_env):
    from app.auth.principal import SYSTEM
    from app.risks import service as risks
    from app.risks.schemas import AssessmentIn, PointIn
    from tests.factories import make_enterprise, make_tree

    assert run("db", "upgrade")[0] == 0
    with app_db.session_scope() as s:
        make_tree(s)
        ent = make_enterprise(s)
        ids = []
        for name, (likelihood, severity) in (("冲压机", (2, 5)), ("叉车通道", (1, 3))):
            point = risks.create_point(
                s, SYSTEM, ent.id, PointIn(name=name, point_type="设备设施", responsible_person="王工")
            )
            ids.append(
                risks.assess(
                    s,
                    SYSTEM,
                    point.id,
                    AssessmentIn(
                        method="ls", inputs={"L": likelihood, "S": severity}, rule_set="ls-national@2026.1"
                    ),
                ).id
            )
    code, out = run("rules", "diff", "ls-national@2026.1", "ls-alt@2026.1", "--database")
    assert code == 0, out
    # R = 10: yellow (9–12) nationally, orange (10–16) in the alternative profile; R = 3 stays blue.
    assert "现行风险评价 2 条" in out and "结果变化 1 条" in out
    assert f"  评价 {ids[0]}：yellow → orange" in out and f"  评价 {ids[1]}：" not in out
