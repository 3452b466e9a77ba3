"""Test databases: every DB test runs on SQLite and on PostgreSQL, both migrated with Alembic.

Each test runs inside a transaction that is rolled back; the app's "commit" only releases a savepoint.
Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

os.environ.setdefault("SHUANGKONG_MODE", "test")

from app.config import PROJECT_ROOT  # noqa: E402
from app.db import make_engine  # noqa: E402

PG_ADMIN_DSN = os.environ.get("SHUANGKONG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    return cfg


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=10):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc)


def _create_pg_database() -> tuple[str, str]:
    name = f"shuangkong_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this run (not migrated)."""
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {PG_ADMIN_DSN}: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem}); PostgreSQL tests skipped")
    name, url = _create_pg_database()
    yield url
    _drop_pg_database(name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database URL, once per backend per run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    command.upgrade(alembic_config(url), "head")
    yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The app with its request session bound to the test transaction."""
    from app.db import get_read_session, get_session
    from app.main import create_app

    app = create_app()

    def _session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_read_session] = _session
    with TestClient(app, base_url="https://testserver") as c:
        yield c


DATA = Path(__file__).parent / "data"


# Modules that run long (subprocesses, a full walkthrough) are started first, so that the two pytest-xdist
# workers of scripts/test.sh (`--dist loadscope`: one module per worker, in collection order) finish
# together instead of one waiting for a slow module picked up last.
SLOW_MODULES = (
    "tests.test_cli_processes",
    "tests.test_production_walkthrough",
    "tests.browser.test_journeys",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: getattr(getattr(item, "module", None), "__name__", "") not in SLOW_MODULES)
