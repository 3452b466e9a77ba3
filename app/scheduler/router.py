"""/api/jobs (admin). The public 双随机 plan (一公开) is served by app/enforcement/router.py."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import AdminUser, DbSession
from app.fields import Id
from app.scheduler import registry, runner
from app.scheduler.models import JobRun
from app.scheduler.schemas import JobOut, JobRunOut, JobRunPage

router = APIRouter(tags=["scheduler"])


@router.get("/api/jobs", response_model=list[JobOut])
def list_jobs(session: DbSession, _: AdminUser) -> list[JobOut]:
    """定时任务及其最近一次运行。"""
    last = runner.last_runs(session)
    return [
        JobOut(
            name=s.name,
            trigger=s.trigger_text,
            description=s.description,
            last_run=JobRunOut.model_validate(last[s.name]) if s.name in last else None,
        )
        for s in registry.all_jobs()
    ]


@router.get("/api/jobs/history", response_model=JobRunPage)
def job_history(
    session: DbSession,
    _: AdminUser,
    job: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobRunPage:
    runs = runner.history(session, job=job, before_id=cursor, limit=limit)
    return JobRunPage(
        items=[JobRunOut.model_validate(r) for r in runs],
        next_cursor=runs[-1].id if len(runs) == limit else None,
    )


@router.post("/api/jobs/{name}/run", response_model=JobRunOut)
def run_now(name: str, user: AdminUser, session: DbSession) -> JobRun:
    """立即运行一次（在独立事务中运行并记录；与其他进程互斥）。"""
    # The job writes in sessions of its own: end this request's transaction first, or its SQLite
    # write lock (taken up front by POST requests) would make the job wait for it.
    session.commit()
    return runner.run_job(name, actor=user)
