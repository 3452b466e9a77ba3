"""Exactly once across real processes, on PostgreSQL (advisory lock) and SQLite (lease)."""

import json
import os
import subprocess
import sys
import time
from datetime import datetime

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.config import PROJECT_ROOT
from app.db import session_scope
from app.scheduler.models import JobRun
from app.timeutil import SHANGHAI
from tests.scheduler.worker import JOB


def _start_together(url: str, mode: str, n: int, *extra: str) -> list[list[str]]:
    go_at = str(time.time() + 4.0)  # every worker has imported the app by then
    env = {**os.environ, "SHUANGKONG_DATABASE_URL": url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler.worker", url, mode, go_at, *extra],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _side_effects() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).where(AuditEntry.action == "side_effect")) or 0


def test_two_scheduler_processes_run_a_due_job_exactly_once(live):
    due = datetime(2026, 8, 3, 1, 0, tzinfo=SHANGHAI)
    results = _start_together(live, "tick", 3, datetime(2026, 8, 3, 9, 0, tzinfo=SHANGHAI).isoformat())
    assert _side_effects() == 1
    with session_scope() as s:
        runs = s.scalars(select(JobRun).where(JobRun.job_name == JOB)).all()
    assert [(r.scheduled_for, r.status) for r in runs] == [(due, "ok")]
    # One worker ran it; the others found it claimed (running or already done) and did nothing.
    assert sorted(len(r) for r in results) == [0, 0, 1] or sum(r.count("ok") for r in results) == 1


def test_concurrent_manual_runs_of_one_job_never_overlap(live):
    """Two manual runs have different due times, so only the per-job lock keeps them apart: the second
    is skipped while the first runs (PostgreSQL), or waits for SQLite's single writer and runs after."""
    _start_together(live, "manual", 2)
    with session_scope() as s:
        runs = s.scalars(select(JobRun).where(JobRun.job_name == JOB)).all()
    ran = sorted((r.counts["start"], r.counts["end"]) for r in runs if r.status == "ok")
    assert _side_effects() == len(ran) >= 1
    assert all(end <= next_start for (_, end), (next_start, _) in zip(ran, ran[1:], strict=False))
    skipped = [r for r in runs if r.status == "skipped"]
    assert all("另一进程" in r.error for r in skipped)
    if live.startswith("postgresql"):
        assert [r.status for r in runs].count("skipped") == 1
