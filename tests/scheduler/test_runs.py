"""Due runs on the movable clock: once per period, catch-up once, failures recorded."""

import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from app import timeutil
from app.audit import service as audit
from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.db import session_scope
from app.scheduler import registry, runner
from app.scheduler.cli import jobs_app
from app.scheduler.daemon import JOBSTORE_TABLE, start_background_scheduler
from app.scheduler.locks import exclusive_session
from app.scheduler.models import JobRun
from app.timeutil import SHANGHAI

DAILY = "0 1 * * *"  # 01:00 Shanghai


def _runs(name: str) -> list[JobRun]:
    with session_scope() as s:
        return list(s.scalars(select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id)))


def _recorder(calls: list[date]):  # type: ignore[no-untyped-def]
    def job(session: Any, ctx: registry.RunContext) -> dict[str, Any]:
        calls.append(ctx.local_date)
        return {"day": ctx.local_date.isoformat()}

    return job


def test_latest_fire_is_the_last_due_time_not_after_now():
    trigger, _ = registry.make_trigger(DAILY)
    now = datetime(2026, 4, 10, 0, 30, tzinfo=SHANGHAI)  # before today's 01:00
    assert registry.latest_fire(trigger, now) == datetime(2026, 4, 9, 1, 0, tzinfo=SHANGHAI)
    exact = datetime(2026, 4, 10, 1, 0, tzinfo=SHANGHAI)
    assert registry.latest_fire(trigger, exact) == exact
    monthly, _ = registry.make_trigger("0 6 1 * *")
    assert registry.latest_fire(monthly, now) == datetime(2026, 4, 1, 6, 0, tzinfo=SHANGHAI)


def test_a_month_walked_in_six_hour_steps_runs_a_daily_job_30_times(live, jobs):
    calls: list[date] = []
    registry.register("test.daily", _recorder(calls), trigger=DAILY, description="测试")
    timeutil.freeze(datetime(2026, 4, 1, 1, 0, tzinfo=SHANGHAI))
    end = datetime(2026, 4, 30, 23, 0, tzinfo=SHANGHAI)
    while timeutil.utcnow() <= end:
        runner.tick(names=["test.daily"])
        timeutil.advance(timedelta(hours=6))
    assert calls == [date(2026, 4, d) for d in range(1, 31)]
    runs = _runs("test.daily")
    assert len(runs) == 30 and {r.status for r in runs} == {"ok"}
    assert runs[-1].counts == {"day": "2026-04-30"}


def test_catch_up_after_five_days_down_runs_once(live, jobs):
    calls: list[date] = []
    registry.register("test.daily", _recorder(calls), trigger=DAILY, description="测试")
    timeutil.freeze(datetime(2026, 5, 1, 2, 0, tzinfo=SHANGHAI))
    runner.catch_up(["test.daily"])
    assert calls == [date(2026, 5, 1)]

    # The scheduler was down; it starts again five days later.
    timeutil.freeze(datetime(2026, 5, 6, 9, 0, tzinfo=SHANGHAI))
    runner.catch_up(["test.daily"])
    runner.catch_up(["test.daily"])  # a second process starting at the same time
    assert calls == [date(2026, 5, 1), date(2026, 5, 6)]
    assert len(_runs("test.daily")) == 2


def test_a_failing_job_is_recorded_and_the_next_job_still_runs(live, jobs):
    calls: list[date] = []

    def boom(session: Any, ctx: registry.RunContext) -> dict[str, Any]:
        audit.record(session, SYSTEM, "half_written", "test", 1)
        session.flush()
        raise ValueError("坏数据：第 3 行")

    registry.register("test.a_boom", boom, trigger=DAILY, description="总是失败")
    registry.register("test.b_after", _recorder(calls), trigger=DAILY, description="之后的任务")
    timeutil.freeze(datetime(2026, 6, 1, 2, 0, tzinfo=SHANGHAI))
    runs = runner.tick(names=["test.a_boom", "test.b_after"])
    assert [(r.job_name, r.status) for r in runs] == [("test.a_boom", "failed"), ("test.b_after", "ok")]
    assert "ValueError: 坏数据：第 3 行" in runs[0].error
    assert runs[0].finished_at is not None
    assert calls == [date(2026, 6, 1)]
    with session_scope() as s:  # the failed job's own writes were rolled back
        assert s.scalar(select(func.count()).where(AuditEntry.action == "half_written")) == 0


def test_run_job_claims_each_due_time_once_and_records_manual_runs(live, jobs):
    calls: list[date] = []
    registry.register("test.daily", _recorder(calls), trigger=DAILY, description="测试")
    due = datetime(2026, 7, 1, 1, 0, tzinfo=SHANGHAI)
    first = runner.run_job("test.daily", due)
    again = runner.run_job("test.daily", due)
    assert again.id == first.id and len(calls) == 1

    manual = runner.run_job("test.daily")
    assert manual.manual and manual.status == "ok" and len(calls) == 2
    with session_scope() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "job"))
        assert (entry.action, entry.entity_id) == ("run", "test.daily")


def test_a_job_held_elsewhere_is_skipped_not_run_twice(live, jobs):
    calls: list[date] = []
    registry.register("test.daily", _recorder(calls), trigger=DAILY, description="测试")
    with exclusive_session("test.daily") as held:
        assert held is not None
        run = runner.run_job("test.daily", datetime(2026, 7, 2, 1, 0, tzinfo=SHANGHAI))
    assert run.status == "skipped" and "另一进程" in run.error
    assert calls == []
    # Released: the next run goes ahead.
    assert runner.run_job("test.daily").status == "ok"


def test_background_scheduler_keeps_running_after_a_failure(live, jobs):
    seen: list[str] = []

    def flaky(session: Any, ctx: registry.RunContext) -> dict[str, Any]:
        seen.append(ctx.scheduled_for.isoformat())
        if len(seen) == 1:
            raise RuntimeError("第一次失败")
        return {"n": len(seen)}

    registry.register("test.every_second", flaky, trigger={"second": "*"}, description="每秒")
    sched = start_background_scheduler(names=["test.every_second"])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and [r.status for r in _runs("test.every_second")].count("ok") < 2:
            time.sleep(0.2)
        with session_scope() as s:  # the job is in APScheduler's persistent store
            assert s.connection().exec_driver_sql(f"SELECT id FROM {JOBSTORE_TABLE}").scalars().all() == [
                "test.every_second"
            ]
    finally:
        sched.shutdown(wait=True)
    statuses = [r.status for r in _runs("test.every_second")]
    assert statuses[0] == "failed" and statuses.count("ok") >= 2
    assert len(seen) == len(set(seen))  # never the same due time twice


def test_cli_run_list_history(live, jobs):
    registry.register("test.daily", _recorder([]), trigger=DAILY, description="命令行测试")
    cli = CliRunner()
    res = cli.invoke(jobs_app, ["run", "test.daily"])
    assert res.exit_code == 0, res.output
    assert "成功" in res.output
    listed = cli.invoke(jobs_app, ["list"]).output
    assert "test.daily" in listed and "inspection.random_draw" in listed and "命令行测试" in listed
    hist = cli.invoke(jobs_app, ["history", "--job", "test.daily", "--limit", "5"]).output
    assert "手动" in hist and hist.count("test.daily") == 1
    assert cli.invoke(jobs_app, ["run", "no.such"]).exit_code == 1


def test_jobs_api_is_admin_only(live, jobs):
    from fastapi.testclient import TestClient

    from app.auth import service as auth
    from app.main import create_app
    from tests.factories import PASSWORD, make_tree

    registry.register("test.daily", _recorder([]), trigger=DAILY, description="接口测试")
    with session_scope() as s:
        make_tree(s)
        auth.create_user(s, SYSTEM, username="root", password=PASSWORD, role="admin")
        auth.create_user(
            s, SYSTEM, username="someone", password=PASSWORD, role="inspector", region_code="139101"
        )

    with TestClient(create_app(), base_url="https://testserver") as client:

        def headers(username: str) -> dict[str, str]:
            res = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            return {"Authorization": f"Bearer {res.json()['access_token']}"}

        admin, other = headers("root"), headers("someone")
        assert client.get("/api/jobs", headers=other).status_code == 403
        assert client.post("/api/jobs/test.daily/run", headers=other).status_code == 403

        run = client.post("/api/jobs/test.daily/run", headers=admin)
        assert run.status_code == 200 and run.json()["status"] == "ok" and run.json()["manual"]
        listed = {j["name"]: j for j in client.get("/api/jobs", headers=admin).json()}
        assert listed["test.daily"]["last_run"]["id"] == run.json()["id"]
        assert listed["inspection.random_draw"]["last_run"] is None
        hist = client.get("/api/jobs/history", params={"job": "test.daily"}, headers=admin).json()
        assert [r["id"] for r in hist["items"]] == [run.json()["id"]]
        assert client.post("/api/jobs/no.such/run", headers=admin).status_code == 404


def test_cli_run_due_accepts_only_a_due_time_of_that_job(live):
    cli = CliRunner()
    for due, expected in [
        (
            "2026-08-03 03:31",
            "--due 2026-08-03 03:31 不是任务 scheduler.prune_history 的触发时间"
            "（此前最近一次为 2026-08-03 03:30）",
        ),
        ("2026-08-03", "--due 应为上海时间 YYYY-MM-DD HH:MM，收到“2026-08-03”"),
        ("2999-01-01 03:30", "--due 2999-01-01 03:30 尚未到期"),
    ]:
        res = cli.invoke(jobs_app, ["run", "scheduler.prune_history", "--due", due])
        assert res.exit_code == 1 and f"错误：{expected}" in res.output, res.output
    assert _runs("scheduler.prune_history") == []
