"""Alembic owns the schema: every revision upgrades and downgrades on both databases."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.db import Base, make_engine
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    request.getfixturevalue("pg_url")  # skips or fails like the other PostgreSQL tests
    name, url = _create_pg_database()
    yield url
    _drop_pg_database(name)


def _tables(url: str) -> set[str]:
    """Tables besides Alembic's own; APScheduler's job store table counts as one of the models'."""
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        # The monthly partitions of monitoring_readings (PostgreSQL) belong to their parent table; once the
        # parent is gone, a partition left over counts (and fails the comparison).
        if "monitoring_readings" in names:
            names = {n for n in names if not n.startswith("monitoring_readings_p")}
        return names - {"apscheduler_jobs"} if "apscheduler_jobs" in names else names | {"(no job store)"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url):
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    assert _tables(empty_url) == set(Base.metadata.tables)
    command.downgrade(cfg, "base")
    assert _tables(empty_url) == {"(no job store)"}
    command.upgrade(cfg, "head")
    assert _tables(empty_url) == set(Base.metadata.tables)


def test_every_revision_steps_down_and_up(empty_url):
    cfg = alembic_config(empty_url)
    revisions = list(ScriptDirectory.from_config(cfg).walk_revisions())
    assert all(r.module.downgrade.__code__.co_code for r in revisions)
    command.upgrade(cfg, "head")
    for _ in revisions:
        command.downgrade(cfg, "-1")
    assert _tables(empty_url) == {"(no job store)"}
    for _ in revisions:
        command.upgrade(cfg, "+1")
    assert _tables(empty_url) == set(Base.metadata.tables)


def test_single_linear_history():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_match_the_migrated_schema(empty_url):
    """The ORM models and the Alembic history describe the same tables (nothing to autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    command.upgrade(alembic_config(empty_url), "head")
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_object": lambda obj, name, type_, r, c: (
                        name != "apscheduler_jobs" and not name.startswith("monitoring_readings_p")
                    )
                },
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_stepping_the_last_revision_keeps_the_data_of_referencing_tables(empty_url):
    """SQLite batch mode rebuilds a table; rows that point at it (measures → risk points) must survive."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.auth.principal import SYSTEM
    from app.risks import service as risks
    from app.risks.models import ControlMeasure
    from app.risks.schemas import MeasureIn, PointIn
    from tests.factories import make_enterprise, make_tree

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = make_engine(empty_url)
    try:
        with Session(engine) as s:
            make_tree(s)
            ent = make_enterprise(s)
            point = risks.create_point(
                s, SYSTEM, ent.id, PointIn(name="冲压机", point_type="设备设施", responsible_person="王工")
            )
            measure = MeasureIn(
                kind="工程技术",
                description="安装双手操作按钮",
                responsible_person="王工",
                check_frequency="日",
            )
            risks.add_measure(s, SYSTEM, point.id, measure)
            s.commit()
        command.downgrade(cfg, "-1")
        command.upgrade(cfg, "head")
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(ControlMeasure)) == 1
    finally:
        engine.dispose()
