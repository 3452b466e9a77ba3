"""Partitions made ahead and dropped past retention (never inside the legal minimum); 承诺公告."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.monitoring import jobs, partitions
from app.monitoring.models import Reading
from app.monitoring.settings import get_monitoring_settings, legal_minimum_days
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, freeze, utcnow
from tests.factories import auth_headers
from tests.monitoring.conftest import World, device_token, make_unit, point_body


def test_the_legal_minimum_comes_from_the_rule_file() -> None:
    assert legal_minimum_days() == 30


def test_partitions_are_made_ahead_and_dropped_only_past_retention(
    db: Session, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_monitoring_settings()
    monkeypatch.setattr(settings, "retention_days", 1)  # below the legal minimum: 30 days apply
    monkeypatch.setattr(settings, "partitions_ahead", 2)
    w = world
    client.post("/api/monitoring/points", json=point_body(w.unit.id), headers=w.h)
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    # A reading on 2 March 2026.
    res = client.post(
        "/api/monitoring/ingest",
        json={"readings": [{"tag": "TI-101", "ts": utcnow().isoformat(), "value": 20}]},
        headers=dev,
    )
    assert res.status_code == 200
    pg = db.get_bind().dialect.name == "postgresql"
    out = partitions.maintain(db)
    assert out["retention_days"] == 30
    if pg:
        names = set(partitions.existing(db))
        assert {
            "monitoring_readings_p202603",
            "monitoring_readings_p202604",
            "monitoring_readings_p202605",
        } <= names
    # 31 March: the reading is 29 days old — inside the legal minimum, kept whatever the setting.
    freeze(datetime(2026, 3, 31, 10, tzinfo=SHANGHAI))
    partitions.maintain(db)
    assert db.scalar(select(func.count()).select_from(Reading)) == 1
    # 30 April: some of March is younger than 30 days, so its partition stays (SQLite deletes by row).
    freeze(datetime(2026, 4, 30, 12, tzinfo=SHANGHAI))
    partitions.maintain(db)
    if pg:
        assert "monitoring_readings_p202603" in partitions.existing(db)
    # 2 May (UTC): every March row is more than 30 days old — dropped.
    freeze(datetime(2026, 5, 2, 12, tzinfo=UTC))
    out = partitions.maintain(db)
    assert db.scalar(select(func.count()).select_from(Reading)) == 0
    if pg:
        assert out["dropped"] == ["monitoring_readings_p202603"]
        assert "monitoring_readings_p202607" in partitions.existing(db)
    # A longer configured retention keeps more.
    monkeypatch.setattr(settings, "retention_days", 365)
    assert partitions.maintain(db)["retention_days"] == 365


def _commitment(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "units_running": 1,
        "units_stopped": 0,
        "special_work": {"hot_work": 2, "confined_space": 1},
        "normal_operation": True,
        "risk_summary": "各重大危险源运行正常，安全风险可控。",
        "signed_by": "王总",
    }
    body.update(kw)
    return body


def test_the_daily_commitment_is_filed_once_shown_publicly_and_missing_ones_flagged(
    db: Session, client: TestClient, world: World
) -> None:
    w = world
    ih = auth_headers(client, w.inspector)
    assert client.post("/api/monitoring/commitments", json=_commitment(), headers=ih).status_code == 403
    res = client.post("/api/monitoring/commitments", json=_commitment(units_running=2), headers=w.h)
    assert res.status_code == 422 and res.json()["field"] == "units_running"
    client.put(
        f"/api/monitoring/units/{w.unit.id}/responsibles",
        json={"main": {"name": "王总"}, "technical": {"name": "李工"}, "operation": {"name": "张班长"}},
        headers=w.h,
    )
    res = client.post("/api/monitoring/commitments", json=_commitment(signed_by="路人"), headers=w.h)
    assert res.status_code == 422 and res.json()["field"] == "signed_by"
    res = client.post("/api/monitoring/commitments", json=_commitment(), headers=w.h)
    assert res.status_code == 201, res.text
    assert res.json()["day"] == "2026-03-02" and res.json()["special_work"]["hot_work"] == 2
    res = client.post("/api/monitoring/commitments", json=_commitment(), headers=w.h)
    assert res.status_code == 409 and res.json()["field"] == "day"
    # The public board, without signing in.
    public = client.get(f"/api/public/monitoring/enterprises/{w.ent.id}/commitment").json()
    assert public["filed_today"] is True and public["commitment"]["signed_by"] == "王总"
    page = client.get(f"/public/monitoring/enterprises/{w.ent.id}/commitment")
    assert page.status_code == 200 and "安全风险研判与承诺公告" in page.text and "动火作业 2 处" in page.text
    other = client.get(f"/public/monitoring/enterprises/{w.other_ent.id}/commitment")
    assert other.status_code == 200 and "尚未发布" in other.text
    # Inspector of the county sees this enterprise's commitments; the other county's does not.
    assert len(client.get("/api/monitoring/commitments", headers=ih).json()) == 1
    assert client.get("/api/monitoring/commitments", headers=auth_headers(client, w.outsider)).json() == []

    # Before the due hour nothing is flagged; after it, the other enterprise is (once), this one not.
    def run() -> dict[str, object]:
        return jobs.missing_commitment_job(
            db, RunContext("monitoring.missing_commitments", utcnow(), run_id=1)
        )

    freeze(datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI))
    assert run()["checked"] is False
    freeze(datetime(2026, 3, 2, 9, 5, tzinfo=SHANGHAI))
    assert run()["missing"] == 1
    run()
    kind = "monitoring_commitment_missing"
    recipients = set(db.scalars(select(Notification.user_id).where(Notification.kind == kind)))
    assert recipients == {w.other_user.id, w.outsider.id}
    assert (
        db.scalar(
            select(func.count()).where(Notification.kind == kind, Notification.user_id == w.other_user.id)
        )
        == 1
    )


def test_units_that_are_not_major_take_no_points(db: Session, client: TestClient, world: World) -> None:
    unit = make_unit(db, world.ent, major=False)
    res = client.post("/api/monitoring/points", json=point_body(unit.id), headers=world.h)
    assert res.status_code == 422 and res.json()["field"] == "unit_id"
