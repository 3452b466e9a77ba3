"""The enterprise page shows its accidents, plans and drills; the inspector's board lists the region's
overdue reports and plans; another county's inspector gets 404 for the accident page."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import auth_headers
from tests.supervision.factories import make_world
from tests.web.factories import sign_in


def test_enterprise_section_and_board(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent = auth_headers(client, w.ent_user)
    acc = client.post(
        "/api/accidents",
        json={
            "enterprise_id": w.ent.id,
            "occurred_at": "2026-03-02T07:00:00+08:00",
            "place": "罐区",
            "accident_type": "中毒和窒息",
            "deaths": 3,
            "summary": "中毒",
        },
        headers=ent,
    ).json()
    plan = client.post(
        "/api/emergency/plans",
        json={
            "enterprise_id": w.ent.id,
            "kind": "onsite",
            "title": "液氨泄漏现场处置方案",
            "version": "V1",
            "published_on": "2025-08-01",
        },
        headers=ent,
    ).json()
    client.post(f"/api/emergency/plans/{plan['id']}/drills",
                json={"held_on": "2025-09-01", "form": "tabletop", "scenario": "阀门泄漏", "participants": 8},
                headers=ent)  # fmt: skip

    sign_in(client, w.county.username)
    html = client.get(f"/enterprises/{w.ent.id}").text
    assert "较大事故" in html and "液氨泄漏现场处置方案" in html and "阀门泄漏" in html
    board = client.get("/accidents/board").text
    assert f'href="/accidents/{acc["id"]}"' in board  # late report (迟报)
    assert "逾期未备案" in board and "超过半年未演练" in board
    page = client.get(f"/accidents/{acc['id']}").text
    assert "迟报" in page and "第三条" in page

    sign_in(client, w.county2.username)
    assert client.get(f"/accidents/{acc['id']}").status_code == 404
    assert "液氨泄漏现场处置方案" not in client.get("/accidents/board").text


def test_demo_has_a_late_report_and_overdue_plans(db: Session) -> None:
    from app.accidents import emergency
    from app.accidents import service as accidents
    from app.accidents.demo import load_demo_accidents
    from app.auth.principal import SYSTEM
    from tests.factories import make_enterprise, make_tree

    make_tree(db)
    for _ in range(3):
        make_enterprise(db, is_demo=True)
    assert load_demo_accidents(db) == 6
    assert load_demo_accidents(db) == 0  # idempotent
    board = accidents.board_rows(db, SYSTEM)
    assert board["reports"] and board["reports"][0]["chain"][0]["status"] == "late"
    flags = [f for p in emergency.overdue_plans(db, SYSTEM) for f in p["flags"]]
    assert any("逾期未备案" in f for f in flags) and any("半年未演练" in f for f in flags)
