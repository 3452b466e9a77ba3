"""Boards, counts per region and level, the overdue job, and the public 公告 (no personal data)."""

from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.supervision import service
from app.supervision.jobs import overdue_check
from app.supervision.models import SupervisionCase
from app.timeutil import SHANGHAI, freeze
from tests.factories import auth_headers, principal
from tests.supervision.factories import make_hazard, make_world
from tests.supervision.test_workflow import CASES, _list, _ok


def _seed(db: Session, client: TestClient) -> Any:
    w = make_world(db)
    county, city = auth_headers(client, w.county), auth_headers(client, w.city)
    soon = _ok(_list(client, county, make_hazard(db, w.ent).id, deadline="2026-03-09"), 201)
    later = _ok(_list(client, city, make_hazard(db, w.ent).id, deadline="2026-09-30"), 201)
    other = _ok(_list(client, auth_headers(client, w.county2), make_hazard(db, w.other_ent).id), 201)
    return w, soon, later, other


def test_boards_by_role(db: Session, client: TestClient) -> None:
    w, soon, later, other = _seed(db, client)
    board = _ok(client.get("/api/supervision/board", headers=auth_headers(client, w.city)))
    assert board["open"] == 3 and board["by_state"]["listed"]["count"] == 3
    assert [c["id"] for c in board["due_soon"]["items"]] == [soon["id"]]
    assert board["overdue"]["total"] == 0

    county_board = _ok(client.get("/api/supervision/board", headers=auth_headers(client, w.county)))
    assert county_board["open"] == 2  # its own subtree only: not 甲二区's case

    town = _ok(client.get("/api/supervision/board", headers=auth_headers(client, w.township)))
    assert town["read_only"] and town["open"] == 2
    detail = _ok(client.get(f"{CASES}/{soon['id']}", headers=auth_headers(client, w.township)))
    assert detail["allowed_actions"] == []

    stats = _ok(client.get("/api/supervision/stats?region=139100", headers=auth_headers(client, w.city)))
    rows = {r["region_code"]: r for r in stats["rows"]}
    assert rows["139101"]["county"] == 1 and rows["139101"]["city"] == 1 and rows["139101"]["total"] == 2
    assert rows["139102"]["total"] == 1
    # Outside the caller's region: unknown.
    assert (
        client.get("/api/supervision/stats?region=139200", headers=auth_headers(client, w.city)).status_code
        == 404
    )

    # After the deadline: the overdue list, and the daily job marks and suggests 提级 once.
    freeze(datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI))
    board = _ok(client.get("/api/supervision/board", headers=auth_headers(client, w.city)))
    assert [c["id"] for c in board["overdue"]["items"]] == [soon["id"]]
    ctx = type("Ctx", (), {"actor": SYSTEM, "local_date": date(2026, 3, 31)})()
    assert overdue_check(db, ctx) == {"marked_overdue": 1, "escalation_suggested": 1}
    assert overdue_check(db, ctx) == {"marked_overdue": 0, "escalation_suggested": 0}
    case = db.get_one(SupervisionCase, soon["id"])
    assert case.overdue_since == date(2026, 3, 10) and case.escalation_suggested
    # 2026-10-05: "later" (due 09-30) is just overdue: 10 working days after 09-30 run past 国庆 to
    # 10-20, so it is marked without a suggestion; "other" (due 06-30) gets one.
    freeze(datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI))
    assert service.mark_overdue(db, SYSTEM) == {"marked_overdue": 2, "escalation_suggested": 1}
    assert not db.get_one(SupervisionCase, later["id"]).escalation_suggested
    assert db.get_one(SupervisionCase, other["id"]).escalation_suggested


def test_public_feed_has_no_personal_data(db: Session, client: TestClient) -> None:
    w, soon, later, other = _seed(db, client)
    feed = _ok(client.get("/api/public/announcements"))  # no login
    assert len(feed) == 3 and {a["kind"] for a in feed} == {"listing"}
    allowed = {
        "id", "kind", "kind_label", "published_on", "enterprise_name", "summary", "level", "level_label",
        "region_code", "region_name", "notice_number",
    }  # fmt: skip
    assert all(set(a) == allowed for a in feed)
    text = str(feed)
    for user in (w.county, w.city, w.ent_user):
        assert user.display_name not in text and user.username not in text

    # Filter by region subtree.
    mine = _ok(client.get("/api/public/announcements?region=139101"))
    assert {a["enterprise_name"] for a in mine} == {"甲一化工有限公司"}
    assert _ok(client.get("/api/public/announcements?region=139200")) == []
    assert client.get("/api/public/announcements?region=999999").status_code == 422

    page = client.get("/public/announcements?region=139100")
    assert page.status_code == 200 and "甲二机械有限公司" in page.text and "王某" not in page.text
    rss = client.get("/public/announcements.rss")
    assert rss.status_code == 200 and rss.headers["content-type"].startswith("application/rss+xml")
    assert rss.text.count("<item>") == 3 and "王某" not in rss.text and "李某" not in rss.text


def test_unknown_or_foreign_case_is_404(db: Session, client: TestClient) -> None:
    w, soon, later, other = _seed(db, client)
    ent = auth_headers(client, w.ent_user)
    assert client.get(f"{CASES}/{other['id']}", headers=ent).status_code == 404
    assert client.get(f"/supervision/cases/{other['id']}/notice", headers=ent).status_code == 404
    assert client.get(f"{CASES}/999999", headers=ent).status_code == 404
    listed = _ok(client.get(CASES, headers=ent))
    assert {c["id"] for c in listed} == {soon["id"], later["id"]}
    assert principal(db, w.ent_user).enterprise_id == w.ent.id
