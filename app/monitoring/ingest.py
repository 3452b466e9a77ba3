"""The ingest hot path: one batch of readings = one INSERT … ON CONFLICT DO NOTHING (unnest arrays on
PostgreSQL), alarm evaluation on the rows actually inserted, and a handful of queries more only when a
batch crosses a limit. No ORM object per reading."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import BadInput
from app.monitoring import partitions
from app.monitoring.models import Alarm, AlarmEvent, MonitoringPoint, Reading
from app.monitoring.settings import effective_retention_days, get_monitoring_settings
from app.timeutil import utcnow


@dataclass(frozen=True)
class RawReading:
    """One reading as received: the point by tag or id, a UTC-aware time, a value."""

    tag: str | None
    point_id: int | None
    ts: datetime
    value: float


@dataclass(frozen=True)
class _Limits:
    id: int
    unit_id: int
    ll: float | None
    l: float | None  # noqa: E741
    h: float | None
    hh: float | None
    interval: int
    # Strictly between these a value crosses no limit (the fast path of evaluate).
    normal_lo: float = -math.inf
    normal_hi: float = math.inf


def classify(p: _Limits | MonitoringPoint, value: float) -> tuple[str, float] | None:
    """The most severe limit a value crosses: (kind, limit), or None within limits."""
    hh, h, lo, ll = (
        (p.hh, p.h, p.l, p.ll) if isinstance(p, _Limits) else (p.limit_hh, p.limit_h, p.limit_l, p.limit_ll)
    )
    if hh is not None and value >= hh:
        return "hh", hh
    if ll is not None and value <= ll:
        return "ll", ll
    if h is not None and value >= h:
        return "h", h
    if lo is not None and value <= lo:
        return "l", lo
    return None


def _beyond(kind: str, limit: float | None, value: float) -> bool:
    if limit is None:
        return False
    return value >= limit if kind in ("hh", "h") else value <= limit


def ack_minutes(kind: str) -> int:
    s = get_monitoring_settings()
    return s.ack_minutes_hh if kind in ("hh", "ll") else s.ack_minutes_other


# Per process: each enterprise's active points, keyed by (database URL, enterprise), with the stamp they were
# read under. Every batch reads the stamp again (one aggregate over the enterprise's points, no rows sent)
# and reloads the points only when it changed, so a new, changed or deactivated point counts from the next
# batch in every worker. ORM updates of a point bump its version and updated_at (models.py).
_point_cache: dict[tuple[str, int], tuple[tuple[Any, ...], dict[Any, _Limits]]] = {}
POINT_CACHE_ENTERPRISES = 1_000


def _points(session: Session, enterprise_id: int) -> dict[Any, _Limits]:
    """The enterprise's active points by ("tag", tag) and ("id", id)."""
    stamp = tuple(
        session.connection()
        .execute(  # Core, not the ORM: this runs on every batch
            select(
                func.count(),
                func.sum(MonitoringPoint.version),
                func.max(MonitoringPoint.id),
                func.max(MonitoringPoint.updated_at),
            ).where(MonitoringPoint.enterprise_id == enterprise_id)
        )
        .one()
    )
    key = (str(session.get_bind().engine.url), enterprise_id)
    hit = _point_cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    found: dict[Any, _Limits] = {}
    rows = session.execute(
        select(
            MonitoringPoint.id,
            MonitoringPoint.tag,
            MonitoringPoint.unit_id,
            MonitoringPoint.limit_ll,
            MonitoringPoint.limit_l,
            MonitoringPoint.limit_h,
            MonitoringPoint.limit_hh,
            MonitoringPoint.interval_seconds,
        ).where(MonitoringPoint.enterprise_id == enterprise_id, MonitoringPoint.is_active.is_(True))
    )
    for pid, tag, unit_id, ll, lo, h, hh, interval in rows:
        lows, highs = [x for x in (ll, lo) if x is not None], [x for x in (h, hh) if x is not None]
        lim = _Limits(
            pid, unit_id, ll, lo, h, hh, interval, max(lows, default=-math.inf), min(highs, default=math.inf)
        )
        found[("tag", tag)] = found[("id", pid)] = lim
    if len(_point_cache) >= POINT_CACHE_ENTERPRISES:
        _point_cache.clear()
    _point_cache[key] = (stamp, found)
    return found


def ingest(session: Session, enterprise_id: int, batch: Sequence[RawReading]) -> dict[str, Any]:
    """Store a batch for an enterprise's device; returns counts and the alarms opened.

    A reading naming a point that is not one of this enterprise's active points refuses the whole batch
    (422 naming the reading and the point), so a misconfigured gateway is noticed at once."""
    settings = get_monitoring_settings()
    if not batch:
        raise BadInput("readings：至少需要一条读数", field="readings")
    if len(batch) > settings.max_batch:
        raise BadInput(f"readings：一批最多 {settings.max_batch} 条读数", field="readings")
    now = utcnow()
    earliest = now - timedelta(days=effective_retention_days())
    latest = now + timedelta(seconds=settings.max_future_seconds)
    points = _points(session, enterprise_id)
    pids: list[int] = []
    tss: list[datetime] = []
    vals: list[float] = []
    lim_of: dict[int, _Limits] = {}
    for i, r in enumerate(batch):
        key = ("tag", r.tag) if r.tag is not None else ("id", r.point_id)
        lim = points.get(key)
        if lim is None:
            name = f"位号 {r.tag}" if r.tag is not None else f"编号 {r.point_id}"
            raise BadInput(
                f"readings[{i}]：测点{name}不是本企业在用的监测点，整批未接收", field=f"readings[{i}].point"
            )
        if not math.isfinite(r.value):
            raise BadInput(f"readings[{i}].value：应为有限数值", field=f"readings[{i}].value")
        if r.ts < earliest or r.ts > latest:
            raise BadInput(
                f"readings[{i}].ts：时间 {r.ts.isoformat()} 超出可接收范围（保存期内且不晚于当前时间"
                f" {settings.max_future_seconds} 秒）",
                field=f"readings[{i}].ts",
            )
        pids.append(lim.id)
        tss.append(r.ts)
        vals.append(r.value)
        lim_of[lim.id] = lim
    inserted = _insert(session, pids, tss, vals)
    opened = evaluate(session, enterprise_id, inserted, lim_of, now)
    return {
        "received": len(batch),
        "stored": len(inserted),
        "duplicates": len(batch) - len(inserted),
        "alarms_opened": opened,
    }


# One statement per batch on PostgreSQL, with binary parameters (%b: psycopg dumps a list as text in Python,
# element by element; in binary in C): the readings as three arrays, inserted
# ON CONFLICT DO NOTHING; back come the number inserted and, only when some were duplicates, which ones
# (1-based positions in the batch), rather than every inserted row.
_INSERT_PG = (
    "WITH u AS (SELECT * FROM unnest(%b::integer[], %b::timestamptz[], %b::double precision[])"
    " WITH ORDINALITY AS u (point_id, ts, value, n)),"
    " ins AS (INSERT INTO monitoring_readings (point_id, ts, value) SELECT point_id, ts, value FROM u"
    " ON CONFLICT DO NOTHING RETURNING point_id, ts)"
    " SELECT count(*), CASE WHEN count(*) < %b THEN (SELECT array_agg(n) FROM"
    " (SELECT min(u.n) AS n FROM ins JOIN u USING (point_id, ts) GROUP BY point_id, ts) AS firsts) END"
    " FROM ins"
)


def _insert(
    session: Session, pids: list[int], tss: list[datetime], vals: list[float]
) -> list[tuple[int, datetime, float]]:
    """Store the rows; returns those actually inserted (not already stored)."""
    rows = list(zip(pids, tss, vals, strict=True))
    if session.get_bind().dialect.name == "postgresql":
        partitions.ensure_for(session, tss)
        raw = session.connection().connection.driver_connection
        with raw.cursor(binary=True) as cur:  # type: ignore[union-attr]
            count, positions = cur.execute(_INSERT_PG, (pids, tss, vals, len(rows))).fetchone()
        if count == len(rows):
            return rows
        return [rows[n - 1] for n in sorted(positions or [])]
    stmt = (
        sqlite.insert(Reading)
        .values([{"point_id": p, "ts": t, "value": v} for p, t, v in rows])
        .on_conflict_do_nothing()
        .returning(Reading.point_id, Reading.ts, Reading.value)
    )
    return [(int(p), t, float(v)) for p, t, v in session.execute(stmt).all()]


def evaluate(
    session: Session,
    enterprise_id: int,
    rows: list[tuple[int, datetime, float]],
    limits: dict[int, _Limits],
    now: datetime,
) -> list[int]:
    """Open or extend alarms for the inserted rows; mark open alarms whose point is back to normal.

    Returns the ids of the alarms opened now."""
    if not rows:
        return []
    # (point, kind) -> [start ts, limit, peak value, peak ts]; one pass, in no particular order.
    crossings: dict[tuple[int, str], list[Any]] = {}
    last: dict[int, tuple[datetime, float]] = {}  # the point's newest reading of the batch
    for pid, ts, value in rows:
        prev = last.get(pid)
        if prev is None or ts > prev[0]:
            last[pid] = (ts, value)
        lim = limits[pid]
        if lim.normal_lo < value < lim.normal_hi:
            continue
        hit = classify(lim, value)
        if hit is None:
            continue
        kind, crossed = hit
        cur = crossings.get((pid, kind))
        if cur is None:
            crossings[(pid, kind)] = [ts, crossed, value, ts]
            continue
        cur[0] = min(cur[0], ts)
        worse = value > cur[2] if kind in ("hh", "h") else value < cur[2]
        if worse or (value == cur[2] and ts < cur[3]):  # the earliest of equal peaks, as in time order
            cur[2], cur[3] = value, ts
    # The enterprise's open alarms (few, on the (enterprise_id, state) index) rather than a look-up by
    # every point of the batch; those of points not in this batch are left alone.
    open_rows = [
        row
        for row in session.connection().execute(
            select(
                Alarm.id, Alarm.point_id, Alarm.kind, Alarm.limit_value, Alarm.peak_value, Alarm.returned_at
            ).where(Alarm.enterprise_id == enterprise_id, Alarm.state != "cleared")
        )
        if row[1] in last
    ]
    if not crossings and not open_rows:
        return []
    existing = {(p, k): (aid, peak) for aid, p, k, _limit, peak, _ret in open_rows}
    # Back to normal: the point's newest reading of this batch is within the alarm's limit again (a
    # stale alarm: data arrived). Crossing again takes the mark back.
    for _aid, pid, kind, limit, _peak, returned in open_rows:
        ts, value = last[pid]
        back = kind == "stale" or not _beyond(kind, limit, value)
        if back and returned is None:
            session.execute(update(Alarm).where(Alarm.id == _aid).values(returned_at=ts))
        elif not back and returned is not None:
            session.execute(update(Alarm).where(Alarm.id == _aid).values(returned_at=None))
    opened: list[int] = []
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for (pid, kind), (start, limit, peak, peak_at) in crossings.items():
        if (pid, kind) in existing:
            aid, old_peak = existing[(pid, kind)]
            more = old_peak is None or (peak > old_peak if kind in ("hh", "h") else peak < old_peak)
            if more:
                session.execute(update(Alarm).where(Alarm.id == aid).values(peak_value=peak, peak_at=peak_at))
            continue
        stmt = (
            insert_fn(Alarm)
            .values(
                point_id=pid,
                enterprise_id=enterprise_id,
                unit_id=limits[pid].unit_id,
                kind=kind,
                state="open",
                limit_value=limit,
                started_at=start,
                peak_value=peak,
                peak_at=peak_at,
                returned_at=None if _beyond(kind, limit, last[pid][1]) else last[pid][0],
                ack_due_at=start + timedelta(minutes=ack_minutes(kind)),
                acknowledged_late=False,
                version=1,
            )
            .on_conflict_do_nothing(
                index_elements=["point_id", "kind"], index_where=text("state <> 'cleared'")
            )
            .returning(Alarm.id)
        )
        new_id = session.execute(stmt).scalar()
        if new_id is not None:
            opened.append(int(new_id))
    if opened:
        from app.monitoring import alarms  # notification and history of new alarms

        session.execute(
            insert(AlarmEvent),
            [
                {
                    "alarm_id": aid,
                    "at": now,
                    "actor_name": "系统",
                    "action": "open",
                    "from_state": None,
                    "to_state": "open",
                    "attachments": [],
                }
                for aid in opened
            ],
        )
        alarms.notify_opened(session, opened)
    return opened
