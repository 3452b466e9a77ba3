"""Run history with the exactly-once claim, SQLite leases, and the 双随机 inspection plans."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.timeutil import utcnow

RUN_STATUSES = {"running": "运行中", "ok": "成功", "failed": "失败", "skipped": "跳过"}


class JobRun(Base):
    """One due run of a job. The UNIQUE (job_name, scheduled_for) row is inserted before the job runs:
    whichever process inserts it runs the job; every other process skips."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="running")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(100))  # host:pid that ran it, for diagnosis

    __table_args__ = (
        UniqueConstraint("job_name", "scheduled_for"),
        Index("ix_job_runs_history", "job_name", "id"),
    )

    # Not stored: run_job() sets it False on the row it returns when the due run had already been
    # claimed (by another process or an earlier call) and this call ran nothing.
    ran_here = True


class SchedulerLease(Base):
    """SQLite stand-in for a PostgreSQL advisory lock: one row per job while it runs."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InspectionPlan(Base):
    """双随机 monthly plan: which enterprises are inspected, by whom; published once drawn."""

    __tablename__ = "inspection_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # "2026-03"
    seed: Mapped[int] = mapped_column(BigInteger)
    rule_set: Mapped[str] = mapped_column(String(80))  # inspection_frequency policy "id@version"
    rates: Mapped[dict[str, float]] = mapped_column(JSON)  # monthly selection probability per level
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # inspectors per item, avoid_repeat …
    counts: Mapped[dict[str, int]] = mapped_column(JSON)  # candidates and drawn per level
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InspectionPlanItem(Base):
    __tablename__ = "inspection_plan_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    inspector_ids: Mapped[list[int]] = mapped_column(JSON)
