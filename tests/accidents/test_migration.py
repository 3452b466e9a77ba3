"""Accident rows written before 0018 (as the risks demo writes them: the enterprise level's input) survive
the migration, read as 历史记录 with no chain, and still make the enterprise red; downgrade keeps them."""

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accidents.models import Accident
from app.db import make_engine
from app.grading.enterprise import recompute_enterprise_level
from app.timeutil import local_today
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config
from tests.factories import make_enterprise, make_tree


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    request.getfixturevalue("pg_url")
    name, url = _create_pg_database()
    yield url
    _drop_pg_database(name)


def test_existing_accidents_survive(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0017")
    engine = make_engine(empty_url)
    day = local_today() - timedelta(days=75)
    try:
        with Session(engine) as db:
            make_tree(db)
            ent = make_enterprise(db)
            ent_id = ent.id
            db.commit()
            # The columns the risks demo fills (app/risks/demo.py "fatal_accident" story).
            db.execute(
                text(
                    "INSERT INTO accidents (enterprise_id, occurred_on, accident_type, deaths,"
                    " serious_injuries,"
                    " minor_injuries, note, is_demo, created_at) VALUES (:e, :d, '中毒和窒息', 1, 1, 0,"
                    " '储罐清洗有限空间作业中毒事故，1人死亡（演示）', :demo, :at)"
                ),
                {"e": ent_id, "d": day, "demo": True, "at": "2026-01-01 00:00:00+00:00"},
            )
            db.commit()
        command.upgrade(cfg, "head")
        with Session(engine) as db:
            (acc,) = db.query(Accident).all()
            assert (acc.deaths, acc.serious_injuries, acc.occurred_on, acc.is_demo) == (1, 1, day, True)
            assert (acc.state, acc.source, acc.direct_loss_yuan, acc.photos, acc.level) == (
                "recorded",
                "legacy",
                0,
                [],
                None,
            )
            level = recompute_enterprise_level(db, ent_id)
            assert level.level == "red"  # a death within 12 months, read from the same table
            db.commit()
        command.downgrade(cfg, "0017")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT deaths FROM accidents")).scalar_one() == 1
    finally:
        engine.dispose()
