"""专项整治 through the API: a county campaign for 涉粉尘 enterprises, the checklist, 自查报告 filed with a
hazard, returned, refiled, counted in progress and the 调度 table, with its PDF; refusals and scope."""

import io
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.campaigns.models import CampaignHazard, CampaignReportEvent
from app.campaigns.tags import add_tags
from app.hazards.models import Hazard
from app.timeutil import advance
from tests.factories import auth_headers, make_enterprise, make_user
from tests.supervision.factories import World, make_world

API = "/api/campaigns"


def _ok(res: Any, status: int = 200) -> Any:
    assert res.status_code == status, res.text
    return res.json()


def _campaign(client: TestClient, h: dict[str, str], **kw: Any) -> Any:
    body = {
        "title": "粉尘涉爆企业专项整治",
        "basis_number": "甲一应急〔2026〕5号",
        "basis_date": "2026-02-27",
        "scope": {"tags": ["涉粉尘"]},
        "starts_on": "2026-03-01",
        "ends_on": "2026-06-30",
        "own_items": [{"text": "除尘系统是否每班清灰并记录"}],
        **kw,
    }
    return client.post(API, json=body, headers=h)


def _dusty(db: Session) -> World:
    w = make_world(db)
    add_tags(db, w.ent.id, ["涉粉尘"])
    db.commit()
    return w


def test_journey_file_return_refile_progress_dispatch_and_pdf(db: Session, client: TestClient) -> None:
    w = _dusty(db)
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    c = _ok(_campaign(client, county), 201)
    assert [p["name"] for p in c["phases"]] == ["动员部署", "自查自改", "集中整治", "巩固提升"]
    assert c["report_phase"] == "自查自改" and c["current_phase"] == "动员部署"
    # The checklist: the 工贸 standard's 粉尘爆炸 items (第十一条) for the tag, then the campaign's own.
    codes = [i["code"] for i in c["items"]]
    assert codes[0].startswith("GM-11-") and all(x.startswith("GM-11-") for x in codes[:-1])
    assert c["items"][-1]["source"] == "own"

    # The enterprise sees it on its list and on its home page.
    assert [x["id"] for x in _ok(client.get(API, headers=ent))] == [c["id"]]
    mine = _ok(client.get(f"{API}/{c['id']}", headers=ent))
    assert mine["report"]["state"] == "not_started" and mine["report"]["total"] == len(c["items"])
    home = client.get("/", headers=ent)
    assert "粉尘涉爆企业专项整治" in home.text

    items = mine["items"]
    url = f"{API}/{c['id']}/items"
    hazard = {"description": "除尘器未设泄爆装置", "place": "抛光车间", "category": "site"}
    got = _ok(
        client.put(f"{url}/{items[0]['id']}", json={"result": "problem", "hazard": hazard}, headers=ent)
    )
    assert got["hazard_id"]
    hz = db.get_one(Hazard, got["hazard_id"])
    assert hz.enterprise_id == w.ent.id and hz.description == "除尘器未设泄爆装置"

    report_id = _ok(client.get(f"{API}/{c['id']}", headers=ent))["report"]["id"]
    report = f"/api/campaign-reports/{report_id}"
    # Filing before every item has a result is refused with the count.
    res = client.post(f"{report}/actions/file", json={}, headers=ent)
    assert res.status_code == 409 and f"还有 {len(items) - 1} 项未填写" in res.json()["detail"]
    for item in items[1:]:
        _ok(client.put(f"{url}/{item['id']}", json={"result": "ok"}, headers=ent))
    filed = _ok(client.post(f"{report}/actions/file", json={"note": "已全部自查"}, headers=ent))
    assert filed["state"] == "filed" and filed["times_filed"] == 1 and filed["document_id"]
    pdf = client.get(f"/api/documents/{filed['document_id']}.pdf", headers=county)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Once filed the enterprise cannot change answers.
    res = client.put(f"{url}/{items[1]['id']}", json={"result": "na"}, headers=ent)
    assert res.status_code == 409 and "已报送" in res.json()["detail"]

    # Return needs a reason; the enterprise and the township may not return.
    res = client.post(f"{report}/actions/return", json={}, headers=county)
    assert res.status_code == 422 and res.json()["field"] == "note"
    res = client.post(f"{report}/actions/return", json={"note": "x"}, headers=ent)
    assert res.status_code == 409 and "当前角色不能执行" in res.json()["detail"]
    returned = _ok(client.post(f"{report}/actions/return", json={"note": "照片不清"}, headers=county))
    assert returned["state"] == "returned" and returned["returned_reason"] == "照片不清"
    _ok(client.put(f"{url}/{items[1]['id']}", json={"result": "ok", "note": "已补照片"}, headers=ent))
    refiled = _ok(client.post(f"{report}/actions/file", json={}, headers=ent))
    assert refiled["state"] == "filed" and refiled["times_filed"] == 2
    assert refiled["document_id"] != filed["document_id"]
    assert [e["action"] for e in refiled["events"]] == ["start", "file", "return", "file"]

    prog = _ok(client.get(f"{API}/{c['id']}/progress", headers=county))
    assert (
        prog["total"]["in_scope"] == 1 and prog["total"]["filed"] == 1 and prog["total"]["coverage"] == 100.0
    )
    assert (
        prog["total"]["hazards"] == 1
        and prog["total"]["hazards_closed"] == 0
        and prog["total"]["returned"] == 0
    )
    assert prog["target_met"] is True
    assert prog["by_region"][0]["name"] == "甲一街道" and prog["by_industry"][0]["filed"] == 1

    xlsx = client.get(f"{API}/{c['id']}/dispatch.xlsx", headers=county)
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["按行政区", "按行业", "企业明细"]
    detail_rows = [r for r in wb["企业明细"].iter_rows(values_only=True)]
    assert any(r[0] == "甲一化工有限公司" and r[3] == "已报送" and r[6] == 1 for r in detail_rows)

    audited = set(
        db.scalars(select(AuditEntry.action).where(AuditEntry.entity.in_(["campaign", "campaign_report"])))
    )
    assert {"create", "answer", "file", "return"} <= audited
    assert db.scalar(select(CampaignHazard.hazard_id)) == hz.id
    assert db.scalar(select(CampaignReportEvent.id).where(CampaignReportEvent.action == "return"))


def test_scope_and_refusals(db: Session, client: TestClient) -> None:
    w = _dusty(db)
    county = auth_headers(client, w.county)
    c = _ok(_campaign(client, county), 201)
    # Not tagged: the other enterprise does not see the campaign.
    other = auth_headers(client, w.other_ent_user)
    assert _ok(client.get(API, headers=other)) == []
    assert client.get(f"{API}/{c['id']}", headers=other).status_code == 404
    # A sibling county's inspector: unknown campaign.
    assert client.get(f"{API}/{c['id']}", headers=auth_headers(client, w.county2)).status_code == 404
    # A township sees only its own enterprises in the counts.
    dusty2 = make_enterprise(db, region_code="139101", name="甲一区直属木业")
    add_tags(db, dusty2.id, ["涉粉尘"])
    db.commit()
    township = auth_headers(client, w.township)
    assert _ok(client.get(f"{API}/{c['id']}/progress", headers=township))["total"]["in_scope"] == 1
    assert _ok(client.get(f"{API}/{c['id']}/progress", headers=county))["total"]["in_scope"] == 2
    rows = _ok(client.get(f"{API}/{c['id']}/enterprises", headers=township))
    assert [r["name"] for r in rows] == ["甲一化工有限公司"]
    ent2 = make_user(db, "enterprise", enterprise_id=dusty2.id)
    db.commit()
    h2 = auth_headers(client, ent2)
    got = _ok(client.put(f"{API}/{c['id']}/items/{c['items'][0]['id']}", json={"result": "ok"}, headers=h2))
    rid = _ok(client.get(f"{API}/{c['id']}", headers=h2))["report"]["id"]
    assert got["result"] == "ok" and rid
    assert client.get(f"/api/campaign-reports/{rid}", headers=township).status_code == 404
    assert client.get(f"/api/campaign-reports/{rid}", headers=county).status_code == 200
    ent = auth_headers(client, w.ent_user)
    assert client.get(f"/api/campaign-reports/{rid}", headers=ent).status_code == 404
    # Enterprises and townships cannot organise a campaign; inputs are checked with the field named.
    assert _campaign(client, ent).status_code == 403
    assert _campaign(client, township).status_code == 403
    res = _campaign(client, county, scope={"tags": ["涉外星"]})
    assert res.status_code == 422 and res.json()["field"] == "scope.tags"
    res = _campaign(client, county, scope={"regions": ["139200"]})
    assert res.status_code == 422 and "管辖范围" in res.json()["detail"]
    res = _campaign(client, county, ends_on="2026-02-01")
    assert res.status_code == 422 and res.json()["field"] == "ends_on"
    res = _campaign(client, county, title="x" * 201)
    assert res.status_code == 422
    # An enterprise out of scope cannot work the checklist.
    item = c["items"][0]["id"]
    assert (
        client.put(f"{API}/{c['id']}/items/{item}", json={"result": "ok"}, headers=other).status_code == 404
    )
    # Overdue after the report deadline: counted, and listed in the drill-down.
    advance(timedelta(days=60))
    county = auth_headers(client, w.county)
    prog = _ok(client.get(f"{API}/{c['id']}/progress", headers=county))
    assert prog["total"]["overdue"] == 2
    late = _ok(client.get(f"{API}/{c['id']}/enterprises?status=overdue", headers=county))
    assert {r["name"] for r in late} == {"甲一化工有限公司", "甲一区直属木业"}


def test_scope_regions_caller_and_drill_down_narrow_together(db: Session, client: TestClient) -> None:
    """A city campaign scoped to one township and one county: every caller and every region asked for
    counts only the enterprises inside both (progress leaves out a region join a narrower one implies)."""
    w = _dusty(db)
    county_level = make_enterprise(db, region_code="139101", name="甲一区直属木业")  # outside the scope
    add_tags(db, county_level.id, ["涉粉尘"])
    add_tags(db, w.other_ent.id, ["涉粉尘"])
    db.commit()
    city = auth_headers(client, w.city)
    c = _ok(_campaign(client, city, scope={"tags": ["涉粉尘"], "regions": ["139101001", "139102"]}), 201)
    progress = f"{API}/{c['id']}/progress"

    def in_scope(user: Any, region: str = "") -> int:
        url = f"{progress}?region={region}" if region else progress
        return int(_ok(client.get(url, headers=auth_headers(client, user)))["total"]["in_scope"])

    p = _ok(client.get(progress, headers=city))
    assert p["total"]["in_scope"] == 2
    assert {r["code"]: r["in_scope"] for r in p["by_region"]} == {"139101": 1, "139102": 1}
    assert [in_scope(w.city, r) for r in ("139101", "139101001", "139102")] == [1, 1, 1]
    assert [in_scope(u) for u in (w.county, w.township, w.county2)] == [1, 1, 1]
    assert in_scope(w.county2, "139101") == 0  # another county's region asked for: nothing of it


def test_tags_come_from_the_enterprise_profile(db: Session, client: TestClient) -> None:
    """The enterprise profile (app.credit) is the one source: a tag set there puts the enterprise in a
    campaign's scope, taking it off takes the enterprise out; the old writer is gone."""
    w = make_world(db)
    county = auth_headers(client, w.county)
    c = _ok(_campaign(client, county), 201)
    url = f"/api/enterprises/{w.ent.id}/campaign-tags"
    assert _ok(client.get(url, headers=county))["tags"] == []
    assert client.put(url, json={"tags": ["涉粉尘"]}, headers=county).status_code == 405
    profile = f"/api/credit/profiles/{w.ent.id}"
    got = _ok(client.put(profile, json={"tags": ["dust", "confined_space"]}, headers=county))
    assert _ok(client.get(url, headers=county))["tags"] == ["涉粉尘", "有限空间"]
    assert _ok(client.get(f"{API}/{c['id']}/progress", headers=county))["total"]["in_scope"] == 1
    ent = auth_headers(client, w.ent_user)
    assert [x["id"] for x in _ok(client.get(API, headers=ent))] == [c["id"]]
    body = {"tags": ["ammonia"], "version": got["version"]}
    _ok(client.put(profile, json=body, headers=county))
    assert _ok(client.get(f"{API}/{c['id']}/progress", headers=county))["total"]["in_scope"] == 0
    assert _ok(client.get(API, headers=ent)) == []
    assert client.get(url, headers=auth_headers(client, w.county2)).status_code == 404
    # A city inspector limited to another industry does not see it either.
    limited = make_user(
        db, "inspector", region_code="139100", department="甲市住建局", industries=["construction"]
    )
    db.commit()
    assert client.get(url, headers=auth_headers(client, limited)).status_code == 404


def test_laggards_are_reminded_once_before_the_deadline(db: Session) -> None:
    w = _dusty(db)
    from app.auth.principal import Principal
    from app.campaigns import service
    from app.campaigns.jobs import report_reminders
    from app.campaigns.schemas import CampaignIn
    from app.notifications.models import Notification
    from app.scheduler.registry import RunContext
    from app.timeutil import SHANGHAI

    county = Principal(id=w.county.id, username="c", display_name="c", role="inspector", region_code="139101",
                       region_path="139900/139100/139101/", department="甲一区应急管理局")  # fmt: skip
    data = CampaignIn.model_validate(
        {
            "title": "粉尘整治",
            "scope": {"tags": ["涉粉尘"]},
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
        }
    )
    campaign = service.create_campaign(db, county, data)
    due = campaign.report_due

    def run(day: int) -> dict[str, int]:
        at = datetime.combine(due - timedelta(days=day), time(2, 0), SHANGHAI)
        return report_reminders(db, RunContext("campaigns.report_reminders", at, 1))

    assert run(10) == {"campaigns": 0, "users": 0}  # too early
    assert run(2) == {"campaigns": 1, "users": 1}
    assert run(1) == {"campaigns": 0, "users": 0}  # once per deadline
    titles = list(db.scalars(select(Notification.title).where(Notification.user_id == w.ent_user.id)))
    assert titles == [f"专项整治“粉尘整治”自查报告请于 {due.isoformat()} 前报送"]


def test_major_hazards_open_until_zero(db: Session, client: TestClient) -> None:
    """重大隐患动态清零: the campaign's open 重大 hazards are listed (their own call and the campaign page)
    with enterprise, responsible person and deadline, and progress counts them; the campaign is late once
    its 清零 date passes with one open, and 清零 when it is closed."""
    w = _dusty(db)
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    c = _ok(_campaign(client, county, major_zero_by="2026-04-30"), 201)
    item = c["items"][0]
    hazard = {"description": "除尘器未设泄爆装置", "place": "抛光车间", "category": "site",
              "grade": "major", "major_item": item["code"]}  # fmt: skip
    url = f"{API}/{c['id']}/items/{item['id']}"
    hz = db.get_one(
        Hazard, _ok(client.put(url, json={"result": "problem", "hazard": hazard}, headers=ent))["hazard_id"]
    )
    assert hz.grade == "major"
    # The hazard's rectification plan (its workflow is tested in tests/hazards).
    hz.plan, hz.deadline, hz.state = (
        {"measures": "加装泄爆片", "responsible": "王工"},
        date(2026, 4, 15),
        "rectifying",
    )
    db.commit()

    progress, listed = f"{API}/{c['id']}/progress", f"{API}/{c['id']}/major-hazards"
    p = _ok(client.get(progress, headers=county))
    assert p["major_open"] == 1 and "hazards" not in p["major_zero"]  # counts only
    assert p["major_zero"] == {"open": 1, "zero": False, "zero_by": "2026-04-30", "late": False}
    zero = _ok(client.get(listed, headers=county))
    assert zero["open"] == 1 and not zero["zero"] and not zero["late"]
    assert zero["hazards"] == [
        {"hazard_id": hz.id, "description": "除尘器未设泄爆装置", "deadline": "2026-04-15", "overdue": False,
         "responsible": "王工", "enterprise_id": w.ent.id, "enterprise": w.ent.name}
    ]  # fmt: skip
    page = client.get(f"/campaigns/{c['id']}", headers=county).text
    assert "重大隐患动态清零" in page and "尚有 1 项重大隐患未销号" in page and "王工" in page
    # The township sees its own enterprise's (the one scoping rule, as for every count).
    township = auth_headers(client, w.township)
    assert _ok(client.get(listed, headers=township))["open"] == 1
    assert _ok(client.get(progress, headers=township))["major_open"] == 1
    # Another county's department sees neither the campaign nor its list.
    assert client.get(listed, headers=auth_headers(client, w.county2)).status_code == 404

    advance(timedelta(days=60))  # 1 May: past the deadline and the 清零 date
    zero = _ok(client.get(listed, headers=auth_headers(client, w.county)))
    assert zero["late"] and zero["hazards"][0]["overdue"]
    assert _ok(client.get(progress, headers=auth_headers(client, w.county)))["major_zero"]["late"]
    hz.state = "closed"
    db.commit()
    zero = _ok(client.get(listed, headers=auth_headers(client, w.county)))
    assert zero["hazards"] == [] and {k: zero[k] for k in ("open", "zero", "zero_by", "late")} == {
        "open": 0, "zero": True, "zero_by": "2026-04-30", "late": False}  # fmt: skip
    assert _ok(client.get(progress, headers=auth_headers(client, w.county)))["major_open"] == 0


def test_withdrawn_major_hazard_is_open_nowhere(db: Session, client: TestClient) -> None:
    """A 重大 hazard withdrawn (撤销) is neither 销号 nor open: the progress count, the 清零 list and the
    campaign page agree that nothing is open (the page used to count it in major_open)."""
    w = _dusty(db)
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    c = _ok(_campaign(client, county), 201)
    item = c["items"][0]
    url = f"{API}/{c['id']}/items/{item['id']}"
    ids = []
    for text in ("除尘器未设泄爆装置", "除尘系统未按规定清灰"):
        hazard = {"description": text, "place": "抛光车间", "category": "site", "grade": "major",
                  "major_item": item["code"]}  # fmt: skip
        ids.append(
            _ok(client.put(url, json={"result": "problem", "hazard": hazard}, headers=ent))["hazard_id"]
        )
    kept, withdrawn = db.get_one(Hazard, ids[0]), db.get_one(Hazard, ids[1])
    withdrawn.state = "withdrawn"  # the hazard's own workflow is tested in tests/hazards
    db.commit()

    p = _ok(client.get(f"{API}/{c['id']}/progress", headers=county))
    listed = _ok(client.get(f"{API}/{c['id']}/major-hazards", headers=county))
    assert p["total"]["major"] == 2 and p["total"]["major_closed"] == 0
    assert p["major_open"] == p["major_zero"]["open"] == listed["open"] == 1
    assert [h["hazard_id"] for h in listed["hazards"]] == [kept.id]
    assert p["total"]["major_open"] == sum(r["major_open"] for r in p["by_region"]) == 1
    page = client.get(f"/campaigns/{c['id']}", headers=county).text
    assert "尚有 1 项重大隐患未销号" in page and "除尘系统未按规定清灰" not in page
