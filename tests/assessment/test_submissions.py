"""报送: an upper level requires three counties to file by a due date; one files on time, one late (marked
逾期报送), one never — the scheduler job (movable clock) tells exactly the missing one, once; each county
sees only its own row; the filing carries the county's scorecard figures."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.assessment import service, submissions
from app.audit.models import AuditEntry
from app.hazards.models import Hazard
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, freeze
from tests.factories import auth_headers, make_user, principal
from tests.supervision.factories import make_world
from tests.web.factories import csrf, sign_in

URL = "/api/assessment/submission-requirements"
BODY = {
    "title": "2026年2月双重预防机制工作进展情况",
    "period": "2026-02",
    "due_on": "2026-03-10",
    "note": "请各县区报送2月工作进展。",
}


@pytest.fixture
def world(db):
    w = make_world(db)
    w.county_b = make_user(db, "inspector", region_code="139201", department="乙一区应急管理局")  # type: ignore[attr-defined]
    # 甲一区 in February: 1 hazard found, closed — the figure its filing must carry.
    db.add(
        Hazard(
            enterprise_id=w.ent.id,
            source="routine",
            description="消防通道堵塞",
            place="仓库",
            category="site",
            found_on=date(2026, 2, 3),
            grade="general",
            state="closed",
            deadline=date(2026, 2, 10),
            closed_on=date(2026, 2, 9),
        )
    )
    db.commit()
    return w


def _rows(client, user, req_id):
    res = client.get(f"{URL}/{req_id}", headers=auth_headers(client, user))
    assert res.status_code == 200, res.text
    return {r["region_code"]: r for r in res.json()["rows"]}


def _file(client, user, sub, content="2月完成隐患排查整改，重大隐患全部挂牌督办。"):
    return client.post(
        f"/api/assessment/submissions/{sub['id']}/file",
        json={"version": sub["version"], "content": content},
        headers=auth_headers(client, user),
    )


def _notified(db, user_id):
    return list(
        db.scalars(
            select(Notification.title).where(
                Notification.kind == submissions.KIND, Notification.user_id == user_id
            )
        )
    )


def _run(db, day):
    # 08:20 Shanghai on `day`: the job's own time.
    at = datetime.combine(day, datetime.min.time().replace(hour=8, minute=20), SHANGHAI).astimezone(UTC)
    out = submissions.missing(db, RunContext("assessment.missing_submissions", at, run_id=1))
    db.commit()
    return out


def test_three_counties_on_time_late_and_missing(db, client, world):
    province = auth_headers(client, world.province)
    targets = [{"region": c} for c in ("139101", "139102", "139201")]
    res = client.post(URL, json={**BODY, "targets": targets}, headers=province)
    assert res.status_code == 201, res.text
    req = res.json()
    assert req["region_code"] == "139900" and req["counts"] == {
        "filed": 0,
        "late": 0,
        "pending": 3,
        "missing": 0,
    }

    # 甲一区 files on 5 March (before the due date), with its scorecard figures attached.
    rows = _rows(client, world.county, req["id"])
    assert set(rows) == {"139101"}  # its own row only
    res = _file(client, world.county, rows["139101"])
    assert res.status_code == 200, res.text
    filed = res.json()
    assert filed["status"] == "filed" and filed["status_label"] == "已报送" and not filed["late"]
    rect = next(i for i in filed["figures"]["indicators"] if i["id"] == "rectification_rate")
    card = service.scorecard(db, principal(db, world.county), "139101", "2026-02")["card"]
    direct = next(i for i in card["indicators"] if i["id"] == "rectification_rate")
    assert (rect["numerator"], rect["denominator"]) == (direct["numerator"], direct["denominator"]) == (1, 1)
    assert filed["figures"]["period"] == "2026-02"
    # Filing twice is refused; so is a sibling county filing for it (it cannot even see the row).
    assert _file(client, world.county, filed).status_code == 409
    assert _file(client, world.county2, filed).status_code == 404

    # The due date itself (10 March) still counts as on time: nobody is chased yet.
    assert _run(db, date(2026, 3, 10)) == {"missing": 0, "notified": 0}

    # 甲二区 files on 12 March: after the due date, marked 逾期报送.
    freeze(datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI))
    sub = _rows(client, world.county2, req["id"])["139102"]
    assert sub["status"] == "missing" and sub["status_label"] == "逾期未报"
    res = _file(client, world.county2, sub)
    assert res.status_code == 200, res.text
    assert res.json()["late"] and res.json()["status_label"] == "逾期报送"

    # The job on 13 March tells the one county that never filed (and the issuer), once; a repeat sends none.
    assert _run(db, date(2026, 3, 13)) == {"missing": 1, "notified": 1}
    assert _run(db, date(2026, 3, 13)) == {"missing": 1, "notified": 0}
    assert _run(db, date(2026, 3, 14)) == {"missing": 1, "notified": 0}
    assert _notified(db, world.county_b.id) == [
        "逾期未报送：乙一区《2026年2月双重预防机制工作进展情况》（截止 2026-03-10）"
    ]
    assert len(_notified(db, world.province.id)) == 1
    assert _notified(db, world.county.id) == [] and _notified(db, world.county2.id) == []

    # The issuer sees every row with its status; each city only its own counties.
    rows = _rows(client, world.province, req["id"])
    assert {c: r["status"] for c, r in rows.items()} == {
        "139101": "filed",
        "139102": "late",
        "139201": "missing",
    }
    listed = client.get(URL, headers=auth_headers(client, world.province)).json()  # fresh: clock moved
    assert listed[0]["counts"] == {"filed": 1, "late": 1, "pending": 0, "missing": 1}
    assert set(_rows(client, world.city, req["id"])) == {"139101", "139102"}
    assert set(_rows(client, world.city_b, req["id"])) == {"139201"}
    # The township inside 甲一区 sees its county's row; an enterprise user sees nothing.
    assert set(_rows(client, world.township, req["id"])) == {"139101"}
    ent = auth_headers(client, world.ent_user)
    assert client.get(f"{URL}/{req['id']}", headers=ent).status_code == 404
    assert client.get(URL, headers=ent).json() == []

    # Every change is audited.
    actions = db.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity.in_(("assessment_submission", "assessment_submission_requirement"))
        )
    ).all()
    assert sorted(actions) == ["create", "file", "file"]


def test_named_department_files_and_refusals_name_the_field(db, client, world):
    city = auth_headers(client, world.city)
    body = {**BODY, "targets": [{"region": "139101", "department": "甲一区应急管理局"}]}
    res = client.post(URL, json=body, headers=city)
    assert res.status_code == 201, res.text
    sub = _rows(client, world.county, res.json()["id"])["139101"]
    # Another department of the same county may read it but not file it.
    assert _file(client, world.county_other_dept, sub).status_code == 403
    assert _file(client, world.county, sub, content="x" * 5001).status_code == 422
    assert _file(client, world.county, {**sub, "version": sub["version"] + 1}).status_code == 409
    assert _file(client, world.county, sub).status_code == 200

    for bad, field in (
        ({**BODY, "targets": [{"region": "139201"}]}, "targets"),  # not below 甲市
        ({**BODY, "targets": [{"region": "139100"}]}, "targets"),  # the issuer itself
        ({**BODY, "targets": [{"region": "139101"}, {"region": "139101"}]}, "targets"),
        ({**BODY, "targets": []}, "targets"),
        ({**BODY, "due_on": "2026-03-01", "targets": [{"region": "139101"}]}, "due_on"),
        ({**BODY, "period": "2026-13", "targets": [{"region": "139101"}]}, "period"),
        ({**BODY, "title": "x" * 201, "targets": [{"region": "139101"}]}, "title"),
    ):
        res = client.post(URL, json=bad, headers=city)
        assert res.status_code == 422 and field in res.text, (bad, res.text)
    assert (
        client.post(
            URL,
            json={**BODY, "targets": [{"region": "139101"}]},
            headers=auth_headers(client, world.ent_user),
        ).status_code
        == 403
    )
    # A region outside the caller's scope answers like an unknown one.
    outside = {**BODY, "region": "139200", "targets": [{"region": "139201"}]}
    assert client.post(URL, json=outside, headers=city).status_code == 404


def test_pages_set_a_requirement_and_file(db, client, world):
    sign_in(client, world.city.username)
    form = {"csrf_token": csrf(client, "/assessment/submissions"), "title": BODY["title"],
            "period": "2026-02", "due_on": "2026-03-10", "regions": ["139101", "139102"]}  # fmt: skip
    res = client.post("/assessment/submissions", data={**form, "due_on": "2026-01-01"})
    assert res.status_code == 200 and "报送截止日期不能早于今天" in res.text
    res = client.post("/assessment/submissions", data=form, follow_redirects=False)
    assert res.status_code == 303, res.text
    url = res.headers["location"]
    page = client.get(url)
    assert page.text.count('data-status="pending"') == 2 and "报送</button>" not in page.text

    sign_in(client, world.county.username)
    page = client.get(url)
    assert page.text.count('data-status="pending"') == 1 and "甲二区" not in page.text
    req_id = int(url.rsplit("/", 1)[1])
    sub = _rows(client, world.county, req_id)["139101"]
    token = csrf(client, url)
    res = client.post(
        f"{url}/{sub['id']}", data={"csrf_token": token, "version": str(sub["version"]), "content": ""}
    )
    assert res.status_code == 200 and 'role="alert"' in res.text
    res = client.post(
        f"{url}/{sub['id']}",
        data={"csrf_token": token, "version": str(sub["version"]), "content": "2月工作进展"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    page = client.get(url)
    assert 'data-status="filed"' in page.text and "2月工作进展" in page.text and "已报送" in page.text
