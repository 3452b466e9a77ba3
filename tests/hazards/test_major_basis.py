"""重大 hazards: judged by the 判定标准 version in force on the found date, and never blocked — every
industry may report “其他（依据…）”, flagged 未确认 until a regulator confirms or downgrades it."""

import io

import pytest
from openpyxl import load_workbook

from app.enterprises.models import Enterprise
from app.rules_engine import get_registry

INDUSTRIES = [i.code for i in get_registry().industries().industries]
OTHER = {
    "major_item": "OTHER",
    "major_basis_standard": "GB 35181-2017 重大火灾隐患判定方法",
    "major_basis_clause": "6.2",
}


def _set_industry(db, ent_id: int, industry: str) -> None:
    db.get(Enterprise, ent_id).industry = industry
    db.commit()


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_every_industry_can_report_a_major_hazard(world, db, industry):
    _set_industry(db, world.ent.id, industry)
    items = world.client.get(
        f"/api/hazards/major-items?enterprise_id={world.ent.id}", headers=world.h["worker"]
    )
    assert items.status_code == 200 and items.json()[-1]["code"] == "OTHER"
    h = world.create(grade="major", **OTHER)
    assert (h["grade"], h["major_item"], h["major_unconfirmed"]) == ("major", "OTHER", True)
    assert h["major_basis_clause"] == "6.2"
    listed = world.client.get("/api/hazards?unconfirmed=true", headers=world.h["inspector"]).json()["items"]
    assert [x["id"] for x in listed] == [h["id"]]
    report = {"status_and_cause": "现状", "harm_and_difficulty": "难", "governance_plan": "方案"}
    world.act(h["id"], "file_report", recipient="supervisor", **report)


def test_other_needs_standard_and_clause(world):
    body = {"source": "routine", "description": "d", "place": "p", "category": "site", "grade": "major"}
    res = world.client.post(
        "/api/hazards",
        json={**body, "major_item": "OTHER", "major_basis_standard": "某标准"},
        headers=world.h["worker"],
    )
    assert res.status_code == 422 and res.json()["field"] == "major_basis_clause"
    assert "条款" in res.json()["detail"]
    long = {**OTHER, "major_basis_standard": "标" * 201}
    res = world.client.post("/api/hazards", json={**body, **long}, headers=world.h["worker"])
    assert res.status_code == 422 and res.json()["field"] == "major_basis_standard"


def test_regulator_confirms_or_downgrades(world):
    a = world.create(grade="major", **OTHER)
    assert "review_major" not in world.get(a["id"])["allowed_actions"]  # the enterprise cannot
    world.act(a["id"], "review_major", who="worker", expect=409, confirm=True)
    stats = world.client.get("/api/hazards/stats?by=industry", headers=world.h["inspector"]).json()
    assert stats[0]["open_major_unconfirmed"] == 1
    ok = world.act(a["id"], "review_major", who="inspector", confirm=True)
    assert ok["major_unconfirmed"] is False and ok["grade"] == "major"
    world.act(a["id"], "review_major", who="inspector", expect=409, confirm=True)  # nothing left to confirm
    b = world.create(grade="major", **OTHER)
    world.act(b["id"], "review_major", who="inspector", expect=422, confirm=False)  # reason required
    down = world.act(b["id"], "review_major", who="inspector", confirm=False, reason="不属于重大事故隐患")
    assert (down["grade"], down["major_item"], down["major_unconfirmed"]) == ("general", None, False)
    events = world.get(b["id"])["events"]
    assert events[-1]["action"] == "review_major" and events[-1]["note"] == "不属于重大事故隐患"
    c = world.create(grade="major", **OTHER)
    res = world.client.get("/api/hazards/export.xlsx", headers=world.h["inspector"])
    rows = {r[0]: r for r in load_workbook(io.BytesIO(res.content)).active.iter_rows(values_only=True)}
    assert rows[c["id"]][11] == "未确认" and rows[a["id"]][11] == "已确认"
    assert "GB 35181-2017" in rows[c["id"]][10]


def test_judged_by_the_version_in_force_on_the_found_date(world):
    before = world.create(grade="major", major_item="GM17-FC-3", found_on="2023-05-14")
    assert before["major_rule_set"] == "gm@2017"
    detail = world.get(before["id"])
    assert any(t["step"] == "选用版本" and "gm@2017" in t["detail"] for t in detail["major_trace"])
    after = world.create(grade="major", major_item="GM-3-2", found_on="2023-05-15")
    assert after["major_rule_set"] == "gm@2023"
    refused = world.create(grade="major", major_item="GM-3-2", found_on="2022-06-01", expect=422)
    assert "2022-06-01 适用的是 gm@2017" in refused["detail"] and refused["field"] == "major_item"
    old = world.client.get(
        f"/api/hazards/major-items?enterprise_id={world.ent.id}&found_on=2022-06-01",
        headers=world.h["worker"],
    ).json()
    assert {i["rule_set"] for i in old if i["rule_set"]} == {
        "gm@2017",
        "xf@2017",
    }  # GB 35181-2017 was in force too
    assert any(i["code"] == "GM17-JX-7" for i in old)
    new = world.client.get(
        f"/api/hazards/major-items?enterprise_id={world.ent.id}&found_on=2023-05-15",
        headers=world.h["worker"],
    ).json()
    assert {i["rule_set"] for i in new if i["rule_set"]} == {"gm@2023", "xf@2017"}
