"""Per-job mutual exclusion across processes: a PostgreSQL advisory lock held by the job's own
transaction, or on SQLite a lease row committed before the job starts and deleted after it."""

import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import get_engine, session_scope
from app.scheduler.models import SchedulerLease
from app.scheduler.settings import get_scheduler_settings
from app.timeutil import utcnow

HOST = f"{socket.gethostname()}:{os.getpid()}"[:100]


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_xact_lock (hash() differs per process)."""
    return int.from_bytes(hashlib.sha256(f"shuangkong.job:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive_session(name: str) -> Iterator[Session | None]:
    """A session_scope in which this caller alone runs job `name`, or None if another holds it."""
    if get_engine().dialect.name == "postgresql":
        with session_scope() as session:
            if not session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))):
                yield None
                return
            yield session  # the lock goes with the transaction's commit or rollback
        return
    holder = f"{HOST}:{uuid.uuid4().hex[:8]}"
    if not acquire_lease(name, holder):
        yield None
        return
    try:
        with session_scope() as session:
            yield session
    finally:
        release_lease(name, holder)


def acquire_lease(name: str, holder: str) -> bool:
    now = utcnow()
    expires = now + timedelta(seconds=get_scheduler_settings().scheduler_lease_seconds)
    try:
        with session_scope() as session:
            # Take over an expired lease (its holder died), else create one; a live lease wins.
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == name, SchedulerLease.expires_at < now)
                .values(holder=holder, acquired_at=now, expires_at=expires)
            )
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
            session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=expires))
            session.flush()
        return True
    except IntegrityError:
        return False


def release_lease(name: str, holder: str) -> None:
    with session_scope() as session:
        session.execute(
            delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        )
