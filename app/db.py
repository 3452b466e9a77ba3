"""Engine, sessions and the declarative Base shared by every domain."""

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
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
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
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


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
