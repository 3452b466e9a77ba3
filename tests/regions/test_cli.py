import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.regions import cli
from tests.regions.conftest import SMALL, region_count


@pytest.fixture
def run(db: Session, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    @contextmanager
    def scope() -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(cli, "session_scope", scope)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.regions_app, [str(a) for a in args])


def test_cli_import_and_locate(run, db: Session) -> None:  # type: ignore[no-untyped-def]
    result = run("import", SMALL, "--crs", "wgs84")
    assert result.exit_code == 0, result.output
    assert "新增 5 个" in result.output
    assert region_count(db) == 5
    result = run("locate", 100.2, 30.5)
    assert result.exit_code == 0 and "测试省 › 测试市 › 测试一区 › 测试一街道" in result.output


def test_cli_import_errors_exit_1(run, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fc = json.loads(SMALL.read_text(encoding="utf-8"))
    fc["features"][0]["properties"]["parent_adcode"] = "990109"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    result = run("import", bad)
    assert result.exit_code == 1
    assert "未写入任何数据" in result.output and "上级区划 990109 不存在" in result.output
    assert region_count(db) == 0


def test_cli_imports_shapefile(run, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shapefile

    fc = json.loads(SMALL.read_text(encoding="utf-8"))
    with shapefile.Writer(str(tmp_path / "small"), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        for name in ("adcode", "name", "level", "parent_ad"):
            w.field(name, "C", size=20)
        for f in fc["features"]:
            p = f["properties"]
            w.record(p["adcode"], p["name"], p["level"], p["parent_adcode"] or "")
            w.poly([ring[::-1] for ring in f["geometry"]["coordinates"]])  # shapefile exteriors are clockwise
    (tmp_path / "small.cpg").write_text("UTF-8", encoding="ascii")
    result = run("import", tmp_path / "small.shp", "--parent-property", "parent_ad")
    assert result.exit_code == 0, result.output
    assert region_count(db) == 5
