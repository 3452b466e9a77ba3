"""Issue #15: the 公告 (public 挂牌督办 announcements: page, JSON feed, RSS) are in date order, newest first,
whatever order they were recorded in, and the page says so; paging with before_id follows that order."""

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.supervision.models import Announcement
from tests.factories import auth_headers
from tests.supervision.factories import make_hazard, make_world
from tests.supervision.test_workflow import _list, _ok


def seed_dated(db: Session, client: TestClient, days: list[date]) -> list[int]:
    """One listing per day given, recorded in that order (ids ascending), published on that day."""
    w = make_world(db)
    county = auth_headers(client, w.county)
    for _ in days:
        _ok(_list(client, county, make_hazard(db, w.ent).id), 201)
    rows = db.scalars(select(Announcement).order_by(Announcement.id)).all()
    assert len(rows) == len(days)
    for row, day in zip(rows, days, strict=True):
        row.published_on = day
    db.commit()
    return [r.id for r in rows]


def test_announcements_newest_first_on_page_feed_and_rss(db: Session, client: TestClient) -> None:
    by_id = seed_dated(db, client, [date(2026, 1, 5), date(2026, 3, 1), date(2025, 12, 20), date(2026, 3, 1)])
    newest_first = ["2026-03-01", "2026-03-01", "2026-01-05", "2025-12-20"]

    page = client.get("/public/announcements").text
    assert "按发布日期排列，最新的在前" in page
    assert re.findall(r'<td data-label="日期">([\d-]+)</td>', page) == newest_first

    feed = client.get("/api/public/announcements").json()
    assert [a["published_on"] for a in feed] == newest_first
    # Two on one day: the later recorded first.
    assert feed[0]["id"] > feed[1]["id"]
    # Paging goes on in the same order, without repeating or skipping any.
    first = client.get("/api/public/announcements", params={"limit": 2}).json()
    rest = client.get("/api/public/announcements", params={"limit": 2, "before_id": first[-1]["id"]}).json()
    assert [a["id"] for a in first + rest] == [a["id"] for a in feed]
    assert sorted(a["id"] for a in feed) == sorted(by_id)

    rss = client.get("/public/announcements.rss").text
    days = re.findall(r"<pubDate>\w+, (\d+) (\w+) (\d+)", rss)
    assert days == [
        ("01", "Mar", "2026"),
        ("01", "Mar", "2026"),
        ("05", "Jan", "2026"),
        ("20", "Dec", "2025"),
    ]
    assert db.scalar(select(Announcement.id).order_by(Announcement.id)) == min(by_id)
