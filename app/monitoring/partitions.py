"""Monthly partitions of monitoring_readings on PostgreSQL: made ahead, dropped past retention (never
inside the legal minimum). On SQLite the same retention deletes old rows from the plain table."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from app.monitoring.models import Reading
from app.monitoring.settings import effective_retention_days, get_monitoring_settings
from app.timeutil import utcnow

PREFIX = "monitoring_readings_p"


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    y, m = divmod(year * 12 + month - 1 + months, 12)
    return y, m + 1


def name_for(year: int, month: int) -> str:
    return f"{PREFIX}{year:04d}{month:02d}"


def _create(session: Session, year: int, month: int) -> bool:
    name = name_for(year, month)
    if session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
        return False
    ny, nm = _shift(year, month, 1)
    session.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF monitoring_readings FOR VALUES FROM "
            f"('{year:04d}-{month:02d}-01 00:00:00+00') TO ('{ny:04d}-{nm:02d}-01 00:00:00+00')"
        )
    )
    return True


# (database URL, partition) seen to exist by this process, so a batch into a known month costs no look-up.
# Only partitions found already there are remembered (one made by a transaction that then rolls back is
# not). Partitions are dropped only past retention, where ingest refuses readings anyway; maintain()
# forgets them all.
_known: set[tuple[str, str]] = set()


def ensure_for(session: Session, times: Iterable[datetime]) -> None:
    """Make sure the partitions for these (UTC) times exist: one cheap look-up for the months of the batch
    this process has not seen yet."""
    db = str(session.get_bind().engine.url)
    times = list(times)
    if not times:
        return
    # The months from the earliest to the latest time (a batch spans one or two): two conversions, not one
    # per reading.
    lo, hi = min(times).astimezone(UTC), max(times).astimezone(UTC)
    months = set()
    y, m = lo.year, lo.month
    while (y, m) <= (hi.year, hi.month):
        months.add((y, m))
        y, m = _shift(y, m, 1)
    unknown = {name_for(y, m): (y, m) for y, m in months if (db, name_for(y, m)) not in _known}
    if not unknown:
        return
    missing = set(
        session.execute(
            text("SELECT n FROM unnest(CAST(:n AS text[])) AS n WHERE to_regclass(n) IS NULL"),
            {"n": list(unknown)},
        ).scalars()
    )
    for name, (y, m) in unknown.items():
        if name in missing:
            _create(session, y, m)
        else:
            _known.add((db, name))


def existing(session: Session) -> list[str]:
    return list(
        session.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'monitoring_readings' "
                "ORDER BY c.relname"
            )
        ).scalars()
    )


def maintain(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Create this month's and `partitions_ahead` months' partitions; drop partitions whose whole month
    ended before the retention horizon. Retention is max(configured, legal minimum)."""
    now = (now or utcnow()).astimezone(UTC)
    _known.clear()
    retention = effective_retention_days()
    horizon = now - timedelta(days=retention)
    if session.get_bind().dialect.name != "postgresql":
        res = session.execute(delete(Reading).where(Reading.ts < horizon))
        return {"retention_days": retention, "deleted_rows": int(res.rowcount or 0)}  # type: ignore[attr-defined]
    created = []
    for shift in range(0, get_monitoring_settings().partitions_ahead + 1):
        y, m = _shift(now.year, now.month, shift)
        if _create(session, y, m):
            created.append(name_for(y, m))
    dropped = []
    for name in existing(session):
        suffix = name.removeprefix(PREFIX)
        if len(suffix) != 6 or not suffix.isdigit():
            continue
        ny, nm = _shift(int(suffix[:4]), int(suffix[4:]), 1)
        month_end = datetime(ny, nm, 1, tzinfo=UTC)
        # Every row of the partition is older than the horizon: it may go.
        if month_end <= horizon:
            session.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    return {"retention_days": retention, "created": created, "dropped": dropped}
