"""应急物资/装备 and 专家库: the enterprise page lists its resources with expired/expiring ones marked; the
expiry reminder goes out once, to the owner, on a moved clock; experts are found by field and region;
enterprise A cannot see B's resources (404) and a county not another county's."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accidents import jobs
from app.audit.models import AuditEntry
from app.notifications.models import Notification
from app.scheduler.registry import RunContext, get_job
from app.timeutil import SHANGHAI
from tests.factories import auth_headers
from tests.supervision.factories import make_world
from tests.web.factories import sign_in

RES = "/api/emergency/resources"
EXPERTS = "/api/emergency/experts"


def _ok(res: Any, status: int = 200) -> Any:
    assert res.status_code == status, res.text
    return res.json()


def _resource(client: TestClient, h: dict[str, str], **kw: Any) -> Any:
    body = {
        "name": "正压式空气呼吸器",
        "category": "equipment",
        "storage_place": "罐区应急柜",
        "quantity": 4,
        "unit": "套",
        **kw,
    }
    return client.post(RES, json=body, headers=h)


def _run(db: Session, day: datetime) -> dict[str, Any]:
    out = jobs.resource_expiry(db, RunContext("accidents.resource_expiry", day.astimezone(UTC), run_id=1))
    db.commit()
    return out


def test_resources_on_enterprise_page_and_scope(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, other, county, county2, city = (
        auth_headers(client, u) for u in (w.ent_user, w.other_ent_user, w.county, w.county2, w.city)
    )
    # Today is 2026-03-02: one expired, one within 30 days, one far off.
    expired = _ok(
        _resource(client, ent, name="防毒面具滤毒罐", category="material", expires_on="2026-02-28"), 201
    )
    soon = _ok(_resource(client, ent, expires_on="2026-03-25", lon=120.1, lat=30.2), 201)
    later = _ok(_resource(client, ent, name="堵漏工具箱", expires_on="2027-01-01"), 201)
    assert (expired["enterprise_id"], expired["expiry_status"]) == (w.ent.id, "expired")
    assert soon["expiry_status"] == "expiring" and later["expiry_status"] is None

    sign_in(client, w.county.username)
    html = client.get(f"/enterprises/{w.ent.id}").text
    assert "应急物资和装备（3）" in html and "防毒面具滤毒罐" in html and "堵漏工具箱" in html
    assert "已过期（2026-02-28）" in html and "即将到期（2026-03-25）" in html
    assert "已过期" not in html.split("堵漏工具箱")[1].split("</tr>")[0]
    client.cookies.clear()

    # Enterprise B and another county: 404 on every path, nothing in their lists.
    for h in (other, county2):
        assert client.get(f"{RES}/{soon['id']}", headers=h).status_code == 404
        assert client.patch(f"{RES}/{soon['id']}", json={"quantity": 1}, headers=h).status_code == 404
        assert client.delete(f"{RES}/{soon['id']}", headers=h).status_code == 404
        assert _ok(client.get(RES, headers=h)) == []
    assert client.get(RES, params={"enterprise_id": w.ent.id}, headers=other).status_code == 404
    assert _resource(client, other, enterprise_id=w.ent.id).status_code == 404
    # The county sees them; expiring first; the filter keeps the expired and the soon expiring.
    listed = _ok(client.get(RES, params={"expiring": "true"}, headers=county))
    assert [r["id"] for r in listed] == [expired["id"], soon["id"]]

    # Bad input names the field.
    res = _resource(client, ent, lat=30.2)
    assert res.status_code == 422 and res.json()["field"] == "lon"
    res = _resource(client, ent, quantity=-1)
    assert res.status_code == 422 and "quantity" in res.text
    res = _resource(client, ent, unit="套" * 21)
    assert res.status_code == 422 and "unit" in res.text

    # A department's own stock: read by the county and the city above it, not by the enterprise or
    # the neighbouring county; the neighbour cannot file one in this county.
    dept = _ok(_resource(client, county, name="抽水泵", storage_place="区应急物资储备库"), 201)
    assert (dept["enterprise_id"], dept["region_code"], dept["department"]) == (
        None,
        "139101",
        "甲一区应急管理局",
    )
    assert dept["id"] in [r["id"] for r in _ok(client.get(RES, headers=city))]
    assert client.get(f"{RES}/{dept['id']}", headers=ent).status_code == 404
    assert client.get(f"{RES}/{dept['id']}", headers=county2).status_code == 404
    assert _resource(client, county2, region_code="139101").status_code == 403

    # Update and delete are audited.
    upd = _ok(client.patch(f"{RES}/{soon['id']}", json={"expires_on": "2027-03-25"}, headers=ent))
    assert upd["expiry_status"] is None
    assert client.delete(f"{RES}/{later['id']}", headers=ent).status_code == 204
    assert client.get(f"{RES}/{later['id']}", headers=ent).status_code == 404
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "emergency_resource").order_by(AuditEntry.id)
    ).all()
    assert actions == ["create"] * 4 + ["update", "delete"]


def test_expiry_reminder_on_moved_clock(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, county = auth_headers(client, w.ent_user), auth_headers(client, w.county)
    own = _ok(_resource(client, ent, expires_on="2026-04-15"), 201)
    dept = _ok(_resource(client, county, name="冲锋舟", expires_on="2026-04-10"), 201)
    assert get_job("accidents.resource_expiry").trigger_text

    # 2026-03-02: more than 30 days ahead, nothing yet.
    assert _run(db, datetime(2026, 3, 2, 2, tzinfo=SHANGHAI))["expiry_reminders"] == 0
    # 2026-03-20: both within 30 days; each owner is told once.
    assert _run(db, datetime(2026, 3, 20, 2, tzinfo=SHANGHAI))["expiry_reminders"] == 2
    assert _run(db, datetime(2026, 3, 21, 2, tzinfo=SHANGHAI))["expiry_reminders"] == 0
    notes = db.execute(
        select(Notification.user_id, Notification.title, Notification.link).where(
            Notification.kind == "emergency_resource_expiry"
        )
    ).all()
    by_user = {uid: (title, link) for uid, title, link in notes}
    assert set(by_user) == {w.ent_user.id, w.county.id}  # not the city above, not the other department
    assert (
        "将于 2026-04-15 到期" in by_user[w.ent_user.id][0]
        and "正压式空气呼吸器" in by_user[w.ent_user.id][0]
    )
    assert by_user[w.county.id][1] == f"/emergency/resources#r{dept['id']}"
    # A replaced stock with a new expiry date is reminded again when that date nears.
    client.patch(f"{RES}/{own['id']}", json={"expires_on": "2026-04-30"}, headers=ent)
    assert _run(db, datetime(2026, 4, 2, 2, tzinfo=SHANGHAI))["expiry_reminders"] == 1


def _expert(client: TestClient, h: dict[str, str], **kw: Any) -> Any:
    body = {
        "name": "张工",
        "field": "hazardous_chemicals",
        "organisation": "省化工研究院",
        "phone": "13812345678",
        **kw,
    }
    return client.post(EXPERTS, json=body, headers=h)


def test_expert_search_by_field_and_region(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county, county2, city, ent = (auth_headers(client, u) for u in (w.county, w.county2, w.city, w.ent_user))
    a = _ok(_expert(client, county, name="甲一危化专家"), 201)
    b = _ok(_expert(client, county, name="甲一消防专家", field="fire", phone="0571-87654321"), 201)
    c = _ok(_expert(client, city, name="甲市危化专家", availability="busy"), 201)
    d = _ok(_expert(client, county2, name="甲二危化专家"), 201)
    assert (a["region_code"], a["field_label"], c["region_code"]) == ("139101", "危险化学品", "139100")

    def names(h: dict[str, str], **params: Any) -> list[str]:
        return [e["name"] for e in _ok(client.get(EXPERTS, params=params, headers=h))]

    # The county: its own and the city's (above it), not the neighbour's.
    assert names(county, field="hazardous_chemicals") == ["甲一危化专家", "甲市危化专家"]
    assert names(county, field="hazardous_chemicals", available="true") == ["甲一危化专家"]
    # The city: by region, that region and below.
    assert names(city, field="hazardous_chemicals", region="139101") == ["甲一危化专家"]
    assert names(city, field="hazardous_chemicals", region="139102") == ["甲二危化专家"]
    assert names(city, field="fire") == ["甲一消防专家"]
    assert client.get(f"{EXPERTS}/{d['id']}", headers=county).status_code == 404
    # Read-only upwards: the county may not edit the city's expert; the city may edit the county's.
    assert (
        client.patch(f"{EXPERTS}/{c['id']}", json={"availability": "available"}, headers=county).status_code
        == 403
    )
    upd = _ok(client.patch(f"{EXPERTS}/{b['id']}", json={"availability": "retired"}, headers=city))
    assert upd["availability_label"] == "已退出"
    # Enterprises do not read the register; bad phone numbers and fields are refused by name.
    assert client.get(EXPERTS, headers=ent).status_code == 403
    assert _expert(client, ent).status_code == 403
    for phone in ("12345", "1381234567x", "8" * 21):
        res = _expert(client, county, phone=phone)
        assert res.status_code == 422 and res.json()["field"] == "phone", phone
    res = client.get(EXPERTS, params={"field": "astrology"}, headers=county)
    assert res.status_code == 422 and "field" in res.text
    assert db.scalar(select(func.count()).where(AuditEntry.entity == "emergency_expert")) == 5

    # The page for inspectors.
    sign_in(client, w.county.username)
    html = client.get("/emergency/experts", params={"field": "hazardous_chemicals", "region": ""}).text
    assert "甲一危化专家" in html and "甲市危化专家" in html and "甲二危化专家" not in html
    assert client.get("/emergency/experts", params={"field": "x"}).status_code == 422


def test_resource_map_layer(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, county, county2 = (auth_headers(client, u) for u in (w.ent_user, w.county, w.county2))
    placed = _ok(_resource(client, ent, lon=120.1, lat=30.2, expires_on="2026-03-01"), 201)
    _ok(_resource(client, ent, name="无坐标的沙袋", category="material"), 201)
    fc = _ok(client.get(f"{RES}/map", headers=county))
    assert fc["type"] == "FeatureCollection" and [f["id"] for f in fc["features"]] == [placed["id"]]
    feature = fc["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [120.1, 30.2]}
    assert feature["properties"]["expiry_status"] == "expired"
    assert _ok(client.get(f"{RES}/map", headers=county2))["features"] == []

    sign_in(client, w.county.username)
    page = client.get("/emergency/resources", params={"category": "", "expiring": "true"}).text
    assert f'id="r{placed["id"]}"' in page and "无坐标的沙袋" not in page
