"""Scheduled jobs: a registry domains add to, exactly-once runs across processes, run history,
and the 双随机 monthly draw.

Public API:
    registry.register(name, func, *, trigger, description)   in app/<domain>/jobs.py, at import
    runner.run_job(name, scheduled_for=None) -> JobRun       claim, run, record (CLI, API, tests)
    runner.tick(now=None, names=None) -> list[JobRun]        run whatever is due on the movable clock
    daemon.run_scheduler() / daemon.start_background_scheduler()
"""
