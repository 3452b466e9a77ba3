"""A new hazard, its first event and its audit entry written by one statement on PostgreSQL.

Through the ORM this is INSERT hazard … RETURNING id, then the event and the audit row: three round
trips (five with the SAVEPOINT that caught a racing Idempotency-Key). Here the hazard INSERT is a CTE
whose RETURNING id feeds the two other INSERTs, and an Idempotency-Key already used is ON CONFLICT DO
NOTHING: nothing is written and no savepoint is needed. SQLite has no data-modifying CTEs, so there the
same three INSERTs run in turn (in-process calls, no round trips to save).

The values written are exactly the ORM's: columns set on the objects, Python-side column defaults
filled in here (and set on the objects, so the hazard is complete without being read back).
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.models import AuditEntry
from app.hazards.models import Hazard, HazardEvent


def apply_defaults(obj: Any) -> None:
    """Set the Python-side column defaults on a new object now (as a flush would), so that what is
    built from it before the insert (its event, its audit snapshot) sees them."""
    new_values(obj)


def new_values(obj: Any) -> dict[str, Any]:
    """Column values an ORM flush would insert for this new object (primary key left to the database).
    A column neither set nor defaulted is left out (SQL NULL, or its server default) as the ORM does."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        col = attr.columns[0]
        if col.primary_key:
            continue
        value = obj.__dict__.get(attr.key)
        if value is not None or (attr.key in obj.__dict__ and col.type.should_evaluate_none):
            out[col.key] = value
        elif col.default is not None and (col.default.is_scalar or col.default.is_callable):
            out[col.key] = col.default.arg(None) if col.default.is_callable else col.default.arg
            setattr(obj, attr.key, out[col.key])
    return out


def _known_nulls(obj: Any) -> None:
    """Columns left out of the insert without a server default are NULL: say so on the object, so that
    reading one does not load the row again."""
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key not in obj.__dict__ and attr.columns[0].server_default is None:
            set_committed_value(obj, attr.key, None)


@lru_cache(maxsize=64)
def _statements(postgres: bool, conflict: bool, keys: tuple[tuple[str, ...], ...]) -> tuple[Any, ...]:
    """The statement(s) for this set of columns, built once: bind parameters named h_<column> (hazard),
    e_<column> (event), a_<column> (audit entry); constructing them per request costs more than the
    round trips saved."""
    # Tables, not mapped classes: a plain Core INSERT, without the ORM's bulk-insert handling.
    hazards: Table = Hazard.__table__  # type: ignore[assignment]
    events: Table = HazardEvent.__table__  # type: ignore[assignment]
    entries: Table = AuditEntry.__table__  # type: ignore[assignment]
    hazard_keys, event_keys, entry_keys = keys

    def params(table: Any, prefix: str, names: tuple[str, ...]) -> list[Any]:
        return [bindparam(prefix + name, type_=table.c[name].type) for name in names]

    insert_hazard: Any = (postgresql.insert if postgres else sqlite.insert)(hazards).values(
        dict(zip(hazard_keys, params(hazards, "h_", hazard_keys), strict=True))
    )
    if conflict:
        insert_hazard = insert_hazard.on_conflict_do_nothing(index_elements=["created_by", "idempotency_key"])
    insert_hazard = insert_hazard.returning(hazards.c.id)
    if not postgres:
        return (
            insert_hazard,
            insert(events).values(
                dict(
                    zip(
                        ("hazard_id", *event_keys),
                        params(events, "e_", ("hazard_id", *event_keys)),
                        strict=True,
                    )
                )
            ),
            insert(entries).values(
                dict(
                    zip(
                        ("entity_id", *entry_keys),
                        params(entries, "a_", ("entity_id", *entry_keys)),
                        strict=True,
                    )
                )
            ),
        )
    new = insert_hazard.cte("new_hazard")
    event_insert = insert(events).from_select(
        ["hazard_id", *event_keys],
        select(
            new.c.id, *(p.label(k) for k, p in zip(event_keys, params(events, "e_", event_keys), strict=True))
        ),
    )
    entry_insert = insert(entries).from_select(
        ["entity_id", *entry_keys],
        select(
            cast(new.c.id, String),
            *(p.label(k) for k, p in zip(entry_keys, params(entries, "a_", entry_keys), strict=True)),
        ),
    )
    return (select(new.c.id).add_cte(event_insert.cte("new_event"), entry_insert.cte("new_audit")),)


def insert_created(session: Session, hazard: Hazard, event: HazardEvent, entry: AuditEntry) -> bool:
    """Write the three rows; False (nothing written) when the hazard's Idempotency-Key is already used.
    On success the hazard is in the session as if loaded, with its id."""
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = (
        new_values(hazard),
        {k: v for k, v in new_values(event).items() if k != "hazard_id"},
        {k: v for k, v in new_values(entry).items() if k != "entity_id"},
    )
    statements = _statements(postgres, hazard.idempotency_key is not None, tuple(tuple(r) for r in rows))
    params = {
        **{f"h_{k}": v for k, v in rows[0].items()},
        **{f"e_{k}": v for k, v in rows[1].items()},
        **{f"a_{k}": v for k, v in rows[2].items()},
    }
    if postgres:
        new_id = session.scalar(statements[0], params)
    else:
        new_id = session.scalar(statements[0], {k: v for k, v in params.items() if k.startswith("h_")})
        if new_id is not None:
            events = {k: v for k, v in params.items() if k.startswith("e_")}
            session.execute(statements[1], {**events, "e_hazard_id": new_id})
            entries = {k: v for k, v in params.items() if k.startswith("a_")}
            session.execute(statements[2], {**entries, "a_entity_id": str(new_id)})
    if new_id is None:
        return False
    hazard.id = new_id
    _known_nulls(hazard)
    make_transient_to_detached(hazard)
    session.add(hazard)
    return True
