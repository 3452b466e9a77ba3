"""The audit log: every state change writes one append-only row in the same transaction."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import Principal
from app.db import SelectT


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """JSON-safe dict of some attributes, for the before/after columns."""
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    enterprise_id: int | None = None,
    region_path: str | None = None,
    note: str | None = None,
) -> AuditEntry:
    row = entry(
        actor,
        action,
        entity,
        entity_id,
        before=before,
        after=after,
        enterprise_id=enterprise_id,
        region_path=region_path,
        note=note,
    )
    session.add(row)
    return row


def entry(
    actor: Principal,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    enterprise_id: int | None = None,
    region_path: str | None = None,
    note: str | None = None,
) -> AuditEntry:
    """The row record() adds, not yet added: for a write that inserts it in its own statement."""
    return AuditEntry(
        actor_id=actor.id or None,
        actor_name=actor.username,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        enterprise_id=enterprise_id,
        region_path=region_path,
        before=before,
        after=after,
        note=note,
    )


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk form for imports: rows carry the same keys as record()'s arguments."""
    if rows:
        session.execute(insert(AuditEntry), rows)


def readable(stmt: SelectT, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(AuditEntry.enterprise_id == user.enterprise_id)
    # Rows about an enterprise follow the enterprise rule (region subtree and the inspector's
    # industries); rows about a region alone (e.g. public tips without an enterprise) the region path.
    from app.enterprises import service as enterprises  # imports this module
    from app.enterprises.models import Enterprise

    readable_enterprises = enterprises.readable(select(Enterprise.id), user)
    return stmt.where(
        or_(
            AuditEntry.enterprise_id.in_(readable_enterprises),
            and_(AuditEntry.enterprise_id.is_(None), AuditEntry.region_path.like(f"{user.region_path}%")),
            AuditEntry.actor_id == user.id,
        )
    )


def list_entries(
    session: Session,
    user: Principal,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    stmt = readable(select(AuditEntry), user)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
