"""The 24 h chart is bucketed in SQL on PostgreSQL: it must draw what the plain Python bucketing draws."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.monitoring import chart
from app.monitoring.models import Reading
from app.timeutil import utcnow
from tests.monitoring.conftest import World, device_token, point_body


def test_the_chart_draws_the_same_min_and_max_per_bucket_as_python(
    db: Session, client: TestClient, world: World
):
    w = world
    res = client.post("/api/monitoring/points", json=point_body(w.unit.id), headers=w.h)
    pid = res.json()["id"]
    dev = {"X-Device-Token": device_token(client, w.ent.id, w.h)}
    now = utcnow()
    # Off the bucket edges (144 s each over 24 h), two or three readings a bucket, one spike over 高高.
    readings = [
        {"tag": "TI-101", "ts": (now - timedelta(seconds=60 * m + 7)).isoformat(), "value": 20 + m % 7}
        for m in range(300)
    ]
    readings[40]["value"] = 60
    assert client.post("/api/monitoring/ingest", json={"readings": readings}, headers=dev).status_code == 200

    svg = client.get(f"/api/monitoring/points/{pid}/chart.svg", headers=w.h).text
    since = now - timedelta(hours=24)
    rows = db.execute(select(Reading.ts, Reading.value).where(Reading.point_id == pid)).all()
    expected = chart.history_svg(
        "TI-101 1#液氯储罐温度 温度",
        "°C",
        since,
        now,
        chart.bucketize([(t, v) for t, v in rows], since, now),
        {"limit_hh": 45, "limit_h": 35, "limit_l": -5, "limit_ll": None},
    )
    assert svg == expected
    assert svg.count(",") > 200  # min and max of the buckets with readings, not an empty chart
