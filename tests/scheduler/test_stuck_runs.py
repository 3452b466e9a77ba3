"""A process killed mid-run leaves its row "running"; the next tick records it as failed."""

from datetime import datetime, timedelta

import pytest

from app import timeutil
from app.db import session_scope
from app.scheduler import runner
from app.scheduler.models import JobRun
from app.scheduler.settings import get_scheduler_settings
from app.timeutil import SHANGHAI

NOW = datetime(2026, 8, 3, 12, 0, tzinfo=SHANGHAI)


def _running(name: str, started_hours_ago: float) -> int:
    started = NOW - timedelta(hours=started_hours_ago)
    with session_scope() as s:
        run = JobRun(
            job_name=name, scheduled_for=started, status="running", started_at=started, host="gone:1"
        )
        s.add(run)
        s.flush()
        return run.id


def _status(run_id: int) -> tuple[str, str | None, bool]:
    with session_scope() as s:
        run = s.get_one(JobRun, run_id)
        return run.status, run.error, run.finished_at is not None


def test_tick_marks_runs_interrupted_after_the_timeout(live: str) -> None:
    old = _running("test.killed", 7)
    recent = _running("test.still_going", 1)
    timeutil.freeze(NOW)
    runner.tick(names=[])  # no job due, housekeeping only
    assert _status(old) == ("failed", "进程中断", True)
    assert _status(recent) == ("running", None, False)
    # Idempotent; and a run that does finish afterwards keeps its real outcome.
    assert runner.fail_stuck_runs() == 0
    runner._finish(recent, "ok", {}, None)
    timeutil.advance(timedelta(hours=12))
    assert runner.fail_stuck_runs() == 0
    assert _status(recent)[0] == "ok"


def test_scheduler_start_cleans_up_with_a_configurable_timeout(
    live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHUANGKONG_SCHEDULER_STUCK_RUN_HOURS", "0.5")
    get_scheduler_settings.cache_clear()
    try:
        run = _running("test.killed", 1)
        timeutil.freeze(NOW)
        runner.catch_up(names=[])  # what the daemon runs on start
        assert _status(run) == ("failed", "进程中断", True)
    finally:
        get_scheduler_settings.cache_clear()
