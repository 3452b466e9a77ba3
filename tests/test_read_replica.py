"""SHUANGKONG_DATABASE_READ_URL: ledger lists, statistics and exports read a streaming replica; writes and
everything else stay on the primary. A real primary + hot standby pair is built for the test (initdb,
pg_basebackup -R) on two free ports, and the server runs as its own process as it is deployed."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session

from app.db import make_engine
from tests.conftest import IN_CI, alembic_config
from tests.factories import PASSWORD, make_enterprise, make_tree, make_user

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
SHUANGKONG = str(Path(sys.executable).with_name("shuangkong"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*args: str) -> None:
    # PostgreSQL refuses to run as root: the clusters belong to the postgres account.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    res = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"{' '.join(args)}\n{res.stdout}\n{res.stderr}"


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL) of a fresh database streamed to a hot standby."""
    if PG_BIN is None or shutil.which("runuser") is None:
        if IN_CI:
            pytest.fail("PostgreSQL server binaries (initdb, pg_basebackup) are needed under CI=true")
        pytest.skip("PostgreSQL server binaries not installed")
    # Not under pytest's temp folder: the postgres account cannot enter root's private directories.
    root = Path(tempfile.mkdtemp(prefix="shuangkong-replication-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary_dir, replica_dir = root / "primary", root / "replica"
    p1, p2 = _free_port(), _free_port()
    _as_postgres(
        str(PG_BIN / "initdb"), "-D", str(primary_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8"
    )
    with (primary_dir / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    started = []
    try:
        for folder, port in ((primary_dir, p1), (replica_dir, p2)):
            if folder is replica_dir:
                _as_postgres(
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(p1),
                    "-U",
                    "postgres",
                    "-D",
                    str(replica_dir),
                    "-R",
                    "-X",
                    "stream",
                    # Checkpoint at once: the default spread checkpoint made the copy wait ~90 s.
                    "--checkpoint=fast",
                )
            options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
            _as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(folder),
                "-o",
                options,
                "-l",
                str(root / f"{port}.log"),
                "-w",
                "start",
            )
            started.append(folder)
            if folder is primary_dir:
                with psycopg.connect(f"postgresql://postgres@127.0.0.1:{p1}/postgres", autocommit=True) as c:
                    c.execute("CREATE DATABASE shuangkong")
        primary = f"postgresql+psycopg://postgres@127.0.0.1:{p1}/shuangkong"
        replica = f"postgresql+psycopg://postgres@127.0.0.1:{p2}/shuangkong"
        command.upgrade(alembic_config(primary), "head")
        yield primary, replica
    finally:
        for folder in started:
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(folder), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _replay(replica: str, on: bool) -> None:
    with psycopg.connect(replica.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()" if on else "SELECT pg_wal_replay_pause()")


def _wait_until(check, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.2)


def test_lists_and_statistics_read_the_replica_and_writes_go_to_the_primary(
    pair: tuple[str, str], tmp_path: Path
) -> None:
    primary, replica = pair
    engine = make_engine(primary)
    with Session(engine) as db:
        make_tree(db)
        ent = make_enterprise(db)
        make_user(db, "inspector", username="county_inspector", region_code="139101")
        db.commit()
        ent_id = ent.id
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGKONG_")}
    env.update(
        SHUANGKONG_DATABASE_URL=primary,
        SHUANGKONG_DATABASE_READ_URL=replica,
        SHUANGKONG_MODE="demo",
        SHUANGKONG_DATA_DIR=str(tmp_path),
        SHUANGKONG_SECURE_COOKIES="false",
    )
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [SHUANGKONG, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _up(base), timeout=60)
        res = httpx.post(
            f"{base}/api/auth/login", json={"username": "county_inspector", "password": PASSWORD}
        )
        assert res.status_code == 200, res.text
        headers = {"Authorization": f"Bearer {res.json()['access_token']}"}

        def report(text_: str) -> int:
            body = {
                "enterprise_id": ent_id,
                "source": "enforcement",
                "description": text_,
                "place": "车间",
                "category": "site",
            }
            res = httpx.post(f"{base}/api/hazards", json=body, headers=headers, timeout=30)
            assert res.status_code == 201, res.text
            return int(res.json()["id"])

        def listed() -> set[int]:
            res = httpx.get(f"{base}/api/hazards", headers=headers, timeout=30)
            assert res.status_code == 200, res.text
            return {h["id"] for h in res.json()["items"]}

        first = report("配电箱未接地")
        _wait_until(lambda: first in listed())

        # With the standby's replay paused, a new hazard is written (primary) and readable by id
        # (primary), but the ledger list — served by the replica — does not have it yet.
        _replay(replica, on=False)
        second = report("消防通道堵塞")
        assert httpx.get(f"{base}/api/hazards/{second}", headers=headers, timeout=30).status_code == 200
        assert listed() == {first}
        stats = httpx.get(f"{base}/api/hazards/stats", headers=headers, timeout=30).json()
        assert sum(r["found"] for r in stats) == 1
        _replay(replica, on=True)
        _wait_until(lambda: listed() == {first, second})
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text(encoding="utf-8")


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_read_session_refuses_writes(pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Even pointed at the primary, a read session cannot write (its transactions are read-only)."""
    from app import config, db

    primary, _ = pair
    monkeypatch.setenv("SHUANGKONG_DATABASE_URL", primary)
    monkeypatch.setenv("SHUANGKONG_DATABASE_READ_URL", primary)
    for cached in (config.get_settings, db._replica_factory):
        cached.cache_clear()
    try:
        sessions = db.get_read_session()
        session = next(sessions)
        assert session.execute(text("SELECT 1")).scalar() == 1
        with pytest.raises(InternalError, match="read-only"):
            session.execute(
                text(
                    "INSERT INTO regions (code, name, level, path, is_synthetic, version,"
                    " updated_at) VALUES ('999999', 'x', 'province', '999999/', true, 1, now())"
                )
            )
        sessions.close()
    finally:
        for cached in (config.get_settings, db._replica_factory):
            cached.cache_clear()
