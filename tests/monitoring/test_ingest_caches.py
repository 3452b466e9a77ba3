"""The ingest fast path: what it remembers per process (device tokens, an enterprise's points) never
outlives a change that matters; the body parsed from bytes is refused as before; a point's readings go
with the point now that readings carry no foreign key (0028)."""

from datetime import UTC, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.monitoring import service
from app.monitoring.models import Alarm, DeviceToken, MonitoringPoint, Reading
from app.timeutil import utcnow
from tests.monitoring.conftest import World, device_token, point_body


def _iso(seconds: float = 0.0) -> str:
    return (utcnow() + timedelta(seconds=seconds)).astimezone(UTC).isoformat()


def _post(client: TestClient, dev: dict[str, str], *readings: tuple[str, float, float]):  # type: ignore[no-untyped-def]
    body = {"readings": [{"tag": tag, "ts": _iso(s), "value": v} for tag, s, v in readings]}
    return client.post("/api/monitoring/ingest", json=body, headers=dev)


def _point(client: TestClient, w: World, tag: str = "TI-101") -> dict:  # type: ignore[type-arg]
    res = client.post("/api/monitoring/points", json=point_body(w.unit.id, tag=tag), headers=w.h)
    assert res.status_code == 201, res.text
    return res.json()  # type: ignore[no-any-return]


def test_a_changed_limit_a_new_point_and_a_deactivated_one_count_from_the_next_batch(
    db: Session, client: TestClient, world: World
):
    w = world
    point = _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    assert _post(client, dev, ("TI-101", -60, 30)).json()["alarms_opened"] == []  # below 高报 35

    # The 高报 limit lowered to 25: the same value now opens an alarm at once.
    patch = {"version": point["version"], "limit_h": 25}
    res = client.patch(f"/api/monitoring/points/{point['id']}", json=patch, headers=w.h)
    assert res.status_code == 200, res.text
    [alarm_id] = _post(client, dev, ("TI-101", -50, 30)).json()["alarms_opened"]
    alarm = db.get(Alarm, alarm_id)
    assert alarm is not None and (alarm.kind, alarm.limit_value) == ("h", 25)

    # A point made after the first batch is accepted by the next one.
    _point(client, w, tag="PI-201")
    assert _post(client, dev, ("PI-201", -40, 1)).status_code == 200

    # Deactivated in another worker (the row changed, nothing in this process told): refused next batch.
    db.execute(
        update(MonitoringPoint)
        .where(MonitoringPoint.tag == "PI-201")
        .values(is_active=False, version=MonitoringPoint.version + 1)
    )
    res = _post(client, dev, ("PI-201", -30, 1))
    assert res.status_code == 422 and res.json()["field"] == "readings[0].point"
    assert "PI-201" in res.json()["detail"]


def test_a_token_revoked_in_another_worker_stops_working_within_the_cache_time(
    db: Session, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
):
    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    assert _post(client, dev, ("TI-101", -60, 20)).status_code == 200
    # Revoked by another process: this one's cache does not hear of it...
    db.execute(update(DeviceToken).values(revoked_at=utcnow()))
    assert _post(client, dev, ("TI-101", -50, 20)).status_code == 200
    # ...until its entry is DEVICE_CACHE_SECONDS old.
    later = service.time.monotonic() + service.DEVICE_CACHE_SECONDS + 1
    monkeypatch.setattr(service.time, "monotonic", lambda: later)
    res = _post(client, dev, ("TI-101", -40, 20))
    assert res.status_code == 401 and "吊销" in res.json()["detail"]


def test_deleting_a_point_deletes_its_readings_and_no_other(db: Session, client: TestClient, world: World):
    w = world
    _point(client, w)
    _point(client, w, tag="PI-201")
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    res = _post(client, dev, ("TI-101", -20, 20), ("TI-101", -10, 21), ("PI-201", -10, 1))
    assert res.json()["stored"] == 3
    db.execute(delete(Alarm))
    db.execute(delete(MonitoringPoint).where(MonitoringPoint.tag == "TI-101"))
    left = db.execute(select(Reading.point_id, func.count()).group_by(Reading.point_id)).all()
    pi = db.scalar(select(MonitoringPoint.id).where(MonitoringPoint.tag == "PI-201"))
    assert left == [(pi, 1)]


def test_a_broken_or_wrong_body_is_refused_naming_the_field(client: TestClient, world: World):
    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h), "Content-Type": "application/json"}
    res = client.post("/api/monitoring/ingest", content=b'{"readings": [', headers=dev)
    assert res.status_code == 422 and res.json()["field"] == "body" and "JSON" in res.json()["detail"]
    no_ts = {"readings": [{"tag": "TI-101", "value": 1}]}
    res = client.post("/api/monitoring/ingest", json=no_ts, headers=dev)
    assert res.status_code == 422 and res.json()["field"] == "readings.0.ts"
    res = client.post("/api/monitoring/ingest", json={"readings": [], "extra": 1}, headers=dev)
    assert res.status_code == 422 and {f["field"] for f in res.json()["fields"]} == {"readings", "extra"}
