"""Inspections: checklist from the industry, ≥2 inspectors, results, hazards linked both ways, the
责令限期整改指令书 the enterprise sees, the 复查 that closes it, 网格员 scope, public 双随机 results."""

from datetime import date

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.documents.models import Document
from app.enforcement import random_draw
from app.hazards.models import Hazard
from app.notifications.models import Notification
from tests.factories import auth_headers, make_user

API = "/api/enforcement/inspections"


def _open(client, headers, world, **kw):
    body = {"enterprise_id": world.ent.id, "kind": "planned", "inspector_ids": [world.b.id], **kw}
    return client.post(API, json=body, headers=headers)


def test_checklist_comes_from_the_industry_and_needs_two_inspectors(client, world):
    ha = auth_headers(client, world.a)
    alone = client.post(API, json={"enterprise_id": world.ent.id, "kind": "planned"}, headers=ha)
    assert alone.status_code == 422
    assert alone.json()["field"] == "inspector_ids" and "不得少于 2 人" in alone.json()["detail"]
    res = _open(client, ha, world, free_items=["消防通道是否畅通"])
    assert res.status_code == 201, res.text
    body = res.json()
    origins = [i["origin"] for i in body["items"]]
    assert origins[-1] == "free" and body["items"][-1]["text"] == "消防通道是否畅通"
    major = [i for i in body["items"] if i["origin"] == "major"]
    # 机械 enterprises: the 工贸 standard (应急管理部令第10号) items of 机械 and the common ones.
    assert major and all(i["code"] and i["rule_set"] for i in major)
    assert {i["code"].split("-")[0] for i in major} >= {"GM"}
    assert body["inspectors"] == ["执法员甲", "执法员乙"]


def test_inspector_outside_the_area_is_refused(client, world):
    ha = auth_headers(client, world.a)
    res = _open(client, ha, world, inspector_ids=[world.far.id])
    assert res.status_code == 422 and "辖区不包括该企业" in res.json()["detail"]
    far = client.post(
        API, json={"enterprise_id": world.ent.id, "kind": "planned", "inspector_ids": [world.a.id]},
        headers=auth_headers(client, world.far),
    )  # fmt: skip
    assert far.status_code == 404


def _fail_all(client, headers, insp, note="不符合"):
    results = [
        {"item_id": i["id"], "result": "fail" if n == 0 else "pass", **({"note": note} if n == 0 else {})}
        for n, i in enumerate(insp["items"])
    ]
    return client.post(f"{API}/{insp['id']}/results", json={"results": results}, headers=headers)


def test_full_journey_hazard_order_rectify_review(client, db, world):
    ha = auth_headers(client, world.a)
    insp = _open(client, ha, world).json()
    first = insp["items"][0]["id"]
    # A failed item needs a note.
    bad = client.post(
        f"{API}/{insp['id']}/results", json={"results": [{"item_id": first, "result": "fail"}]}, headers=ha
    )
    assert bad.status_code == 422 and bad.json()["field"] == "results.0.note"
    # Completing with unanswered items is refused.
    early = client.post(f"{API}/{insp['id']}/complete", json={}, headers=ha)
    assert early.status_code == 409 and "未填写检查结果" in early.json()["detail"]
    insp = _fail_all(client, ha, insp, "防护罩缺失").json()
    assert insp["items"][0]["result_label"] == "不符合"
    # Only a failed item becomes a hazard; it is in the enterprise's register, source 监管执法检查.
    passed = client.post(
        f"{API}/{insp['id']}/items/{insp['items'][1]['id']}/hazard",
        json={"description": "x", "place": "车间"}, headers=ha,
    )  # fmt: skip
    assert passed.status_code == 409
    made = client.post(
        f"{API}/{insp['id']}/items/{first}/hazard",
        json={"description": "冲床防护罩缺失", "place": "一号车间"}, headers=ha,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    hazard = db.get(Hazard, made.json()["hazard_id"])
    assert hazard.enterprise_id == world.ent.id and hazard.source == "enforcement"
    back = client.get(f"/api/enforcement/hazards/{hazard.id}/inspection", headers=ha).json()
    assert back["id"] == insp["id"]
    again = client.post(
        f"{API}/{insp['id']}/items/{first}/hazard", json={"description": "x", "place": "y"}, headers=ha
    )
    assert again.status_code == 409
    # Complete with a 责令限期整改: a past deadline is refused.
    past = client.post(
        f"{API}/{insp['id']}/complete",
        json={"order": {"deadline": "2026-03-01", "requirements": "立即整改"}}, headers=ha,
    )  # fmt: skip
    assert past.status_code == 422 and past.json()["field"] == "order.deadline"
    done = client.post(
        f"{API}/{insp['id']}/complete",
        json={
            "summary": "发现问题一项",
            "signatures": [{"name": "执法员甲", "device": "手机"}],
            "order": {"deadline": "2026-03-20", "requirements": "加装防护罩"},
        },
        headers=ha,
    ).json()
    assert done["state"] == "completed" and done["order_state"] == "ordered"
    assert "责改" in done["order_number"] and "检记" in done["record_number"]
    titles = sorted(d["title"] for d in done["documents"])
    assert titles == ["现场检查记录", "责令限期整改指令书"]
    order_doc = next(d for d in done["documents"] if d["title"] == "责令限期整改指令书")
    stored = db.get(Document, order_doc["id"])
    assert "加装防护罩" in stored.html and "2026年3月20日" in stored.html and stored.pdf[:4] == b"%PDF"
    # The enterprise is told and sees the instruction and its document.
    he = auth_headers(client, world.ent_user)
    notes = db.scalars(select(Notification.title).where(Notification.user_id == world.ent_user.id)).all()
    assert any("责令限期整改指令书" in t for t in notes)
    seen = client.get(f"{API}/{insp['id']}", headers=he).json()
    assert seen["order_deadline"] == "2026-03-20" and len(seen["documents"]) == 2
    assert client.get(order_doc["pdf_url"], headers=he).status_code == 200
    # Only the enterprise reports the rectification; the inspectors are told.
    assert (
        client.post(f"{API}/{insp['id']}/rectified", json={"note": "已加装"}, headers=ha).status_code == 403
    )
    rep = client.post(f"{API}/{insp['id']}/rectified", json={"note": "已加装防护罩"}, headers=he)
    assert rep.status_code == 200 and rep.json()["order_state"] == "reported"
    # The 复查 closes it, with a 整改复查意见书.
    review_body = {"enterprise_id": world.ent.id, "kind": "review", "review_of_id": insp["id"]}
    review_body["inspector_ids"] = [world.b.id]
    review = client.post(API, json=review_body, headers=ha).json()
    results = [{"item_id": i["id"], "result": "pass"} for i in review["items"]]
    client.post(f"{API}/{review['id']}/results", json={"results": results}, headers=ha)
    need = client.post(f"{API}/{review['id']}/complete", json={}, headers=ha)
    assert need.status_code == 422 and need.json()["field"] == "review_passed"
    closed = client.post(f"{API}/{review['id']}/complete", json={"review_passed": True}, headers=ha)
    assert closed.status_code == 200, closed.text
    original = client.get(f"{API}/{insp['id']}", headers=he).json()
    assert original["order_state"] == "passed" and "复查" in original["review_number"]
    assert "整改复查意见书" in [d["title"] for d in original["documents"]]
    # A second 复查 of the closed order is refused.
    twice = client.post(API, json=review_body, headers=ha)
    assert twice.status_code == 409
    mine = (AuditEntry.entity == "inspection", AuditEntry.entity_id == str(insp["id"]))
    actions = set(db.scalars(select(AuditEntry.action).where(*mine)))
    assert {"create", "record_results", "link_hazard", "complete", "report_rectified", "review"} <= actions


def test_grid_member_records_in_their_area_and_is_refused_outside(client, world):
    hg = auth_headers(client, world.grid)
    # 网格员 do not do 执法 inspections.
    assert (
        client.post(API, json={"enterprise_id": world.ent.id, "kind": "planned"}, headers=hg).status_code
        == 403
    )
    res = client.post(API, json={"enterprise_id": world.ent.id, "kind": "grid"}, headers=hg)
    assert res.status_code == 201, res.text
    insp = res.json()
    results = [{"item_id": i["id"], "result": "na"} for i in insp["items"]]
    assert (
        client.post(f"{API}/{insp['id']}/results", json={"results": results}, headers=hg).status_code == 200
    )
    done = client.post(f"{API}/{insp['id']}/complete", json={"summary": "巡查正常"}, headers=hg)
    assert done.status_code == 200 and done.json()["state"] == "completed"
    outside = client.post(API, json={"enterprise_id": world.far_ent.id, "kind": "grid"}, headers=hg)
    assert outside.status_code == 404
    # Penalties are not theirs.
    case = client.post(
        "/api/enforcement/cases", json={"enterprise_id": world.ent.id, "facts": "x"}, headers=hg
    )
    assert case.status_code == 403


def test_scope_other_enterprise_and_region_get_404(client, db, world):
    ha = auth_headers(client, world.a)
    insp = _open(client, ha, world).json()
    assert client.get(f"{API}/{insp['id']}", headers=auth_headers(client, world.far)).status_code == 404
    assert client.get(API, headers=auth_headers(client, world.far)).json() == []
    other = make_user(db, "enterprise", enterprise_id=world.far_ent.id)
    assert client.get(f"{API}/{insp['id']}", headers=auth_headers(client, other)).status_code == 404
    assert client.get(f"{API}/{insp['id']}", headers=auth_headers(client, world.ent_user)).status_code == 200


def test_random_draw_inspection_and_public_results(client, db, world):
    month = random_draw.month_key(date(2026, 3, 1))
    plan = random_draw.draw_plan(db, month, rates=dict.fromkeys(random_draw.LEVELS, 1.0))
    from app.scheduler.models import InspectionPlanItem

    item = db.scalar(
        select(InspectionPlanItem).where(
            InspectionPlanItem.plan_id == plan.id, InspectionPlanItem.enterprise_id == world.ent.id
        )
    )
    ha = auth_headers(client, world.a)
    missing = client.post(
        API, json={"enterprise_id": world.ent.id, "kind": "random", "inspector_ids": [world.b.id]}, headers=ha
    )
    assert missing.status_code == 422 and missing.json()["field"] == "plan_item_id"
    insp = _open(client, ha, world, kind="random", plan_item_id=item.id).json()
    insp = _fail_all(client, ha, insp, "安全警示标志缺失").json()
    client.post(
        f"{API}/{insp['id']}/complete",
        json={"order": {"deadline": "2026-03-20", "requirements": "设置警示标志"}}, headers=ha,
    )  # fmt: skip
    public = client.get(f"/api/public/random-results/{month}")
    assert public.status_code == 200
    rows = public.json()["items"]
    assert [r["enterprise"] for r in rows] == ["甲一机械有限公司"]
    assert rows[0]["result"] == "发现问题 1 项，已责令限期整改"
    # Only public facts: no inspector names, no notes.
    text = public.text
    assert "执法员" not in text and "安全警示标志缺失" not in text
    page = client.get(f"/public/random-results?month={month}")
    assert page.status_code == 200 and "甲一机械有限公司" in page.text and "执法员" not in page.text


def test_statistics_count_by_kind_month_and_scope(client, world):
    ha = auth_headers(client, world.a)
    _open(client, ha, world)
    _open(client, ha, world, kind="special")
    stats = client.get("/api/enforcement/stats?year=2026", headers=ha).json()
    kinds = {k["kind"]: k["count"] for k in stats["by_kind"]}
    assert stats["inspections"] == 2 and kinds["planned"] == 1 and kinds["special"] == 1
    assert stats["by_month"][2] == {"month": 3, "count": 2} and stats["enterprises_inspected"] == 1
    assert client.get("/api/enforcement/stats?year=2026&region=139101", headers=ha).json()["inspections"] == 2
    # Another city's inspector counts nothing of 甲市.
    far = client.get("/api/enforcement/stats?year=2026", headers=auth_headers(client, world.far)).json()
    assert far["inspections"] == 0
