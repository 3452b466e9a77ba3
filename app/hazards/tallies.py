"""Hazard tallies: city and province statistics from counts instead of every hazard (issue #16).

A city can hold millions of hazards; its statistics page sums eight conditions over all of them. On
PostgreSQL a trigger on hazards (migration 0029) appends to hazard_tallies a row of +1 with a hazard's
new values and one of -1 with its old values whenever a value that statistics read changes — create,
transition, re-grade, new deadline, enterprise moved — so the tallies are right in the same transaction
as the hazard. Rows are only ever appended, so two requests writing hazards of the same county never
wait for each other; `compact` (job hazards.compact_tallies) folds them into one row per key.

`ledger.statistics` reads the tallies when they can answer exactly: PostgreSQL, no filter other than
region and industry, a scope no deeper than a county, periods in whole months. Anything else reads the
hazards as before; SQLite (the demo) always does.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.regions import service as regions

KEYS = (
    "region_path, region_l1, region_l2, region_l3, industry, found_on, grade, state, major_unconfirmed,"
    " deadline"
)


def available(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _depth(path: str | None) -> int:
    return len([c for c in (path or "").split("/") if c])


def _whole_months(start: date | None, end: date | None) -> bool:
    return (start is None or start.day == 1) and (end is None or (end + timedelta(days=1)).day == 1)


def can_answer(
    session: Session, user: Principal, by: str, f: Any, period: tuple[date | None, date | None]
) -> bool:
    """True when the tallies give exactly what the hazards would (see the module's docstring).

    By region the rows are the children of the chosen region, so that region must be a city or above
    (the tallies stop at the county)."""
    if not available(session) or by not in ("region", "industry", "month"):
        return False
    if any(v is not None for v in (f.state, f.grade, f.source, f.enterprise_id, f.overdue, f.unconfirmed)):
        return False
    if not (_whole_months(f.found_from, f.found_to) and _whole_months(*period)):
        return False
    if not user.is_admin and (user.role == "enterprise" or _depth(user.region_path) > 3):
        return False
    root = f.region or user.region_code
    if root is None:
        return True
    deepest = 2 if by == "region" else 3
    return _depth(regions.get_region(session, root).path) <= deepest


def compact(session: Session) -> dict[str, int]:
    """Fold the appended rows into one per key; keys that net to nothing go. Rows appended while this
    runs are not seen by its DELETE and stay as they are."""
    before = session.scalar(text("SELECT count(*) FROM hazard_tallies")) or 0
    session.execute(
        text(
            f"WITH gone AS (DELETE FROM hazard_tallies RETURNING {KEYS}, n, funds) "
            f"INSERT INTO hazard_tallies ({KEYS}, n, funds) "
            f"SELECT {KEYS}, sum(n), sum(funds) FROM gone GROUP BY {KEYS} "
            "HAVING sum(n) <> 0 OR sum(funds) <> 0"
        )
    )
    after = session.scalar(text("SELECT count(*) FROM hazard_tallies")) or 0
    return {"rows_before": int(before), "rows_after": int(after)}


# The tallies counted from the hazards (the expressions of the trigger in migration 0029), for a bulk
# load that ran with the trigger disabled (benchmarks/bench_hazard_lists.py).
_STATE = "CASE h.state WHEN 'closed' THEN 'closed' WHEN 'withdrawn' THEN 'withdrawn' ELSE 'open' END"
FROM_HAZARDS = (
    "SELECT CASE WHEN h.region_path IS NOT NULL THEN array_to_string((string_to_array(rtrim(h.region_path,"
    " '/'), '/'))[1:3], '/') || '/' END, h.region_l1, h.region_l2, h.region_l3, h.industry,"
    f" date_trunc('month', h.found_on)::date, h.grade, {_STATE},"
    f" ({_STATE}) = 'open' AND h.major_unconfirmed, CASE WHEN ({_STATE}) = 'open' THEN h.deadline END,"
    " count(*), coalesce(sum(h.funds), 0) FROM hazards h GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
)
