"""Engine, sessions and the declarative Base shared by every domain."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Select,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    configure_mappers,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator
from starlette.requests import Request

from app.config import get_settings
from app.timeutil import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Scoping functions take any select() and give back the same kind, narrowed to what a caller may see.
SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str) -> Engine:
    """Every engine of the service comes from here (settings, tests, Alembic, scripts), so this is the
    one place that completes the mapper registry: a session on it sees every table."""
    _register_all_models()
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # As many pooled connections as a worker runs requests at once (Starlette's thread pool, 40):
        # with SQLAlchemy's 5, every connection past the fifth was closed when returned and opened again
        # (a PostgreSQL backend forked) a moment later, which is what kept a second worker from helping.
        kwargs["pool_size"] = POOL_SIZE
        kwargs["max_overflow"] = 0
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for any
        # value: a ledger query planned for "some region" is slow for a province and for a township
        # alike (the scopes differ ten-thousandfold). Plan each execution for its own values.
        kwargs["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan"}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        event.listen(engine, "checkin", _mark_idle)
        event.listen(engine, "checkout", lambda c, r, _: _ping_if_idle(engine, c, r))
    return engine


POOL_SIZE = 40

# A pooled PostgreSQL connection idle this long is pinged before use, so one dropped while idle (a
# database restart, an idle timeout on the way) is replaced instead of failing a request. A busy pool
# pings nothing: pool_pre_ping would cost every request one more round trip.
PING_AFTER_IDLE_SECONDS = 10.0


def _mark_idle(_dbapi_conn: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine, dbapi_conn: Any, record: Any) -> None:
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        alive = engine.dialect.do_ping(dbapi_conn)
    except Exception as exc:  # noqa: BLE001 - any failure: the pool opens a new connection
        raise DisconnectionError(str(exc)) from exc
    if not alive:
        raise DisconnectionError("ping failed")


def _register_all_models() -> None:
    # Domain modules import Base from here, so the full set can only be imported once this module is loaded.
    import app.models  # noqa: F401

    configure_mappers()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite would otherwise decide on its own when to BEGIN (and sends none before a SAVEPOINT,
    # so a rolled-back outer transaction could keep a released savepoint's writes): SQLAlchemy decides.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


# Execution option: this connection's transactions will write, so they take SQLite's write lock up front.
SQLITE_WRITER = "shuangkong_sqlite_writer"
SQLITE_BEGIN_TRIES = 3


def _sqlite_begin(conn: Any) -> None:
    # Readers BEGIN deferred, so they never wait for a writer. Writers BEGIN IMMEDIATE: a deferred
    # transaction that reads and then writes after another connection has committed would fail with
    # "database is locked" whatever the busy timeout; taking the lock first makes writers queue instead
    # (busy_timeout), and a few more tries bound the wait. Several processes belong on PostgreSQL.
    if not conn.get_execution_options().get(SQLITE_WRITER):
        conn.exec_driver_sql("BEGIN")
        return
    for attempt in range(1, SQLITE_BEGIN_TRIES + 1):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if attempt == SQLITE_BEGIN_TRIES or "locked" not in str(exc.orig):
                raise


def database_unavailable(exc: DBAPIError) -> bool:
    """A database error that says "not now" (PostgreSQL down or restarting, connection lost, SQLite write
    lock still busy) rather than a fault in the query: worth a 503 and a retry."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    if type(exc.orig).__module__.startswith("sqlite3"):
        return any(word in str(exc.orig) for word in ("locked", "busy"))
    return True


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _session_factory(writer: bool = True) -> sessionmaker[Session]:
    engine = get_engine()
    return sessionmaker(bind=engine.execution_options(**{SQLITE_WRITER: writer}), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None, *, writer: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (CLI, jobs, demo). A reader
    (writer=False) does not take SQLite's write lock."""
    session = (factory or _session_factory(writer))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one request = one transaction; GET and HEAD requests read only."""
    with session_scope(writer=request.method not in READ_METHODS) as session:
        yield session


@lru_cache
def _replica_factory() -> sessionmaker[Session] | None:
    url = get_settings().database_read_url
    if not url:
        return None
    # Read-only transactions: a write sent to the replica by mistake fails here, loudly, instead of
    # reaching a hot standby (which would refuse it anyway) or a primary given as the "replica".
    engine = make_engine(url).execution_options(postgresql_readonly=True)
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_read_session() -> Iterator[Session]:
    """FastAPI dependency for the heavy reads (ledger lists, statistics, maps, exports): the replica at
    SHUANGKONG_DATABASE_READ_URL when one is configured, else a read-only-use session on the primary.
    A replica may lag the primary by a moment: a hazard just reported can appear on the next reload."""
    with session_scope(_replica_factory(), writer=False) as session:
        yield session


class WorkflowEvent:
    """Columns of an append-only workflow history row (hazards, 挂牌督办 cases): who took which action,
    from which state to which, when, why, with which attachments. Each subclass adds its subject's key."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[int]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
