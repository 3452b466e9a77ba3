"""责任清单 and 包联: the list decides whom a 重大事故隐患 report notifies; the scope of the lists; 包联
visits; the enterprise page's responsible parties."""

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.notifications.models import Notification
from tests.factories import auth_headers
from tests.supervision.factories import make_hazard, make_world
from tests.web.factories import sign_in

REPORT = {
    "action": "file_report",
    "recipient": "supervisor",
    "status_and_cause": "液氨储罐区未设置泄漏报警装置",
    "harm_and_difficulty": "危害大，需停产整改",
    "governance_plan": "停用储罐区，加装报警装置",
}
ENTRY = {
    "region": "139101",
    "department": "甲一区住房和城乡建设局",
    "industries": ["machinery"],
    "duties": "负责本区机械行业企业的安全生产监督管理",
}


def _report(client, db, w, hazard) -> set[int]:
    """File the 双报告 to the regulator; the users the report notified."""
    res = client.post(
        f"/api/hazards/{hazard.id}/transitions",
        json={**REPORT, "version": hazard.version},
        headers=auth_headers(client, w.ent_user),
    )
    assert res.status_code == 200, res.text
    return set(
        db.scalars(
            select(Notification.user_id).where(
                Notification.kind == "major_hazard_report", Notification.link == f"/hazards/{hazard.id}"
            )
        )
    )


def _audits(db, entity: str) -> list[str]:
    return list(
        db.scalars(select(AuditEntry.action).where(AuditEntry.entity == entity).order_by(AuditEntry.id))
    )


def test_the_county_list_decides_which_department_a_major_hazard_report_goes_to(db, client):
    w = make_world(db)
    # No 责任清单 yet: every inspector of the enterprise's region, as before.
    before = _report(client, db, w, make_hazard(db, w.ent))
    assert {w.county.id, w.county_other_dept.id, w.city.id, w.province.id} <= before

    city = auth_headers(client, w.city)
    res = client.post("/api/assessment/responsibilities", json=ENTRY, headers=city)
    assert res.status_code == 201, res.text
    entry = res.json()
    assert entry["industry_names"] == ["机械"] and entry["scale_names"] == ["全部"]
    assert _audits(db, "assessment_responsibility") == ["create"]

    # The county names its 住建局 for 机械: only that department's inspectors in the county are told.
    after = _report(client, db, w, make_hazard(db, w.ent, description="冲压车间安全联锁失效"))
    assert after == {w.county_other_dept.id}

    # An enterprise of another industry in the same county still goes to everyone.
    other = make_hazard(db, w.ent, description="另一处隐患")
    w.ent.industry = "hazardous_chemicals"
    db.commit()
    assert w.county.id in _report(client, db, w, other)


def test_one_department_per_industry_refusals_and_scope(db, client):
    w = make_world(db)
    county = auth_headers(client, w.county)
    entry = client.post("/api/assessment/responsibilities", json=ENTRY, headers=county).json()
    # The same industry for a second department of the same region: refused, naming both.
    res = client.post(
        "/api/assessment/responsibilities",
        json={**ENTRY, "department": "甲一区应急管理局"},
        headers=county,
    )
    assert (
        res.status_code == 409
        and "机械" in res.json()["detail"]
        and "住房和城乡建设局" in res.json()["detail"]
    )
    res = client.post(
        "/api/assessment/responsibilities", json={**ENTRY, "industries": ["no_such"]}, headers=county
    )
    assert (
        res.status_code == 422 and res.json()["field"] == "industries" and "no_such" in res.json()["detail"]
    )
    # Limited to 规上 enterprises, another department may take the 规下 ones.
    res = client.put(
        f"/api/assessment/responsibilities/{entry['id']}",
        json={**ENTRY, "scales": ["above"], "version": entry["version"]},
        headers=county,
    )
    assert res.status_code == 200, res.text
    res = client.post(
        "/api/assessment/responsibilities",
        json={**ENTRY, "department": "甲一区应急管理局", "scales": ["below"]},
        headers=county,
    )
    assert res.status_code == 201, res.text
    stale = client.put(
        f"/api/assessment/responsibilities/{entry['id']}",
        json={**ENTRY, "version": entry["version"]},
        headers=county,
    )
    assert stale.status_code == 409 and stale.json()["field"] == "version"

    # Scope: the county and the city read it; a sibling county, the township below and the enterprise do not.
    url = f"/api/assessment/responsibilities/{entry['id']}"
    for user, status in ((w.city, 200), (w.county2, 404), (w.township, 404), (w.ent_user, 404)):
        assert client.get(url, headers=auth_headers(client, user)).status_code == status, user.username
    assert (
        client.get("/api/assessment/responsibilities", headers=auth_headers(client, w.ent_user)).status_code
        == 403
    )
    # A sibling county cannot write the county's list; a township user cannot write at all.
    res = client.post("/api/assessment/responsibilities", json=ENTRY, headers=auth_headers(client, w.county2))
    assert res.status_code == 404 and res.json()["field"] == "region"
    res = client.post(
        "/api/assessment/responsibilities",
        json={**ENTRY, "region": "139101001"},
        headers=auth_headers(client, w.township),
    )
    assert res.status_code == 403
    listed = client.get("/api/assessment/responsibilities", headers=auth_headers(client, w.county2)).json()
    assert listed == []

    version = client.get(url, headers=county).json()["version"]
    assert client.delete(f"{url}?version={version}", headers=county).status_code == 204
    assert client.get(url, headers=county).status_code == 404
    assert _audits(db, "assessment_responsibility") == ["create", "update", "create", "delete"]


def test_liaison_visits_and_the_responsible_parties_of_an_enterprise(db, client):
    w = make_world(db)
    county, city = auth_headers(client, w.county), auth_headers(client, w.city)
    client.post("/api/assessment/responsibilities", json=ENTRY, headers=county)
    body = {"region": "139101", "leader_name": "张三", "leader_title": "副区长", "starts_on": "2026-01-01"}
    res = client.post(
        "/api/assessment/liaisons", json={**body, "target_enterprise_id": w.ent.id}, headers=county
    )
    assert res.status_code == 201, res.text
    liaison = res.json()
    res = client.post(
        "/api/assessment/liaisons",
        json={
            **body,
            "region": "139100",
            "leader_name": "李四",
            "leader_title": "副市长",
            "target_region": "139101",
        },
        headers=city,
    )
    assert res.status_code == 201, res.text
    # Refusals name the field.
    res = client.post("/api/assessment/liaisons", json=body, headers=county)
    assert res.status_code == 422 and "二选一" in res.json()["detail"]
    res = client.post(
        "/api/assessment/liaisons", json={**body, "target_enterprise_id": w.other_ent.id}, headers=city
    )
    assert res.status_code == 422 and res.json()["field"] == "target_enterprise_id"  # not in 甲一区
    res = client.post(
        "/api/assessment/liaisons",
        json={**body, "target_enterprise_id": w.ent.id},
        headers=auth_headers(client, w.county2),
    )
    assert res.status_code == 404

    # A visit: problems found, linked to the hazard registered for them (only a hazard of the target).
    mine, elsewhere = make_hazard(db, w.ent), make_hazard(db, w.other_ent)
    visit = {
        "visited_on": "2026-03-04",
        "checked": "重大危险源包保责任落实情况",
        "problems": "报警装置未安装",
    }
    url = f"/api/assessment/liaisons/{liaison['id']}/visits"
    res = client.post(url, json={**visit, "hazard_id": elsewhere.id}, headers=auth_headers(client, w.city))
    assert res.status_code == 422 and res.json()["field"] == "hazard_id"
    res = client.post(url, json={**visit, "visited_on": "2026-03-06"}, headers=county)
    assert res.status_code == 422 and "今天" in res.json()["detail"]
    res = client.post(url, json={**visit, "hazard_id": mine.id}, headers=county)
    assert res.status_code == 201, res.text
    assert [v["hazard_id"] for v in res.json()["visits"]] == [mine.id]
    assert client.post(url, json=visit, headers=auth_headers(client, w.ent_user)).status_code == 404
    assert _audits(db, "assessment_liaison") == ["create", "create"]
    assert _audits(db, "assessment_liaison_visit") == ["create"]

    # The enterprise reads who is responsible for it at each level, and only for itself.
    ent = auth_headers(client, w.ent_user)
    got = client.get(f"/api/assessment/enterprises/{w.ent.id}/responsible", headers=ent)
    assert got.status_code == 200, got.text
    levels = {lv["level"]: lv for lv in got.json()["levels"]}
    assert list(levels) == ["township", "county", "city"]
    assert levels["county"]["department"] == "甲一区住房和城乡建设局"
    assert [(x["title"], x["name"]) for x in levels["county"]["leaders"]] == [("副区长", "张三")]
    assert [(x["title"], x["name"]) for x in levels["city"]["leaders"]] == [("副市长", "李四")]
    assert levels["township"]["department"] is None and levels["city"]["department"] is None
    assert (
        client.get(f"/api/assessment/enterprises/{w.other_ent.id}/responsible", headers=ent).status_code
        == 404
    )
    assert client.get(f"/api/assessment/liaisons/{liaison['id']}", headers=ent).status_code == 404
    # The other enterprise (甲二区) has no 包联 leader of 甲一区 or of the city's 甲一区 assignment.
    other = client.get(f"/api/assessment/enterprises/{w.other_ent.id}/responsible", headers=city).json()
    assert all(not lv["leaders"] for lv in other["levels"])

    # The enterprise's own page shows the block.
    sign_in(client, w.ent_user.username)
    page = client.get(f"/enterprises/{w.ent.id}")
    assert page.status_code == 200
    assert "监管责任" in page.text and "甲一区住房和城乡建设局" in page.text and "副区长 张三" in page.text

    # Ending the assignment takes the leader off the enterprise's page.
    res = client.post(
        f"/api/assessment/liaisons/{liaison['id']}/end",
        json={"version": liaison["version"], "ends_on": "2026-03-01"},
        headers=county,
    )
    assert res.status_code == 200 and res.json()["active"] is False
    assert "副区长 张三" not in client.get(f"/enterprises/{w.ent.id}").text


def test_the_page_lists_and_edits_the_responsibility_list(db, client):
    w = make_world(db)
    sign_in(client, w.county.username)
    page = client.get("/assessment/responsibilities")
    assert page.status_code == 200 and "本辖区还没有责任清单" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "region": "139101", "department": "甲一区住房和城乡建设局"}
    bad = client.post("/assessment/responsibilities", data=form)
    assert bad.status_code == 200 and 'class="error"' in bad.text
    ok = client.post(
        "/assessment/responsibilities", data={**form, "industries": ["machinery"]}, follow_redirects=True
    )
    assert ok.status_code == 200 and "责任清单已保存" in ok.text and "甲一区住房和城乡建设局" in ok.text
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "assessment_responsibility")
        )
        == 1
    )
    # Change it through the prefilled form, then delete it.
    from app.assessment.models import ResponsibilityEntry

    row = db.scalars(select(ResponsibilityEntry)).one()
    edit = client.get(f"/assessment/responsibilities?edit={row.id}")
    assert "修改责任清单条目" in edit.text and f'name="entry_id" value="{row.id}"' in edit.text
    changed = client.post(
        "/assessment/responsibilities",
        data={
            **form,
            "industries": ["machinery", "light_industry"],
            "entry_id": row.id,
            "version": row.version,
        },
        follow_redirects=True,
    )
    assert "机械、轻工" in changed.text
    db.refresh(row)
    gone = client.post(
        f"/assessment/responsibilities/{row.id}/delete",
        data={"csrf_token": token, "version": row.version},
        follow_redirects=True,
    )
    assert "已删除该条" in gone.text and "本辖区还没有责任清单" in gone.text
    # A township user reads the page without the forms.
    client.cookies.clear()
    sign_in(client, w.township.username)
    page = client.get("/assessment/responsibilities")
    assert page.status_code == 200 and "新增责任清单条目" not in page.text
