"""The enterprise page shows its accidents, plans, drills and resources, with entry forms; the
inspector's board lists the region's overdue reports and plans; another county's inspector gets 404 for
the accident page."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accidents.models import EmergencyPlan
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
    from app.accidents import resources

    marked = {r["expiry_status"] for r in resources.list_resources(db, SYSTEM)}
    assert {"expired", "expiring"} <= marked
    assert len(resources.search_experts(db, SYSTEM, field="hazardous_chemicals")) == 1


def test_entry_forms_of_the_enterprise(db: Session, client: TestClient) -> None:
    """事故报告, 应急预案, 演练 and 应急物资 entered on the page go through the services; bad input comes
    back on the form with the field named, another enterprise's page is 404."""
    from app.audit.models import AuditEntry
    from tests.web.factories import csrf

    w = make_world(db)
    sign_in(client, w.ent_user.username)
    url = f"/enterprises/{w.ent.id}/emergency/new"
    token = csrf(client, url)

    def send(which: str, **data: str) -> Any:
        return client.post(f"{url}/{which}", data={"csrf_token": token, **data}, follow_redirects=False)

    hose = {
        "name": "消防水带",
        "category": "equipment",
        "storage_place": "消防器材室",
        "quantity": "10",
        "unit": "盘",
    }
    res = send("resource", **hose, lat="30.2")
    assert res.status_code == 422 and "经度" in res.text and 'value="消防水带"' in res.text
    res = send("resource", **hose, expires_on="2026-03-20")
    assert res.status_code == 303 and res.headers["location"] == f"/enterprises/{w.ent.id}#resources"

    res = send("plan", kind="onsite", title="罐区泄漏现场处置方案", version="V1", published_on="2026-01-05")
    assert res.status_code == 303
    plan_id = db.scalar(select(EmergencyPlan.id).where(EmergencyPlan.title == "罐区泄漏现场处置方案"))
    drill = {"held_on": "2026-02-01", "form": "tabletop", "scenario": "储罐泄漏", "participants": "6"}
    res = send("drill", plan_id="999999999999", **drill)
    assert res.status_code == 422 and "请选择本企业已公布的应急预案" in res.text
    assert send("drill", plan_id=str(plan_id), **drill).status_code == 303

    report = {"place": "罐区", "accident_type": "中毒和窒息", "deaths": "3", "summary": "清罐作业中毒"}
    res = send("accident", occurred_at="2026-03-02T08:00", **report)
    assert res.status_code == 303 and res.headers["location"].startswith("/accidents/")
    acc = client.get(f"/api/accidents/{res.headers['location'].rsplit('/', 1)[1]}").json()
    # The form's time is Shanghai time, stored in UTC.
    assert acc["level_label"] == "较大事故" and acc["occurred_at"] == "2026-03-02T00:00:00+00:00"

    html = client.get(f"/enterprises/{w.ent.id}").text
    assert "消防水带" in html and "即将到期（2026-03-20）" in html and "罐区泄漏现场处置方案" in html
    assert "储罐泄漏" in html and "较大事故" in html
    entities = set(db.scalars(select(AuditEntry.entity).where(AuditEntry.enterprise_id == w.ent.id)))
    assert {"emergency_resource", "emergency_plan", "accident"} <= entities
    assert client.get(f"/enterprises/{w.other_ent.id}/emergency/new").status_code == 404
    bad = client.post(f"/enterprises/{w.other_ent.id}/emergency/new/resource", data={"csrf_token": token})
    assert bad.status_code == 404
    assert client.post(f"{url}/resource", data={"csrf_token": "x"}).status_code == 403
