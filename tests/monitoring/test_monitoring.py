"""重大危险源 monitoring: points, device tokens, ingest, alarms through clearing, stale data, scope."""

from datetime import UTC, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.monitoring import alarms
from app.monitoring.models import Alarm, Reading
from app.notifications.models import Notification
from app.timeutil import advance, utcnow
from tests.factories import auth_headers
from tests.monitoring.conftest import World, device_token, point_body


def _iso(minutes: float = 0.0) -> str:
    return (utcnow() + timedelta(minutes=minutes)).astimezone(UTC).isoformat()


def _point(client: TestClient, w: World, **kw: object) -> dict:  # type: ignore[type-arg]
    res = client.post("/api/monitoring/points", json=point_body(w.unit.id, **kw), headers=w.h)
    assert res.status_code == 201, res.text
    return res.json()  # type: ignore[no-any-return]


def _notes(db: Session, kind: str, user_id: int) -> int:
    return int(
        db.scalar(select(func.count()).where(Notification.kind == kind, Notification.user_id == user_id)) or 0
    )


def test_a_reading_over_hh_runs_the_alarm_through_to_clearing(db: Session, client: TestClient, world: World):
    w = world
    point = _point(client, w)
    res = client.put(
        f"/api/monitoring/units/{w.unit.id}/responsibles",
        json={
            "main": {"name": "王总", "user_id": w.user.id},
            "technical": {"name": "李工", "phone": "13800000000"},
            "operation": {"name": "张班长"},
        },
        headers=w.h,
    )
    assert res.status_code == 200, res.text
    assert [r["name"] for r in res.json()["responsibles"]] == ["王总", "李工", "张班长"]
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}

    res = client.post(
        "/api/monitoring/ingest",
        json={
            "readings": [
                {"tag": "TI-101", "ts": _iso(-1), "value": 20.0},
                {"tag": "TI-101", "ts": _iso(), "value": 47.5},
            ]
        },
        headers=dev,
    )
    assert res.status_code == 200, res.text
    assert res.json()["stored"] == 2
    [alarm_id] = res.json()["alarms_opened"]
    alarm = client.get(f"/api/monitoring/alarms/{alarm_id}", headers=w.h).json()
    assert (alarm["kind"], alarm["state"], alarm["peak_value"], alarm["limit_value"]) == (
        "hh",
        "open",
        47.5,
        45,
    )
    assert _notes(db, "monitoring_alarm", w.user.id) == 1

    # The same reading again is ignored; a higher one raises the peak of the same alarm.
    res = client.post(
        "/api/monitoring/ingest",
        json={
            "readings": [
                {"tag": "TI-101", "ts": _iso(), "value": 47.5},
                {"tag": "TI-101", "ts": _iso(0.1), "value": 49},
            ]
        },
        headers=dev,
    )
    assert (res.json()["duplicates"], res.json()["alarms_opened"]) == (1, [])
    assert db.scalar(select(func.count()).select_from(Alarm)) == 1
    assert client.get(f"/api/monitoring/alarms/{alarm_id}", headers=w.h).json()["peak_value"] == 49

    # Nobody acknowledges within the limit: the 包保责任人 and the county's inspector are told, once.
    advance(timedelta(minutes=11))
    assert alarms.escalate_overdue(db) == {"escalated": 1}
    assert alarms.escalate_overdue(db) == {"escalated": 0}
    assert _notes(db, "monitoring_alarm_overdue", w.user.id) == 1
    assert _notes(db, "monitoring_alarm_overdue", w.inspector.id) == 1
    assert _notes(db, "monitoring_alarm_overdue", w.outsider.id) == 0

    version = client.get(f"/api/monitoring/alarms/{alarm_id}", headers=w.h).json()["version"]
    act = f"/api/monitoring/alarms/{alarm_id}/actions"
    # The inspector may read it but not act for the enterprise.
    ih = auth_headers(client, w.inspector)
    res = client.post(act, json={"action": "acknowledge", "version": version}, headers=ih)
    assert res.status_code == 403
    res = client.post(act, json={"action": "clear", "version": version}, headers=w.h)
    assert res.status_code == 409 and "消警" in res.json()["detail"]
    res = client.post(act, json={"action": "acknowledge", "version": version}, headers=w.h)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["state"] == "acknowledged" and body["acknowledged_late"] is True
    res = client.post(act, json={"action": "dispose", "version": body["version"]}, headers=w.h)
    assert res.status_code == 422 and res.json()["field"] == "note"
    res = client.post(
        act,
        json={"action": "dispose", "version": body["version"], "note": "打开喷淋降温，温度回落"},
        headers=w.h,
    )
    assert res.status_code == 200 and res.json()["state"] == "disposed"
    # Still above the limit: not yet cleared.
    res = client.post(act, json={"action": "clear", "version": res.json()["version"]}, headers=w.h)
    assert res.status_code == 409 and "恢复" in res.json()["detail"]
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"point_id": point["id"], "ts": _iso(), "value": 25}]},
        headers=dev,
    )
    version = client.get(f"/api/monitoring/alarms/{alarm_id}", headers=w.h).json()["version"]
    res = client.post(act, json={"action": "clear", "version": version}, headers=w.h)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["state"] == "cleared"
    assert [e["action"] for e in out["events"]] == ["open", "escalate", "acknowledge", "dispose", "clear"]
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "monitoring_alarm")))
    assert actions == {"acknowledge", "dispose", "clear"}
    # Cleared: a new excursion opens a new alarm.
    res = client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(0.2), "value": 50}]},
        headers=dev,
    )
    assert len(res.json()["alarms_opened"]) == 1


def test_a_silent_point_raises_one_stale_alarm_until_data_resumes(
    db: Session, client: TestClient, world: World
):
    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(), "value": 20}]},
        headers=dev,
    )
    advance(timedelta(seconds=14))
    assert alarms.raise_stale(db)["opened"] == 0  # within 3 × 5 s
    advance(timedelta(seconds=2))
    assert alarms.raise_stale(db)["opened"] == 1
    advance(timedelta(minutes=5))
    assert alarms.raise_stale(db)["opened"] == 0  # one open alarm per point and kind
    stale = db.scalars(select(Alarm).where(Alarm.kind == "stale")).one()
    assert stale.returned_at is None
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(), "value": 20}]},
        headers=dev,
    )
    db.refresh(stale)
    assert stale.returned_at is not None


def test_device_tokens_see_only_their_enterprises_points(db: Session, client: TestClient, world: World):
    w = world
    _point(client, w)
    oh = auth_headers(client, w.other_user)
    res = client.post("/api/monitoring/points", json=point_body(w.other_unit.id, tag="PI-9"), headers=oh)
    assert res.status_code == 201
    other_id = res.json()["id"]
    # An enterprise user cannot put a point on another enterprise's unit (not even see it).
    res = client.post("/api/monitoring/points", json=point_body(w.other_unit.id, tag="X"), headers=w.h)
    assert res.status_code == 404
    token = device_token(client, w.ent.id, w.h)
    dev = {"X-Device-Token": token}
    res = client.post(
        "/api/monitoring/ingest",
        json={
            "readings": [
                {"tag": "TI-101", "ts": _iso(), "value": 1},
                {"tag": "PI-9", "ts": _iso(), "value": 1},
            ]
        },
        headers=dev,
    )
    assert res.status_code == 422
    assert res.json()["field"] == "readings[1].point" and "PI-9" in res.json()["detail"]
    res = client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"point_id": other_id, "ts": _iso(), "value": 1}]},
        headers=dev,
    )
    assert res.status_code == 422 and str(other_id) in res.json()["detail"]
    assert db.scalar(select(func.count()).select_from(Reading)) == 0  # the whole batch refused
    # No token, a wrong one, a rotated-out one: 401.
    assert (
        client.post(
            "/api/monitoring/ingest", json={"readings": [{"tag": "TI-101", "ts": _iso(), "value": 1}]}
        ).status_code
        == 401
    )
    bad = {"X-Device-Token": "skd_nope"}
    assert (
        client.post(
            "/api/monitoring/ingest",
            json={"readings": [{"tag": "TI-101", "ts": _iso(), "value": 1}]},
            headers=bad,
        ).status_code
        == 401
    )
    new = device_token(client, w.ent.id, w.h, rotate=True)
    body = {"readings": [{"tag": "TI-101", "ts": _iso(), "value": 1}]}
    assert client.post("/api/monitoring/ingest", json=body, headers=dev).status_code == 401
    assert (
        client.post("/api/monitoring/ingest", json=body, headers={"X-Device-Token": new}).status_code == 200
    )
    # Another enterprise cannot issue tokens for this one.
    res = client.post(f"/api/monitoring/enterprises/{w.ent.id}/device-tokens", json={}, headers=oh)
    assert res.status_code == 404
    tokens = client.get(f"/api/monitoring/enterprises/{w.ent.id}/device-tokens", headers=w.h).json()
    assert [t["revoked_at"] is None for t in tokens] == [False, True]
    assert all("token" not in t for t in tokens)


def test_csv_batches_and_refusals_name_the_line(db: Session, client: TestClient, world: World):
    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h), "Content-Type": "text/csv"}
    csv_ok = f"tag,ts,value\nTI-101,{_iso(-0.2)},21.5\nTI-101,{_iso()},22\n"
    res = client.post("/api/monitoring/ingest.csv", content=csv_ok, headers=dev)
    assert res.status_code == 200 and res.json()["stored"] == 2
    res = client.post("/api/monitoring/ingest.csv", content=csv_ok, headers=dev)
    assert res.json()["duplicates"] == 2  # idempotent
    res = client.post(
        "/api/monitoring/ingest.csv", content=f"tag,ts,value\nTI-101,{_iso()},abc\n", headers=dev
    )
    assert res.status_code == 422 and res.json()["field"] == "line 2.value"
    res = client.post(
        "/api/monitoring/ingest.csv", content="tag,ts,value\nTI-101,2026-03-02T10:00:00,1\n", headers=dev
    )
    assert res.status_code == 422 and "时区" in res.json()["detail"]
    res = client.post(
        "/api/monitoring/ingest.csv", content=f"tag,ts,value\nTI-101,{_iso(60 * 24)},1\n", headers=dev
    )
    assert res.status_code == 422 and res.json()["field"] == "readings[0].ts"
    res = client.post("/api/monitoring/ingest.csv", content="a,b\n", headers=dev)
    assert res.status_code == 422 and res.json()["field"] == "body"


def test_points_validate_limits_and_follow_the_scoping_rule(db: Session, client: TestClient, world: World):
    w = world
    res = client.post("/api/monitoring/points", json=point_body(w.unit.id, limit_hh=30), headers=w.h)
    assert res.status_code == 422 and res.json()["field"] == "limit_hh"
    res = client.post(
        "/api/monitoring/points",
        json=point_body(w.unit.id, limit_l=None, limit_h=None, limit_hh=None),
        headers=w.h,
    )
    assert res.status_code == 422 and res.json()["field"] == "limit_h"
    point = _point(client, w)
    res = client.post("/api/monitoring/points", json=point_body(w.unit.id), headers=w.h)
    assert res.status_code == 409 and res.json()["field"] == "tag"
    pid = point["id"]
    ih, oh = auth_headers(client, w.inspector), auth_headers(client, w.outsider)
    assert client.get(f"/api/monitoring/points/{pid}", headers=ih).status_code == 200
    assert client.get(f"/api/monitoring/points/{pid}", headers=oh).status_code == 404
    assert (
        client.get(f"/api/monitoring/points/{pid}", headers=auth_headers(client, w.other_user)).status_code
        == 404
    )
    assert [p["id"] for p in client.get("/api/monitoring/points", headers=oh).json()] == []
    assert client.get(f"/api/monitoring/units/{w.unit.id}/responsibles", headers=oh).status_code == 404
    # The inspector reads but does not edit.
    res = client.patch(
        f"/api/monitoring/points/{pid}", json={"version": point["version"], "limit_h": 40}, headers=ih
    )
    assert res.status_code == 403
    res = client.patch(
        f"/api/monitoring/points/{pid}", json={"version": point["version"], "limit_h": 40}, headers=w.h
    )
    assert res.status_code == 200 and res.json()["limit_h"] == 40
    res = client.patch(
        f"/api/monitoring/points/{pid}", json={"version": point["version"], "limit_h": 41}, headers=w.h
    )
    assert res.status_code == 409
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(-m), "value": 20 + m} for m in range(5)]},
        headers=dev,
    )
    listed = client.get("/api/monitoring/points", headers=ih).json()
    assert listed[0]["last_value"] == 20.0
    hist = client.get(f"/api/monitoring/points/{pid}/readings", headers=ih).json()
    assert [r["value"] for r in hist["readings"]] == [24, 23, 22, 21, 20]
    assert client.get(f"/api/monitoring/points/{pid}/readings", headers=oh).status_code == 404


def test_the_history_chart_draws_the_readings_and_the_limits(db: Session, client: TestClient, world: World):
    w = world
    pid = _point(client, w)["id"]
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(-m), "value": 20 + m % 7} for m in range(120)]},
        headers=dev,
    )
    res = client.get(f"/api/monitoring/points/{pid}/chart.svg", headers=w.h)
    assert res.status_code == 200 and res.headers["content-type"].startswith("image/svg+xml")
    assert "<polyline" in res.text and "高高 45" in res.text and "TI-101" in res.text
    empty = client.get(f"/api/monitoring/points/{pid}/chart.svg?hours=1", headers=w.h)
    assert "<polyline" in empty.text  # the last hour has 60 of them
    assert client.get(f"/api/monitoring/points/{pid}/chart.svg?hours=0", headers=w.h).status_code == 422


def test_the_board_shows_live_values_and_open_alarms_in_scope(db: Session, client: TestClient, world: World):
    from tests.web.factories import sign_in

    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": _iso(), "value": 46.25}]},
        headers=dev,
    )
    client.headers.pop("Authorization", None)
    page = sign_in(client, w.inspector.username).get("/monitoring")
    assert page.status_code == 200
    assert "46.25 °C" in page.text and "高高报" in page.text and 'data-auto-refresh="' in page.text
    assert "2026-03-02 10:00" in page.text  # shown in Asia/Shanghai
    other = sign_in(client, w.outsider.username).get("/monitoring")
    assert "TI-101" not in other.text and "没有未消警的报警" in other.text


def test_a_tag_with_a_control_character_is_refused_and_spaces_are_trimmed(
    db: Session, client: TestClient, world: World
):
    w = world
    _point(client, w)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    res = client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-\x01101", "ts": _iso(), "value": 1}]},
        headers=dev,
    )
    assert res.status_code == 422 and res.json()["field"] == "readings.0.tag"
    res = client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": " TI-101 ", "ts": _iso(), "value": 1}]},
        headers=dev,
    )
    assert res.status_code == 200 and res.json()["stored"] == 1
