"""重大危险源 monitoring on PostgreSQL (#19): ingest throughput and latency, and the 24-hour chart.

Ingest: 4 clients (threads, keep-alive HTTP/1.1 via http.client, prebuilt JSON bodies) each post batches
of 500 readings for their own enterprise's 500 points to `shuangkong serve` (2 workers), for
BENCH_SECONDS (default 60) after a short warm-up; alarm evaluation runs on every batch (about one
reading in 2,000 crosses a limit). Targets: ≥ 20,000 readings/s, p95 batch ≤ 200 ms.
Baseline, measured first in the same run (BENCH_BASELINE_SECONDS, default 20): the same batches as one
bare unnest INSERT … ON CONFLICT DO NOTHING RETURNING and a commit from 4 psycopg connections (no HTTP,
validation, point look-up or alarms) — what PostgreSQL on this machine allows; "ratio" = service/baseline.
CPU per batch (from /proc, user + system): the serve workers, the PostgreSQL backends, the clients —
less sensitive to the machine's other load than readings/s, and where a batch's time goes.
Chart: one point with 17,280 readings at 5 s (24 h, COPY), the SVG rendered in-process; target ≤ 300 ms.

The figures depend on the machine: it is shared with other work, so note the load average (printed).
"""

import contextlib
import hashlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.db import make_engine
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config

CLIENTS = 4
POINTS = 500
BATCH = 500
WARM_UP_SECONDS = 3.0
BASELINE_SECONDS = float(os.environ.get("BENCH_BASELINE_SECONDS", "20"))
ROOT = Path(__file__).resolve().parent.parent
BARE_INSERT = (
    "INSERT INTO monitoring_readings (point_id, ts, value) SELECT * FROM unnest(%s::integer[],"
    " %s::timestamptz[], %s::double precision[]) ON CONFLICT DO NOTHING RETURNING point_id, ts, value"
)


def _token(i: int) -> str:
    return f"skd_bench-monitoring-{i:02d}-0123456789abcdef"


def _load(url: str) -> int:
    """Regions, CLIENTS enterprises with a 重大危险源 and POINTS points each, device tokens; returns the
    id of the chart point (with its 24 h of readings)."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO regions (code, name, level, parent_code, path, is_synthetic, version, updated_at) "
            "VALUES ('139900','基准省','province',NULL,'139900/',true,1,now()),"
            "('139101','基准区','county','139900','139900/139101/',true,1,now())"
        )
        for e in range(1, CLIENTS + 1):
            cur.execute(
                "INSERT INTO enterprises (id, credit_code, name, industry, scale, region_code, status,"
                " is_demo, version, created_at, updated_at) VALUES (%s,%s,%s,'hazardous_chemicals',"
                "'below','139101','operating',false,1,now(),now())",
                (e, f"91139100M{e:08d}X"[:18], f"基准化工{e}"),
            )
            cur.execute(
                "INSERT INTO major_hazard_units (id, enterprise_id, name, unit_type, substances,"
                " exposed_people, is_major, grade, rule_set, trace, is_active, is_demo, version, created_at,"
                " updated_at) VALUES (%s,%s,'储罐区','storage','[]',0,true,2,'bench','[]',true,false,1,"
                "now(),now())",
                (e, e),
            )
            cur.execute(
                "INSERT INTO monitoring_device_tokens (enterprise_id, token_hash, prefix, name, created_at)"
                " VALUES (%s,%s,'skd_bench','bench',now())",
                (e, hashlib.sha256(_token(e).encode()).hexdigest()),
            )
            with cur.copy(
                "COPY monitoring_points (enterprise_id, unit_id, tag, name, quantity, limit_l, limit_h,"
                " limit_hh, interval_seconds, is_active, is_demo, version, created_at, updated_at) FROM STDIN"
            ) as cp:
                for p in range(POINTS):
                    row = (e, e, f"TI-{p:04d}", f"温度{p}", "temperature", 0, 80, 95, 5, True, False, 1)
                    cp.write_row((*row, now, now))
        cur.execute("SELECT min(id) FROM monitoring_points")
        chart_point = int(cur.fetchone()[0])  # type: ignore[index]
        # The chart point's 24 h at 5 s.
        with cur.copy("COPY monitoring_readings (point_id, ts, value) FROM STDIN") as cp:
            for i in range(17_280):
                cp.write_row((chart_point, now - timedelta(seconds=5 * i), 40 + 10 * random.random()))
        conn.commit()
    return chart_point


def _bodies(client: int, start: datetime, count: int) -> list[bytes]:
    rng = random.Random(client)
    out = []
    for b in range(count):
        ts = (start + timedelta(milliseconds=b)).isoformat()
        rows = [
            {
                "tag": f"TI-{p:04d}",
                "ts": ts,
                "value": 99.0 if rng.random() < 0.0005 else 40 + rng.random() * 10,
            }
            for p in range(BATCH)
        ]
        out.append(json.dumps({"readings": rows}).encode())
    return out


def _client(port: int, i: int, bodies: list[bytes], stop: float, lat: list[float], counts: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "X-Device-Token": _token(i)}
    n = 0
    while time.perf_counter() < stop and n < len(bodies):
        t = time.perf_counter()
        conn.request("POST", "/api/monitoring/ingest", body=bodies[n], headers=headers)
        res = conn.getresponse()
        data = res.read()
        lat.append(time.perf_counter() - t)
        if res.status != 200:
            raise RuntimeError(f"ingest {res.status}: {data[:300]!r}")
        counts[0] += json.loads(data)["stored"]
        n += 1
    conn.close()


def _bare_client(
    dsn: str, enterprise: int, start: datetime, stop: float, lat: list[float], n: list[Any]
) -> None:
    """The baseline: the same batches as one unnest INSERT … ON CONFLICT DO NOTHING RETURNING and a commit,
    straight from psycopg (no HTTP, no validation, no point look-up, no alarm evaluation)."""
    rng = random.Random(enterprise)
    with psycopg.connect(dsn) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM monitoring_points WHERE enterprise_id = %s ORDER BY id", (enterprise,)
            )
        ]
        b = 0
        while time.perf_counter() < stop:
            ts = [start + timedelta(milliseconds=b)] * len(ids)
            vals = [40 + rng.random() * 10 for _ in ids]
            t = time.perf_counter()
            rows = conn.execute(BARE_INSERT, (ids, ts, vals)).fetchall()
            conn.commit()
            lat.append(time.perf_counter() - t)
            n[0] += len(rows)
            b += 1
        n[1] = _cpu([conn.info.backend_pid])


def _bare(url: str, seconds: float, start: datetime) -> tuple[float, float, float]:
    """Readings/s, p95 ms and PostgreSQL CPU ms per batch of the baseline from CLIENTS connections at once."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    lat: list[float] = []
    counts: list[list[Any]] = [[0, 0.0] for _ in range(CLIENTS)]
    stop = time.perf_counter() + seconds
    t0 = time.perf_counter()
    threads = [
        threading.Thread(
            target=_bare_client, args=(dsn, i + 1, start + timedelta(seconds=i * 1000), stop, lat, counts[i])
        )
        for i in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = sum(c[0] for c in counts) / (time.perf_counter() - t0)
    return rate, _p95(lat), sum(c[1] for c in counts) / len(lat) * 1000


def _p95(lat: list[float]) -> float:
    return statistics.quantiles(lat, n=20)[18] * 1000 if len(lat) >= 20 else max(lat) * 1000


TICK = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    """root and its descendants (the serve process and its workers)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):  # gone meanwhile
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += [c for c, p in parent.items() if p == pid]
    return out


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0.0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(f[11]) + int(f[12])) / TICK
    return total


def _backends(dsn: str, db: str) -> list[int]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db,))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until the server answers HTTP (both workers importing the app take a while on a loaded machine);
    a warm-up against a port nobody listens on yet would measure nothing."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/favicon.ico")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("shuangkong serve did not answer")


def _drive(port: int, seconds: float, start: datetime) -> tuple[int, list[float], float]:
    per_client = int(seconds * 40) + 50  # more batches than a client can send in the time (80,000/s)
    bodies = [_bodies(i, start + timedelta(seconds=i * 1000), per_client) for i in range(1, CLIENTS + 1)]
    lat: list[float] = []
    counts = [[0] for _ in range(CLIENTS)]
    stop = time.perf_counter() + seconds
    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(port, i + 1, bodies[i], stop, lat, counts[i]))
        for i in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(c[0] for c in counts), lat, time.perf_counter() - t0


def main() -> list[dict[str, Any]]:
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        chart_point = _load(url)
        engine = make_engine(url)
        from app.monitoring import service

        with Session(engine) as s:
            service.history_chart(s, SYSTEM, chart_point, 24)  # warm
            times = []
            for _ in range(5):
                t = time.perf_counter()
                svg = service.history_chart(s, SYSTEM, chart_point, 24)
                times.append(time.perf_counter() - t)
            assert "<polyline" in svg
        engine.dispose()
        # The baseline first, into its own days, so it and the service insert into tables of the same size.
        bare_days = datetime.now(UTC) - timedelta(days=10)
        bare_rate, bare_p95, bare_pg_ms = _bare(url, min(seconds, BASELINE_SECONDS), bare_days)
        port = _free_port()
        env = {
            **os.environ,
            "SHUANGKONG_DATABASE_URL": url,
            "SHUANGKONG_MODE": "production",
            "SHUANGKONG_SECRET_KEY": "bench-secret-" + "x" * 40,
            "PYTHONPATH": str(ROOT),
        }
        workers = os.environ.get("BENCH_WORKERS", "2")
        cmd = [str(ROOT / ".venv/bin/shuangkong"), "serve", "--port", str(port), "--workers", workers]
        log = tempfile.TemporaryFile()  # noqa: SIM115
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(port, proc)
            base = datetime.now(UTC) - timedelta(days=20)
            _drive(port, WARM_UP_SECONDS, base)
            server, dsn = _tree(proc.pid), url.replace("postgresql+psycopg://", "postgresql://")
            pg0 = {pid: _cpu([pid]) for pid in _backends(dsn, name)}
            cpu0 = (_cpu(server), time.process_time())
            stored, lat, wall = _drive(port, seconds, base + timedelta(days=1))
            cpu1 = (_cpu(server), time.process_time())
            # Backends the pools opened during the run count whole (they did nothing before).
            pg_cpu = sum(_cpu([pid]) - pg0.get(pid, 0.0) for pid in _backends(dsn, name))
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
    finally:
        _drop_pg_database(name)
    rate = stored / wall
    p95 = _p95(lat)
    chart_ms = statistics.median(times) * 1000
    server_ms, client_ms = ((b - a) / len(lat) * 1000 for a, b in zip(cpu0, cpu1, strict=True))
    pg_ms = pg_cpu / len(lat) * 1000
    return [
        {"name": f"ingest, {CLIENTS} clients × {BATCH}/batch, {seconds:.0f} s", "value": rate,
         "unit": "readings/s", "target": "≥ 20000", "ok": rate >= 20_000,
         "baseline": bare_rate, "ratio": rate / bare_rate},
        {"name": "ingest batch latency p95", "value": p95, "unit": "ms", "target": "≤ 200", "ok": p95 <= 200,
         "baseline": bare_p95, "ratio": p95 / bare_p95},
        {"name": "24 h chart of 17,280 readings (SVG)", "value": chart_ms, "unit": "ms", "target": "≤ 300",
         "ok": chart_ms <= 300},
        {"name": "CPU per batch: shuangkong serve workers", "value": server_ms, "unit": "ms",
         "target": "info", "ok": True},
        {"name": "CPU per batch: PostgreSQL backends", "value": pg_ms, "unit": "ms", "target": "info",
         "ok": True, "baseline": bare_pg_ms, "ratio": pg_ms / bare_pg_ms},
        {"name": "CPU per batch: the 4 HTTP clients", "value": client_ms, "unit": "ms", "target": "info",
         "ok": True},
        {"name": "load average (1 min) at the end", "value": os.getloadavg()[0],
         "unit": "", "target": "info", "ok": True},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in main():
        print(row)
