"""What one create writes (hazard, its first event, its audit entry in one statement on PostgreSQL),
and an Idempotency-Key race answered without a savepoint."""

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.grading.models import EnterpriseLevel
from app.hazards import service
from app.hazards.models import Hazard, HazardEvent
from app.regions.models import Region


def _count(db, model, **where):
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.scalar(stmt)


def test_create_writes_the_hazard_its_event_and_its_audit_entry(world, db):
    created = world.create(photos=[world.photo()])
    hid = created["id"]
    assert created["state"] == "reported" and created["version"] == 1 and created["grade"] == "general"
    row = db.get(Hazard, hid)
    db.refresh(row)  # what the database holds, not the object the request built
    assert row.enterprise_id == world.ent.id and row.photo_ids == created["photo_ids"] != []
    assert row.created_by == world.users["worker"].id and row.created_at is not None
    path = db.scalar(select(Region.path).where(Region.code == world.ent.region_code))
    assert row.region_path == path and row.industry == "machinery"
    # Columns the create leaves empty are SQL NULL, as an ORM insert leaves them (not JSON null).
    assert db.scalar(select(Hazard.id).where(Hazard.id == hid, Hazard.plan.is_(None))) == hid
    event = db.scalars(select(HazardEvent).where(HazardEvent.hazard_id == hid)).one()
    assert (event.action, event.to_state, event.actor_name) == ("create", "reported", "李工")
    assert event.attachments == created["photo_ids"] and event.data == {"grade": "general"}
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "hazard", AuditEntry.entity_id == str(hid))
    ).one()
    assert entry.action == "create" and entry.enterprise_id == world.ent.id and entry.region_path == path
    assert entry.after["state"] == "reported" and entry.after["description"] == created["description"]
    # The same request's hazard can be changed at once (version counter starts at 1).
    world.act(hid, "withdraw", reason="重复登记", version=1)


def test_a_major_create_regrades_the_enterprise(world, db):
    created = world.create(grade="major", major_item="GM-3-1")
    current = db.scalars(
        select(EnterpriseLevel).where(
            EnterpriseLevel.enterprise_id == world.ent.id, EnterpriseLevel.is_current.is_(True)
        )
    ).one()
    assert current.level in ("orange", "red") and current.inputs["open_major_hazards"] == 1
    regrade = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "regrade", AuditEntry.entity_id == str(world.ent.id))
    ).one()
    path = db.scalar(select(Region.path).where(Region.code == world.ent.region_code))
    assert regrade.region_path == path
    assert world.get(created["id"])["major_item"] == "GM-3-1"


def test_a_racing_retry_with_the_same_key_gets_the_first_hazard(world, db, monkeypatch):
    key = {"Idempotency-Key": "race-1"}
    first = world.create(headers=key)
    real = service._by_key
    calls = []

    def late(session, user, k, digest):
        # The first look-up (before the insert) misses, as when both requests are in flight at once.
        calls.append(k)
        return None if len(calls) == 1 else real(session, user, k, digest)

    monkeypatch.setattr(service, "_by_key", late)
    again = world.create(headers=key, expect=200)
    assert again["id"] == first["id"] and len(calls) == 2
    calls.clear()
    assert world.create(headers=key, description="另一条", expect=409)["field"] == "Idempotency-Key"
    assert _count(db, Hazard) == 1
    assert _count(db, HazardEvent, hazard_id=first["id"]) == 1
    assert _count(db, AuditEntry, entity="hazard", action="create") == 1
