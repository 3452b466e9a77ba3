"""Exactly once across real processes, on PostgreSQL (advisory lock) and SQLite (lease)."""

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.config import PROJECT_ROOT
from app.db import session_scope
from app.scheduler.models import JobRun
from app.timeutil import SHANGHAI
from tests.scheduler.worker import JOB


def _start_together(url: str, mode: str, n: int, *extra: str) -> list[list[list[object]]]:
    """n workers; once all have imported the app (however long that takes) they are told to go."""
    env = {**os.environ, "SHUANGKONG_DATABASE_URL": url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler.worker", url, mode, str(n), *extra],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.communicate(timeout=60)
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert "Traceback" not in err
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
    # One worker ran it. The others found it claimed — already done or still running, whichever they
    # saw — and their tick() reports nothing run, whatever order the processes came in.
    assert sorted(results, key=len) == [[], [], [["ok", True]]]


def test_concurrent_manual_runs_of_one_job_never_overlap(live):
    """Two manual runs have different due times, so only the per-job lock keeps them apart: the second
    is skipped while the first runs (PostgreSQL), or waits for SQLite's single writer and runs after."""
    results = _start_together(live, "manual", 2)
    assert all(ran_here for result in results for _, ran_here in result)
    with session_scope() as s:
        runs = s.scalars(select(JobRun).where(JobRun.job_name == JOB)).all()
    ran = sorted((r.counts["start"], r.counts["end"]) for r in runs if r.status == "ok")
    assert _side_effects() == len(ran) >= 1
    assert all(end <= next_start for (_, end), (next_start, _) in zip(ran, ran[1:], strict=False))
    skipped = [r for r in runs if r.status == "skipped"]
    assert all("另一进程" in r.error for r in skipped)
    if live.startswith("postgresql"):
        assert [r.status for r in runs].count("skipped") == 1


def _jobs_run(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("shuangkong")), "jobs", "run", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SHUANGKONG_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_jobs_run_due_says_when_another_process_already_ran_that_run(live):
    name, due = "scheduler.prune_history", "2026-08-03 03:30"  # daily 03:30, long past
    outputs = []
    for p in [_jobs_run(live, name, "--due", due) for _ in range(2)]:  # the same due run, at once
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and "Traceback" not in err, err
        outputs.append(out)
    with session_scope() as s:
        runs = s.scalars(select(JobRun).where(JobRun.job_name == name)).all()
    assert [(r.scheduled_for, r.status, r.manual) for r in runs] == [
        (datetime(2026, 8, 3, 3, 30, tzinfo=SHANGHAI), "ok", False)
    ]
    # Exactly one ran it; the other says so, whichever came first and whether the run had finished.
    ran = [o for o in outputs if o.startswith(f"{name}：成功")]
    told = [
        o
        for o in outputs
        if re.match(rf"{re.escape(name)}：已由另一进程执行（运行记录 #{runs[0].id}，状态 (运行中|成功)）", o)
    ]
    assert (len(ran), len(told)) == (1, 1), outputs

    again = _jobs_run(live, name, "--due", due)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0 and "Traceback" not in err, err
    assert out.strip() == f"{name}：已由另一进程执行（运行记录 #{runs[0].id}，状态 成功），本次未运行"
