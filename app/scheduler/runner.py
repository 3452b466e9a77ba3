"""Running jobs exactly once per due time, recording each run.

run_job() claims (job_name, scheduled_for) by INSERTing the job_runs row in its own transaction;
the UNIQUE constraint lets exactly one process win, the others skip. The winner then runs the job in
an exclusive session (advisory lock / lease) so a job never runs twice at once either, and records
ok / failed / skipped with the job's counts or the error text.
"""

import logging
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import SYSTEM, Principal
from app.db import session_scope
from app.scheduler import registry
from app.scheduler.locks import HOST, exclusive_session
from app.scheduler.models import JobRun
from app.scheduler.settings import get_scheduler_settings
from app.timeutil import utcnow

log = logging.getLogger("shuangkong.scheduler")


def run_job(name: str, scheduled_for: datetime | None = None, *, actor: Principal = SYSTEM) -> JobRun:
    """Claim, run and record one run. Without scheduled_for it is a manual run "now".
    If the run was already claimed (by another process or an earlier call) nothing runs and the
    existing row is returned with ran_here False; its status is whatever that run reached."""
    spec = registry.get_job(name)
    manual = scheduled_for is None
    when = utcnow() if scheduled_for is None else scheduled_for
    run = _claim(spec.name, when, manual, actor)
    if run is None:
        existing = _find(spec.name, when)
        assert existing is not None
        existing.ran_here = False
        return existing
    ctx = registry.RunContext(job_name=spec.name, scheduled_for=when, run_id=run.id, manual=manual)
    try:
        with exclusive_session(spec.name) as session:
            if session is None:
                return _finish(run.id, "skipped", None, "该任务正在另一进程中运行，本次跳过")
            counts = spec.func(session, ctx)
    except Exception:  # noqa: BLE001 - a failing job is recorded, never allowed to stop the scheduler
        log.exception("job %s (%s) failed", spec.name, when.isoformat())
        return _finish(run.id, "failed", None, traceback.format_exc()[-4000:])
    return _finish(run.id, "ok", counts if isinstance(counts, dict) else {}, None)


def _claim(name: str, when: datetime, manual: bool, actor: Principal) -> JobRun | None:
    # The INSERT comes first, with no read before it: on SQLite a read-then-write transaction can fail
    # with "database is locked" when another process wrote in between; a first write just waits.
    try:
        with session_scope() as session:
            run = JobRun(
                job_name=name,
                scheduled_for=when,
                manual=manual,
                status="running",
                started_at=utcnow(),
                host=HOST,
            )
            session.add(run)
            session.flush()
            if manual:
                audit.record(session, actor, "run", "job", name, note=f"手动运行，记录 {run.id}")
        return run
    except IntegrityError:  # another process inserted the same (job_name, scheduled_for) first
        return None


def _exists(session: Session, name: str, when: datetime) -> bool:
    stmt = select(JobRun.id).where(JobRun.job_name == name, JobRun.scheduled_for == when)
    return session.scalar(stmt) is not None


def _find(name: str, when: datetime) -> JobRun | None:
    with session_scope() as session:
        return session.scalar(select(JobRun).where(JobRun.job_name == name, JobRun.scheduled_for == when))


def _finish(run_id: int, status: str, counts: dict[str, Any] | None, error: str | None) -> JobRun:
    with session_scope() as session:  # write first, then read back (see _claim)
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(status=status, finished_at=utcnow(), counts=counts, error=error)
        )
        return session.get_one(JobRun, run_id)


def tick(now: datetime | None = None, names: Iterable[str] | None = None) -> list[JobRun]:
    """Run every job (or the named ones) whose latest due time has no run yet; returns the runs this
    call ran, not those another process claimed first. This is the whole schedule logic, on the
    movable clock: the APScheduler timer, the catch-up on start and tests all come through here,
    so missed periods coalesce into one run and nothing runs twice."""
    now = now or utcnow()
    try:
        fail_stuck_runs()
    except Exception:  # noqa: BLE001 - housekeeping must not stop the due runs
        log.exception("could not clean up interrupted runs")
    runs: list[JobRun] = []
    for spec in registry.all_jobs(names):
        due = registry.latest_fire(spec.trigger, now)
        if due is None:
            continue
        try:
            with session_scope() as session:
                if _exists(session, spec.name, due):
                    continue
            run = run_job(spec.name, due)
            if run.ran_here:  # else another process claimed it between the check and the claim
                runs.append(run)
        except Exception:  # noqa: BLE001 - e.g. the database was briefly unreachable; try next time
            log.exception("could not run job %s for %s", spec.name, due.isoformat())
    return runs


INTERRUPTED = "进程中断"


def fail_stuck_runs(older_than: timedelta | None = None) -> int:
    """Runs left "running" by a killed process would stay so forever: once they are older than the
    timeout (SHUANGKONG_SCHEDULER_STUCK_RUN_HOURS) they are recorded as failed, "进程中断". A run that
    is in fact still going and finishes later overwrites this with its real outcome."""
    if older_than is None:
        older_than = timedelta(hours=get_scheduler_settings().scheduler_stuck_run_hours)
    now = utcnow()
    with session_scope() as session:
        result = session.execute(
            update(JobRun)
            .where(JobRun.status == "running", JobRun.started_at < now - older_than)
            .values(status="failed", finished_at=now, error=INTERRUPTED)
        )
        n = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if n:
        log.warning("marked %d interrupted run(s) as failed", n)
    return n


def fire(name: str) -> None:
    """What APScheduler calls at a job's fire time (a module-level function: its reference is stored)."""
    tick(names=[name])


def catch_up(names: list[str] | None = None) -> None:
    """On start: run once every job whose latest due time passed while no scheduler was running."""
    runs = tick(names=names)
    if runs:
        log.info("catch-up ran %s", ", ".join(f"{r.job_name}={r.status}" for r in runs))


# ---------------------------------------------------------------- history


def last_runs(session: Session) -> dict[str, JobRun]:
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_name)
    return {r.job_name: r for r in session.scalars(select(JobRun).where(JobRun.id.in_(latest)))}


def history(
    session: Session, *, job: str | None = None, before_id: int | None = None, limit: int = 50
) -> list[JobRun]:
    stmt = select(JobRun)
    if job:
        stmt = stmt.where(JobRun.job_name == job)
    if before_id:
        stmt = stmt.where(JobRun.id < before_id)
    return list(session.scalars(stmt.order_by(JobRun.id.desc()).limit(limit)))


def prune_history(session: Session, older_than: timedelta) -> int:
    """Delete finished runs older than the retention. Each job's newest scheduled run is kept: it is
    what stops tick() from running that due time again (a yearly job's may be old)."""
    cutoff = utcnow() - older_than
    newest = select(func.max(JobRun.id)).where(JobRun.manual.is_(False)).group_by(JobRun.job_name)
    result = session.execute(
        delete(JobRun).where(
            JobRun.status != "running", JobRun.scheduled_for < cutoff, JobRun.id.not_in(newest)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
