"""`shuangkong serve` as deployed: a subprocess on a fresh migrated database (SQLite and PostgreSQL)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import make_engine
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config

SHUANGKONG = Path(sys.executable).with_name("shuangkong")


@dataclass
class Served:
    url: str
    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s
            s.commit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own (the served process and the test both open it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'served.db'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    request.getfixturevalue("pg_url")  # skips or fails like the other PostgreSQL tests
    name, url = _create_pg_database()
    command.upgrade(alembic_config(url), "head")
    yield url
    _drop_pg_database(name)


@contextmanager
def serve(database_url: str, tmp_path: Path, **env: str) -> Iterator[str]:
    """Run `shuangkong serve` until the block ends; its stderr must hold no traceback."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    full_env = {
        **os.environ,
        "SHUANGKONG_MODE": "test",
        "SHUANGKONG_DATABASE_URL": database_url,
        "SHUANGKONG_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(SHUANGKONG), "serve", "--port", str(port)], env=full_env, stdout=err, stderr=err
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    output = log.read_text()
    assert "Traceback" not in output, output


@pytest.fixture
def served(fresh_url: str, tmp_path: Path) -> Iterator[Served]:
    engine = make_engine(fresh_url)
    try:
        with serve(fresh_url, tmp_path) as base:
            yield Served(base, engine)
    finally:
        engine.dispose()
