"""Scheduler tests need committed data (runs claim in their own transactions, other processes must
see them), so they run against their own migrated databases, emptied after each test."""

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app import timeutil
from app.config import get_settings
from app.db import Base, _session_factory, get_engine
from app.notifications.settings import get_notification_settings
from app.scheduler import registry
from app.scheduler.daemon import JOBSTORE_TABLE
from app.scheduler.settings import get_scheduler_settings
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config


def _reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    _session_factory.cache_clear()
    get_notification_settings.cache_clear()
    get_scheduler_settings.cache_clear()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'scheduler.db'}"
    else:
        request.getfixturevalue("pg_url")  # skips or fails like the other PostgreSQL tests
        name, url = _create_pg_database()
    command.upgrade(alembic_config(url), "head")
    yield url
    if name:
        _drop_pg_database(name)


@pytest.fixture
def live(live_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """session_scope() and the app's engine point at the committed test database."""
    monkeypatch.setenv("SHUANGKONG_DATABASE_URL", live_url)
    _reset_caches()
    try:
        yield live_url
    finally:
        timeutil.unfreeze()
        engine = get_engine()
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            if inspect(conn).has_table(JOBSTORE_TABLE):
                conn.execute(text(f"DROP TABLE {JOBSTORE_TABLE}"))
        engine.dispose()
        monkeypatch.undo()
        _reset_caches()


@pytest.fixture
def jobs() -> Iterator[None]:
    """Register test jobs freely; the registry is restored afterwards."""
    registry.load_jobs()
    saved = dict(registry._JOBS)
    yield
    registry._JOBS.clear()
    registry._JOBS.update(saved)
