"""APScheduler as the timer. Every registered job is stored (replace_existing) in a SQLAlchemy job
store on the app database and calls runner.fire(name) at its cron times; runner.tick() decides what is
actually due and the job_runs claim makes it exactly-once across processes. APScheduler resets a
replaced job's next run to the future, so periods missed while no scheduler ran are caught up by
a one-off catch_up() at start (coalesced: once, not once per missed period)."""

import logging
from collections.abc import Collection

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.db import get_engine
from app.scheduler import registry, runner
from app.timeutil import SHANGHAI

log = logging.getLogger("shuangkong.scheduler")

# Created by migration 0008 (so that schedulers starting together do not race to create it); APScheduler
# only creates it if missing. migrations/env.py leaves it out of autogenerate.
JOBSTORE_TABLE = "apscheduler_jobs"


def build(scheduler_class: type[BaseScheduler], names: Collection[str] | None = None) -> BaseScheduler:
    """A scheduler with every registered job (or only `names`, for tests) and a one-off catch-up."""
    sched = scheduler_class(
        jobstores={
            "default": SQLAlchemyJobStore(engine=get_engine(), tablename=JOBSTORE_TABLE),
            "volatile": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(4)},
        # misfire_grace_time=None: a late fire still runs; coalesce: several missed fires run once.
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=SHANGHAI,
    )
    specs = registry.all_jobs(names)
    for spec in specs:
        sched.add_job(
            runner.fire,
            trigger=spec.trigger,
            args=[spec.name],
            id=spec.name,
            name=spec.description[:100],
            replace_existing=True,
        )
    selected = None if names is None else [s.name for s in specs]
    sched.add_job(runner.catch_up, "date", kwargs={"names": selected}, jobstore="volatile", id="catch_up")
    return sched


def _drop_unregistered(sched: BaseScheduler) -> None:
    """Jobs removed from the code must not keep firing from the persistent store."""
    known = {s.name for s in registry.all_jobs()}
    for job in sched.get_jobs(jobstore="default"):
        if job.id not in known:
            log.info("removing job %s: no longer registered", job.id)
            sched.remove_job(job.id, jobstore="default")


def start_background_scheduler(names: Collection[str] | None = None) -> BackgroundScheduler:
    """For `shuangkong serve --with-scheduler` (single-process demo): call .shutdown() on exit."""
    sched = build(BackgroundScheduler, names)
    sched.start()
    if names is None:
        _drop_unregistered(sched)
    assert isinstance(sched, BackgroundScheduler)
    return sched


def run_scheduler() -> None:
    """`shuangkong scheduler`: blocks until interrupted. Any number may run against PostgreSQL."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sched = build(BlockingScheduler)
    jobs = registry.all_jobs()
    log.info("scheduler starting with %d jobs: %s", len(jobs), ", ".join(s.name for s in jobs))
    # BlockingScheduler.start() only returns on shutdown, so prune stale jobs first via a one-off job.
    sched.add_job(_drop_unregistered, "date", args=[sched], jobstore="volatile", id="drop_unregistered")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
