"""`shuangkong monitoring simulate` feeds the demo's points through the ingest path (alarms included)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import db as app_db
from app.cli import cli
from app.config import get_settings
from app.monitoring.models import Alarm, MonitoringPoint, Reading
from app.timeutil import advance
from tests.conftest import alembic_config
from tests.factories import make_enterprise, make_tree
from tests.monitoring.conftest import make_unit


@pytest.fixture
def sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    monkeypatch.setenv("SHUANGKONG_DATABASE_URL", url)

    def clear() -> None:
        get_settings.cache_clear()
        app_db.get_engine.cache_clear()
        app_db._session_factory.cache_clear()

    clear()
    command.upgrade(alembic_config(url), "head")
    yield url
    app_db.get_engine().dispose()
    monkeypatch.undo()
    clear()


def test_simulate_writes_believable_batches_and_opens_alarms_on_excursions(sqlite_file: str) -> None:
    with app_db.session_scope() as s:
        make_tree(s)
        unit = make_unit(s, make_enterprise(s, region_code="139101001"))
        for tag, h, hh in (("TI-1", 35.0, 45.0), ("PI-1", 0.8, 1.0)):
            s.add(MonitoringPoint(enterprise_id=unit.enterprise_id, unit_id=unit.id, tag=tag, name=tag,
                                  quantity="temperature", limit_l=0.0, limit_h=h, limit_hh=hh,
                                  interval_seconds=5, is_demo=True))  # fmt: skip
    runner = CliRunner()
    res = runner.invoke(cli, ["monitoring", "simulate", "--batches", "3", "--interval", "0"])
    assert res.exit_code == 0, res.output
    assert "已写入 6 条读数" in res.output
    with app_db.session_scope() as s:
        values = s.scalars(select(Reading.value)).all()
        assert len(values) == 6 and all(0 < v < 35 for v in values)  # steady signals inside the limits
        assert s.scalar(select(func.count()).select_from(Alarm)) == 0
    advance(timedelta(seconds=5))
    res = runner.invoke(
        cli, ["monitoring", "simulate", "--batches", "1", "--interval", "0", "--excursion-rate", "1"]
    )
    assert res.exit_code == 0 and "新开报警 2 条" in res.output
    with app_db.session_scope() as s:
        assert set(s.scalars(select(Alarm.kind))) == {"hh"}
