"""Job registry: domain modules call register() at import; the scheduler imports JOB_MODULES.

A job is `func(session, ctx) -> dict` (the counts shown in the run history). It runs in its own
session_scope (commit on success, roll back on error) and MUST be idempotent: a run may be repeated by
hand, and a catch-up run covers every period missed while the scheduler was down.
"""

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM, Principal
from app.errors import NotFound
from app.timeutil import SHANGHAI, to_local

# Modules whose import registers jobs. The lead appends domain modules ("app.hazards.jobs", …).
JOB_MODULES: list[str] = [
    "app.notifications.jobs",
    "app.scheduler.builtin_jobs",
    "app.risks.jobs",
    "app.hazards.jobs",
    "app.supervision.jobs",
    "app.accidents.jobs",
    "app.grading.jobs",
    "app.auth.jobs",
    "app.attachments.jobs",
    "app.campaigns.jobs",
    "app.monitoring.jobs",
    "app.enforcement.jobs",
    "app.credit.jobs",
    "app.assessment.reports",
    "app.assessment.interviews",
    "app.assessment.submissions",
]

# How far back latest_fire() looks; a job that fires less often than this is treated as never due.
LOOKBACK = timedelta(days=800)


@dataclass(frozen=True)
class RunContext:
    job_name: str
    scheduled_for: datetime  # UTC; the due time this run stands for (or "now" for a manual run)
    run_id: int
    manual: bool = False
    actor: Principal = field(default=SYSTEM)

    @property
    def local_date(self) -> date:
        """The Shanghai date of the due time: the day whose deadlines this run handles."""
        return to_local(self.scheduled_for).date()


JobFunc = Callable[[Session, RunContext], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    trigger: CronTrigger
    trigger_text: str
    description: str


_JOBS: dict[str, JobSpec] = {}


def make_trigger(trigger: str | Mapping[str, Any]) -> tuple[CronTrigger, str]:
    """A crontab line ("0 2 * * *": minute hour day month weekday) or CronTrigger keyword arguments,
    always in Asia/Shanghai."""
    if isinstance(trigger, str):
        return CronTrigger.from_crontab(trigger, timezone=SHANGHAI), trigger
    kwargs = dict(trigger)
    text = " ".join(f"{k}={v}" for k, v in kwargs.items())
    return CronTrigger(timezone=SHANGHAI, **kwargs), text


def register(
    name: str, func: JobFunc, *, trigger: str | Mapping[str, Any], description: str, replace: bool = False
) -> JobFunc:
    """Register a scheduled job (call at module import). Returns func, so it can wrap a definition."""
    existing = _JOBS.get(name)
    same = existing is not None and existing.func.__qualname__ == func.__qualname__
    if existing is not None and not (replace or same):
        raise ValueError(f"job {name!r} is already registered by {existing.func.__module__}")
    cron, text = make_trigger(trigger)
    _JOBS[name] = JobSpec(name=name, func=func, trigger=cron, trigger_text=text, description=description)
    return func


def unregister(name: str) -> None:
    _JOBS.pop(name, None)


def load_jobs() -> None:
    for module in JOB_MODULES:
        importlib.import_module(module)


def all_jobs(names: Iterable[str] | None = None) -> list[JobSpec]:
    load_jobs()
    if names is None:
        return sorted(_JOBS.values(), key=lambda s: s.name)
    return [get_job(n) for n in names]


def get_job(name: str) -> JobSpec:
    load_jobs()
    spec = _JOBS.get(name)
    if spec is None:
        raise NotFound(f"定时任务 {name} 不存在", field="name")
    return spec


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The most recent fire time at or before `now` (UTC), or None within LOOKBACK.

    Missed periods coalesce into this one time: a scheduler that was down five days runs a daily
    job once, for the latest day. CronTrigger only looks forward, so step back by doubling until a
    fire time lies behind us, then walk forward to the last one not after now.
    """
    step = timedelta(minutes=1)
    while step <= LOOKBACK:
        found = trigger.get_next_fire_time(None, now - step)
        if found is not None and found <= now:
            while True:
                nxt = trigger.get_next_fire_time(found, found + timedelta(microseconds=1))
                if nxt is None or nxt > now:
                    return found.astimezone(UTC)
                found = nxt
        step *= 2
    return None
