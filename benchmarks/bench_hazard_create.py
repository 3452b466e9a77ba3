"""Hazard create on PostgreSQL (#16 item 2): in-process p95 and HTTP throughput against a bare endpoint.

Base: 10,000 enterprises in a synthetic region tree, 200,000 hazards (COPY), 50 enterprise users with
bearer tokens. Targets: create p95 ≤ 15 ms (一般) and ≤ 40 ms (重大, with the enterprise regrade);
HTTP create throughput ≥ 0.8× a bare FastAPI + SQLAlchemy insert endpoint (defined below: same table,
same request bodies, same uvicorn settings) at 1 and at 2 workers. The bare endpoint runs twice: with
SQLAlchemy's default pool ("bare", the target) and with the project's pool size ("bare-pooled", info).

The load generator is a few hundred lines of nothing: raw keep-alive HTTP/1.1 over asyncio streams with
prebuilt requests, so it costs far less CPU than the servers; its CPU share and the machine's busy
share are printed with each run (a generator near 100 % of one core would be the bottleneck).
"""

import asyncio
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db import POOL_SIZE, make_engine
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config

ENTERPRISES = 10_000
HAZARDS = 200_000
USERS = 50
CONCURRENCY = 16
WARM_UP_SECONDS = 2.0
RUN_SECONDS = 8.0
ROUNDS = 2
ROOT = Path(__file__).resolve().parent.parent


def _token(i: int) -> str:
    return f"bench-create-token-{i:04d}-0123456789abcdef"


def _load(url: str) -> None:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(16)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        regions = [
            ("139900", "基准省", "province", None, "139900/"),
            ("139100", "基准市", "city", "139900", "139900/139100/"),
        ]
        towns = []
        for c in range(1, 11):
            county = f"1391{c:02d}"
            regions.append((county, f"基准{c}区", "county", "139100", f"139900/139100/{county}/"))
            for t in range(1, 11):
                town = f"{county}{t:03d}"
                towns.append(town)
                path = f"139900/139100/{county}/{town}/"
                regions.append((town, f"基准{c}区{t}街道", "township", county, path))
        with cur.copy(
            "COPY regions (code, name, level, parent_code, path, is_synthetic, version, updated_at)"
            " FROM STDIN"
        ) as cp:
            for code, name, level, parent, path in regions:
                cp.write_row((code, name, level, parent, path, True, 1, "2026-01-01T00:00:00Z"))
        with cur.copy(
            "COPY enterprises (id, credit_code, name, industry, scale, region_code, status, is_demo,"
            " version, created_at, updated_at) FROM STDIN"
        ) as cp:
            for i in range(1, ENTERPRISES + 1):
                row = (i, f"91139100C{i:08d}X"[:18], f"基准企业{i}", "machinery", "below", towns[i % 100])
                cp.write_row((*row, "operating", False, 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        cur.execute("SELECT setval('enterprises_id_seq', %s)", (ENTERPRISES,))
        with cur.copy(
            "COPY users (id, username, display_name, password_hash, role, enterprise_id, is_active,"
            " created_at) FROM STDIN"
        ) as cp:
            for i in range(1, USERS + 1):
                cp.write_row((i, f"bench_ent_{i}", f"企业员工{i}", "x", "enterprise", i, True, "2026-01-01"))
        cur.execute("SELECT setval('users_id_seq', %s)", (USERS,))
        with cur.copy(
            "COPY auth_tokens (token_hash, user_id, kind, created_at, expires_at) FROM STDIN"
        ) as cp:
            for i in range(1, USERS + 1):
                digest = hashlib.sha256(_token(i).encode()).hexdigest()
                cp.write_row((digest, i, "bearer", "2026-01-01", "2100-01-01T00:00:00Z"))
        start = date(2024, 1, 1)
        with cur.copy(
            "COPY hazards (id, enterprise_id, source, description, place, category, photo_ids, found_on,"
            " grade, state, created_at, updated_at, version) FROM STDIN"
        ) as cp:
            for i in range(1, HAZARDS + 1):
                cp.write_row(
                    (
                        i,
                        rng.randrange(1, ENTERPRISES + 1),
                        "routine",
                        f"基准隐患描述{i}",
                        "生产车间",
                        "site",
                        "[]",
                        start + timedelta(days=rng.randrange(800)),
                        "major" if i % 50 == 0 else "general",
                        "closed" if i % 3 else "reported",
                        "2026-01-01T00:00:00Z",
                        "2026-01-01T00:00:00Z",
                        1,
                    )
                )
        cur.execute("SELECT setval('hazards_id_seq', %s)", (HAZARDS,))
        conn.commit()
        cur.execute("ANALYZE")
    # Every region's level, as the nightly grading job leaves them: a regrade then recomputes its own
    # township-to-province chain from the stored counts of the regions beside it.
    from app.grading.regional import recompute_region_levels

    engine = make_engine(url)
    with Session(engine) as session:
        recompute_region_levels(session)
        session.commit()
    engine.dispose()


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


def _in_process(url: str) -> dict[str, float]:
    """p95 of service.create_hazard + commit, 一般 and 重大; statements per 一般 create."""
    from app.auth.principal import Principal
    from app.hazards import schemas, service

    engine = make_engine(url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    users = [
        Principal(id=i, username=f"bench_ent_{i}", display_name="w", role="enterprise", enterprise_id=i)
        for i in range(1, USERS + 1)
    ]
    general, major = [], []
    for i in range(320):
        body = schemas.HazardIn(source="routine", description=f"新隐患{i}", place="仓库", category="site")
        with Session(engine) as session:
            t0 = time.perf_counter()
            service.create_hazard(session, users[i % USERS], body)
            session.commit()
            if i >= 20:
                general.append(time.perf_counter() - t0)
    statements.clear()
    with Session(engine) as session:
        service.create_hazard(session, users[0], body)
        session.commit()
    per_create = len(statements)
    # 重大 re-grades the enterprise (and its regions when the level changes): the first on each
    # enterprise changes its level, later ones only its explanation. Warm-up on other enterprises.
    for i in range(110):
        body = schemas.HazardIn(
            source="routine",
            description=f"重大隐患{i}",
            place="仓库",
            category="site",
            grade="major",
            major_item="GM-3-1",
        )
        with Session(engine) as session:
            t0 = time.perf_counter()
            service.create_hazard(session, users[i % USERS], body)
            session.commit()
            if i >= 10:
                major.append(time.perf_counter() - t0)
    engine.dispose()
    return {"general": _p95(general), "major": _p95(major), "statements": per_create}


# ---------------------------------------------------------------- the bare endpoint


def _now() -> datetime:
    return datetime.now(UTC)


def bare_app() -> Any:
    """What a plain FastAPI + SQLAlchemy insert endpoint for the same table looks like (uvicorn
    --factory target). No auth, no scope checks, no audit, no events: the floor to compare with."""
    from fastapi import Depends, FastAPI
    from pydantic import BaseModel
    from sqlalchemy import JSON, Date, DateTime, Integer, String, Text, create_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Hazard(Base):  # its own mapping of the same table: none of the project's hooks
        __tablename__ = "hazards"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        enterprise_id: Mapped[int] = mapped_column(Integer)
        source: Mapped[str] = mapped_column(String(20))
        description: Mapped[str] = mapped_column(Text)
        place: Mapped[str] = mapped_column(String(200))
        category: Mapped[str] = mapped_column(String(12))
        photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
        found_on: Mapped[date] = mapped_column(Date)
        grade: Mapped[str] = mapped_column(String(8), default="general")
        major_unconfirmed: Mapped[bool] = mapped_column(default=False)
        state: Mapped[str] = mapped_column(String(20), default="reported")
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
        updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
        version: Mapped[int] = mapped_column(Integer, default=1)

    # "bare": SQLAlchemy's default pool (5 + 10 overflow, as a bare endpoint has it); "bare-pooled":
    # the project's pool, so that the comparison is not won on connection churn alone.
    pooled = os.environ.get("BENCH_BARE_POOLED") == "1"
    pool: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": 0} if pooled else {}
    engine = create_engine(os.environ["SHUANGKONG_DATABASE_URL"], **pool)
    app = FastAPI()

    class Body(BaseModel):
        source: str
        description: str
        place: str
        category: str
        enterprise_id: int

    def session() -> Any:
        with Session(engine) as s:
            yield s

    @app.post("/api/hazards", status_code=201)
    def create(body: Body, s: Session = Depends(session)) -> dict[str, int]:  # noqa: B008
        hazard = Hazard(**body.model_dump(), found_on=date.today())
        s.add(hazard)
        s.commit()
        return {"id": hazard.id}

    return app


# ---------------------------------------------------------------- HTTP load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _requests(port: int) -> list[bytes]:
    out = []
    for i in range(1, USERS + 1):
        body = json.dumps(
            {
                "source": "routine",
                "description": "配电箱门未关闭，内部线路裸露",
                "place": "一号车间",
                "category": "site",
                "enterprise_id": i,
            },
            ensure_ascii=False,
        ).encode()
        head = (
            f"POST /api/hazards HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {_token(i)}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def _drive(port: int, seconds: float) -> tuple[int, int]:
    """Keep CONCURRENCY connections busy for seconds; (created, failed)."""
    reqs = _requests(port)
    deadline = time.monotonic() + seconds
    counts = [0, 0]

    async def one(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        while time.monotonic() < deadline:
            writer.write(reqs[i % len(reqs)])
            i += CONCURRENCY
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            counts[0 if head[9:12] == b"201" else 1] += 1
        writer.close()

    await asyncio.gather(*(one(n) for n in range(CONCURRENCY)))
    return counts[0], counts[1]


def _cpu_busy() -> tuple[float, float]:
    with open("/proc/stat") as fh:
        fields = [float(x) for x in fh.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def _sessions(url: str) -> int:
    """Connections opened so far to the benchmark database (pg_stat_database.sessions)."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(row.fetchone()[0])  # type: ignore[index]


def _cpu_seconds(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _processes(server: int, database: str) -> tuple[set[int], set[int]]:
    """(the server and its workers, the PostgreSQL backends of the benchmark database)."""
    ours, backends = {server}, set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if parent == server:
            ours.add(int(entry))
        elif cmdline.startswith(b"postgres:") and database.encode() in cmdline:
            backends.add(int(entry))
    return ours, backends


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _throughput(url: str, target: str, workers: int) -> dict[str, float]:
    port = _free_port()
    env = {
        **os.environ,
        "SHUANGKONG_DATABASE_URL": url,
        "SHUANGKONG_MODE": "production",
        "SHUANGKONG_SECRET_KEY": "bench-secret-" + "x" * 40,
        "PYTHONPATH": str(ROOT),
    }
    if target == "project":
        # BENCH_PROJECT_TREE: serve another checkout of the project (e.g. an older commit) instead.
        tree = os.environ.get("BENCH_PROJECT_TREE")
        if tree:
            env["PYTHONPATH"] = tree
        cmd = [str(ROOT / ".venv/bin/shuangkong"), "serve", "--port", str(port), "--workers", str(workers)]
    else:
        env["BENCH_BARE_POOLED"] = "1" if target == "bare-pooled" else "0"
        cmd = [sys.executable, "-m", "uvicorn", "benchmarks.bench_hazard_create:bare_app", "--factory"]
        cmd += ["--port", str(port), "--workers", str(workers)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read only when the run fails
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, proc)
        asyncio.run(_drive(port, WARM_UP_SECONDS))
        server, backends = _processes(proc.pid, url.rsplit("/", 1)[1])
        busy0, total0 = _cpu_busy()
        server0, pg0, sessions0 = _cpu_seconds(server), _cpu_seconds(backends), _sessions(url)
        cpu0, t0 = time.process_time(), time.perf_counter()
        created, failed = asyncio.run(_drive(port, RUN_SECONDS))
        wall = time.perf_counter() - t0
        generator = (time.process_time() - cpu0) / wall
        server_cpu, pg_cpu = _cpu_seconds(server) - server0, _cpu_seconds(backends) - pg0
        opened = _sessions(url) - sessions0 - 1  # less this look-up's own
        busy1, total1 = _cpu_busy()
    except Exception:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-3000:])
        raise
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    return {
        "rps": created / wall,
        "failed": failed,
        "generator_cpu": generator * 100,
        "server_ms": server_cpu / max(created, 1) * 1000,
        "postgres_ms": pg_cpu / max(created, 1) * 1000,
        "connections": opened,
        "machine_busy": (busy1 - busy0) / (total1 - total0) * 100,
    }


def main() -> list[dict[str, Any]]:
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        _load(url)
        timing = _in_process(url)
        # Other work on the machine comes and goes: alternate the two servers, keep each one's best run.
        http: dict[tuple[str, int], dict[str, float]] = {}
        for _ in range(ROUNDS):
            for workers in (1, 2):
                for target in ("project", "bare", "bare-pooled"):
                    run = _throughput(url, target, workers)
                    best = http.get((target, workers))
                    if best is None or run["rps"] > best["rps"]:
                        http[(target, workers)] = run
    finally:
        _drop_pg_database(name)
    rows: list[dict[str, Any]] = [
        {
            "name": "create hazard p95 (一般, in-process)",
            "value": timing["general"],
            "unit": "ms",
            "target": "≤ 15",
            "ok": timing["general"] <= 15,
        },
        {
            "name": "create hazard p95 (重大, with regrade, in-process)",
            "value": timing["major"],
            "unit": "ms",
            "target": "≤ 40",
            "ok": timing["major"] <= 40,
        },
        {
            "name": "SQL statements per 一般 create (service + commit)",
            "value": timing["statements"],
            "unit": "",
            "target": "info",
            "ok": True,
        },
    ]
    for workers in (1, 2):
        project, bare = http[("project", workers)], http[("bare", workers)]
        pooled = http[("bare-pooled", workers)]
        ratio = project["rps"] / bare["rps"] if bare["rps"] else 0.0
        for label, run in (("project", project), ("bare", bare), ("bare-pooled", pooled)):
            rows.append(
                {
                    "name": f"HTTP create, {workers} worker(s), {label} (generator CPU "
                    f"{run['generator_cpu']:.0f}% of a core, machine busy {run['machine_busy']:.0f}%,"
                    f" CPU per create: server {run['server_ms']:.1f} ms,"
                    f" PostgreSQL {run['postgres_ms']:.1f} ms, {run['connections']:.0f} connections opened,"
                    f" {run['failed']:.0f} failed)",
                    "value": run["rps"],
                    "unit": "req/s",
                    "target": "info",
                    "ok": run["failed"] == 0,
                }
            )
        rows.append(
            {
                "name": f"HTTP create, {workers} worker(s), project / bare",
                "value": ratio,
                "unit": "×",
                "target": "≥ 0.8",
                "ok": ratio >= 0.8,
            }
        )
        rows.append(
            {
                "name": f"HTTP create, {workers} worker(s), project / bare-pooled (same pool as the project)",
                "value": project["rps"] / pooled["rps"] if pooled["rps"] else 0.0,
                "unit": "×",
                "target": "info",
                "ok": True,
            }
        )
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
