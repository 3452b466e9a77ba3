"""The `shuangkong` command as an operator runs it: every command as its own process on a fresh database
(SQLite and PostgreSQL), good input changes what it should, bad input exits non-zero with a clear line and
never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
import typer
from alembic.script import ScriptDirectory
from openpyxl import Workbook
from sqlalchemy import text

from app.cli import cli
from app.db import make_engine
from tests.conftest import _create_pg_database, _drop_pg_database

ROOT = Path(__file__).resolve().parent.parent
SHUANGKONG = str(Path(sys.executable).with_name("shuangkong"))
BOUNDARIES = ROOT / "maps" / "data" / "qinhuangdao-130300-city-and-districts.geojson"
CREDIT = "91130302MA0QHDA01H"
RAN: set[str] = set()
HEAD = ScriptDirectory(str(ROOT / "migrations")).get_revision("head")


def leaf_commands() -> set[str]:
    def walk(cmd, prefix):  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if not subs:
            return {prefix}
        return set().union(*(walk(c, f"{prefix} {n}".strip()) for n, c in subs.items()))

    return walk(typer.main.get_command(cli), "")


LEAVES = leaf_commands()


def run(env: dict[str, str], *args: str, ok: bool = True, input: str | None = None):  # type: ignore[no-untyped-def]
    words = [a for a in args if not a.startswith("-")]
    for n in (1, 2):
        if " ".join(words[:n]) in LEAVES:
            RAN.add(" ".join(words[:n]))
    res = subprocess.run(
        [SHUANGKONG, *args], env=env, input=input, capture_output=True, text=True, timeout=120, cwd="/"
    )
    assert "Traceback" not in res.stderr, res.stderr
    if ok:
        assert res.returncode == 0, res.stderr + res.stdout
    else:
        assert res.returncode != 0, res.stdout
        assert any("\u4e00" <= ch <= "\u9fff" for ch in res.stderr), res.stderr
    return res


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp(request.param)
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'ops.db'}"
    else:
        request.getfixturevalue("pg_url")
        name, url = _create_pg_database()
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGKONG_")}
    e |= {"SHUANGKONG_DATABASE_URL": url, "SHUANGKONG_DATA_DIR": str(tmp / "data"), "SHUANGKONG_MODE": "test"}
    yield e, tmp, url
    if name:
        _drop_pg_database(name)


def _count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text(sql)) or 0)
    finally:
        engine.dispose()


def _enterprise_xlsx(path: Path) -> None:
    from app.enterprises.columns import COLUMNS

    feature = next(
        f
        for f in json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]
        if f["properties"]["adcode"] == "130302"
    )
    point = shapely.geometry.shape(feature["geometry"]).representative_point()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([c.header for c in COLUMNS if not c.export_only])
    ws.append(
        [
            CREDIT,
            "渤海安全示例机械有限公司",
            "机械",
            "规下",
            "",
            point.x,
            point.y,
            "GCJ-02",
            "",
            "",
            "",
            "",
            "在营",
        ]
    )
    wb.save(path)


def test_operator_flow_in_fresh_processes(env) -> None:  # type: ignore[no-untyped-def]
    e, tmp, url = env
    run(e, "db", "upgrade")
    run(e, "db", "upgrade", "no-such-revision", ok=False)
    assert f"{HEAD.revision} (head)" in run(e, "db", "current").stdout
    # A process that only imports the package and writes an audit row sees the whole schema.
    code = (
        "from app.auth import service\n"
        "from app.auth.principal import SYSTEM\n"
        "from app.db import session_scope\n"
        "with session_scope() as s:\n"
        "    service.create_user(s, SYSTEM, username='script_admin', password='Passw0rd!2026', role='admin')"
    )
    res = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert _count(url, "select count(*) from audit_log where entity = 'user'") == 1

    # Boundaries of a region never seen, enterprises inside it, an inspector for it, its map.
    run(e, "regions", "import", str(BOUNDARIES), "--crs", "gcj02")
    assert _count(url, "select count(*) from regions") == 8
    bad_geo = tmp / "bad.geojson"
    bad_geo.write_text("not json", encoding="utf-8")
    run(e, "regions", "import", str(bad_geo), ok=False)
    run(e, "regions", "import", str(tmp / "missing.geojson"), ok=False)
    xlsx = tmp / "enterprises.xlsx"
    _enterprise_xlsx(xlsx)
    run(e, "enterprises", "import", str(xlsx))
    assert _count(url, "select count(*) from enterprises where region_code = '130302'") == 1
    (tmp / "e.txt").write_text("a,b", encoding="utf-8")
    (tmp / "e.xlsx").write_text("not a zip", encoding="utf-8")
    (tmp / "h.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    for bad in ("e.txt", "e.xlsx", "h.csv"):
        run(e, "enterprises", "import", str(tmp / bad), ok=False)
    run(
        e,
        "users",
        "create",
        "qhd_inspector",
        "--role",
        "inspector",
        "--region",
        "130302",
        "--password",
        "Passw0rd!2026",
    )
    run(
        e,
        "users",
        "create",
        "x",
        "--role",
        "inspector",
        "--region",
        "999999",
        "--password",
        "Passw0rd!2026",
        ok=False,
    )
    run(e, "users", "create", "qhd_inspector", "--role", "admin", "--password", "Passw0rd!2026", ok=False)
    assert _count(url, "select count(*) from users") == 2
    out = tmp / "map.html"
    run(e, "map", "render", "--region", "130300", "-o", str(out), "--standalone")
    # The names (for the map's search box) are in the side file the map reads next to it.
    assert "渤海安全示例机械有限公司" in (tmp / "map_names.js").read_text(encoding="utf-8")
    assert '"names":{"file":"map_names.js"}' in out.read_text(encoding="utf-8")
    run(e, "map", "render", "--region", "999999", "-o", str(out), ok=False)
    run(e, "map", "recompute-levels")
    run(e, "map", "recompute-levels", "--region", "999999", ok=False)
    assert "秦皇岛市" in run(e, "regions", "locate", "119.6", "39.95").stdout
    run(e, "regions", "locate", "0", "0", ok=False)

    run(e, "enterprises", "export", "-o", str(tmp / "export.xlsx"))
    assert (tmp / "export.xlsx").stat().st_size > 0
    run(e, "enterprises", "export", "-o", str(tmp / "no" / "dir.xlsx"), ok=False)
    run(e, "risks", "export", "--enterprise", CREDIT, "-o", str(tmp / "register.xlsx"))
    run(e, "risks", "export", "--enterprise", "NOSUCH", "-o", str(tmp / "r.xlsx"), ok=False)
    run(e, "risks", "import", str(tmp / "h.csv"), "--enterprise", CREDIT, ok=False)
    run(e, "risks", "import", str(tmp / "register.xlsx"), "--enterprise", "NOSUCH", ok=False)
    run(e, "risks", "recompute-levels")
    assert _count(url, "select count(*) from enterprise_levels") >= 1

    run(e, "hazards", "generate-tasks", "--on", "2026-03-02")
    run(e, "hazards", "generate-tasks", "--on", "2026-13-45", ok=False)
    run(e, "hazards", "generate-tasks", "--on", "03/02/2026", ok=False)
    run(e, "hazards", "demo")
    assert "notifications.deliver" in run(e, "jobs", "list").stdout
    run(e, "jobs", "run", "notifications.deliver")
    assert "notifications.deliver" in run(e, "jobs", "history").stdout
    run(e, "jobs", "run", "auth.prune_login_records")
    run(e, "jobs", "run", "attachments.prune_unattached")
    run(e, "jobs", "run", "hazards.prune_tip_throttle")
    # On PostgreSQL the trigger's rows fold and the figures stay (tests/hazards/test_tallies.py checks
    # the statistics themselves); on SQLite the job has nothing to do.
    tallied = _count(url, "select coalesce(sum(n), 0) from hazard_tallies")
    run(e, "jobs", "run", "hazards.compact_tallies")
    assert _count(url, "select coalesce(sum(n), 0) from hazard_tallies") == tallied
    if url.startswith("postgresql"):
        assert tallied == _count(url, "select count(*) from hazards")
    run(e, "jobs", "run", "enforcement.penalty_overdue")
    run(e, "jobs", "run", "credit.expire")
    run(e, "jobs", "run", "credit.profile_expiry")
    run(e, "jobs", "run", "monitoring.partitions")
    run(e, "jobs", "run", "monitoring.stale_points")
    run(e, "jobs", "run", "monitoring.escalate_alarms")
    run(e, "jobs", "run", "monitoring.missing_commitments")
    run(e, "jobs", "run", "accidents.daily")
    run(e, "jobs", "run", "accidents.resource_expiry")
    run(e, "jobs", "run", "assessment.missing_submissions")
    run(e, "jobs", "run", "assessment.monthly")
    run(e, "jobs", "run", "assessment.interview_followups")
    run(e, "jobs", "run", "campaigns.notice_escalation")
    run(e, "jobs", "run", "campaigns.report_reminders")
    # No demo monitoring points in this database: a clear refusal (the demo run is in test_cli_demo).
    assert (
        "演示监测点" in run(e, "monitoring", "simulate", "--batches", "2", "--interval", "0", ok=False).stderr
    )
    run(e, "jobs", "run", "no_such_job", ok=False)
    run(e, "jobs", "history", "--job", "no_such_job", ok=False)

    # The demo refuses a database holding real data; PostgreSQL only with an explicit flag.
    res = run(e, "demo", "--no-serve", ok=False)
    assert "非演示数据" in res.stderr or "--allow-postgresql" in res.stderr
    prod = e | {"SHUANGKONG_MODE": "production"}
    assert "SHUANGKONG_SECRET_KEY" in run(prod, "serve", ok=False).stderr
    sched = subprocess.Popen([SHUANGKONG, "scheduler"], env=e, stderr=subprocess.PIPE, text=True)
    try:
        for line in sched.stderr:  # type: ignore[union-attr]
            assert "Traceback" not in line
            if "scheduler starting" in line:
                break
    finally:
        sched.kill()
        sched.wait(30)
    RAN.add("scheduler")

    run(e, "db", "downgrade", "-1", input="n\n", ok=False)
    run(e, "db", "downgrade", "-1", "--yes")
    assert run(e, "db", "current").stdout.split()[0] == HEAD.down_revision


def test_rules_commands(tmp_path: Path) -> None:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGKONG_")} | {"SHUANGKONG_MODE": "test"}
    assert "规则校验通过" in run(e, "rules", "check").stdout
    run(e, "rules", "check", "--dir", str(tmp_path / "none"), ok=False)
    cases = tmp_path / "cases.json"
    cases.write_text('[{"method": "ls", "inputs": {"L": 4, "S": 4}}]', encoding="utf-8")
    run(e, "rules", "eval", str(cases))
    run(e, "rules", "eval", str(tmp_path / "missing.json"), ok=False)
    run(e, "rules", "diff", "ls-national@2026.1", "ls-alt@2026.1")
    run(e, "rules", "diff", "ls-national", "ls-alt", ok=False)


def test_every_command_has_a_subprocess_test() -> None:
    """Runs last: a command added to the CLI without a case above fails here."""
    if not RAN:
        pytest.skip("run the whole module")
    untested = LEAVES - RAN
    assert untested == set(), untested
