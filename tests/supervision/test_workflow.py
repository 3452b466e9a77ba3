"""The whole 挂牌督办 chain through the API, and every refusal a user can meet."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.hazards.models import Hazard
from app.hazards.transitions import check_close_guards
from app.supervision.models import SupervisionEvent
from tests.factories import auth_headers
from tests.supervision.factories import World, make_attachment, make_hazard, make_world

CASES = "/api/supervision/cases"


def _list(client: TestClient, h: dict[str, str], hazard_id: int, **kw: Any) -> Any:
    body = {
        "subject_id": hazard_id,
        "responsible_unit": "甲一化工有限公司",
        "requirements": "立即局部停产，加装泄漏报警",
        "deadline": "2026-06-30",
        **kw,
    }
    return client.post(CASES, json=body, headers=h)


def _act(client: TestClient, h: dict[str, str], case: dict[str, Any], action: str, **kw: Any) -> Any:
    return client.post(
        f"{CASES}/{case['id']}/actions/{action}", json={"version": case["version"], **kw}, headers=h
    )


def _ok(res: Any, status: int = 200) -> dict[str, Any]:
    assert res.status_code == status, res.text
    return res.json()  # type: ignore[no-any-return]


def test_whole_chain_closes_the_hazard_and_publishes(db: Session, client: TestClient) -> None:
    w = make_world(db)
    hz = make_hazard(db, w.ent)
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)

    case = _ok(_list(client, county, hz.id), 201)
    assert case["state"] == "listed" and case["level"] == "county"
    assert case["notice_number"] == "甲一应急督〔2026〕1号"
    assert case["allowed_actions"] == ["revoke"]  # the county cannot raise its own case

    # The hazard cannot be closed around the case.
    assert "挂牌督办" in (check_close_guards(db, db.get_one(Hazard, hz.id)) or "")

    # The enterprise sees what it must do next.
    board = _ok(client.get("/api/supervision/board", headers=ent))
    assert board["cases"][0]["allowed_actions"] == ["acknowledge", "request_extension"]
    assert board["cases"][0]["next_steps"] == ["签收督办通知书", "申请延期"]

    case = _ok(_act(client, ent, case, "acknowledge"))
    assert case["state"] == "rectifying"
    photo = make_attachment(db, w.ent, w.ent_user)
    case = _ok(_act(client, ent, case, "report_progress", note="报警装置已采购", attachments=[photo]))
    case = _ok(_act(client, ent, case, "apply_closure", note="整改完成，验收报告见附件", attachments=[photo]))
    assert case["state"] == "closure_applied"
    assert case["verification_due"] == "2026-03-12"  # 10 日 (calendar days) after the application

    case = _ok(_act(client, county, case, "assign_verifier", verifier_id=w.county.id))
    assert case["state"] == "verifying"
    case = _ok(
        _act(client, county, case, "fail_verification", note="报警装置未联动切断", new_deadline="2026-07-15")
    )
    assert case["state"] == "rectifying" and case["deadline"] == "2026-07-15"
    case = _ok(_act(client, ent, case, "apply_closure", note="已增加联动切断", attachments=[photo]))
    case = _ok(_act(client, county, case, "assign_verifier", verifier_id=w.county.id))
    case = _ok(_act(client, county, case, "pass_verification", note="现场核查合格"))
    assert case["state"] == "closed" and case["allowed_actions"] == []

    assert db.get_one(Hazard, hz.id).state == "closed"
    actions = [e["action"] for e in case["events"]]
    assert actions == [
        "list", "acknowledge", "report_progress", "apply_closure", "assign_verifier", "fail_verification",
        "apply_closure", "assign_verifier", "pass_verification",
    ]  # fmt: skip
    assert case["events"][2]["attachments"] == [photo]
    audited = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "supervision_case")).all()
    assert len(audited) == len(actions)

    feed = _ok(client.get("/api/public/announcements"))
    assert [a["kind"] for a in feed] == ["closure", "listing"]

    # The whole history prints as one page.
    page = client.get(f"/supervision/cases/{case['id']}/history", headers=county)
    assert page.status_code == 200 and "执法全过程记录" in page.text and "现场核查合格" in page.text
    notice = client.get(f"/supervision/cases/{case['id']}/notice", headers=ent)
    assert notice.status_code == 200
    assert (
        "督办通知书" in notice.text
        and "甲一应急督〔2026〕1号" in notice.text
        and "2026年7月15日" in notice.text
    )


def test_listing_refusals(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county = auth_headers(client, w.county)
    general = make_hazard(db, w.ent, grade="general")
    res = _list(client, county, general.id)
    assert res.status_code == 422 and res.json()["field"] == "subject_id"

    closed = make_hazard(db, w.ent, state="closed")
    assert _list(client, county, closed.id).status_code == 409

    hz = make_hazard(db, w.ent)
    assert _list(client, county, hz.id, level="city").status_code == 422  # a county lists at 县级
    res = _list(client, county, hz.id, deadline="2026-03-01")
    assert res.json().get("field") == "deadline", res.text
    assert _list(client, county, hz.id, deadline="2027-06-01").json()["field"] == "deadline"  # > 1 year
    _ok(_list(client, county, hz.id), 201)
    again = _list(client, county, hz.id)
    assert again.status_code == 409 and "已挂牌督办" in again.json()["detail"]

    # Another county's inspector does not see the hazard; enterprises and townships cannot list.
    hz2 = make_hazard(db, w.ent)
    assert _list(client, auth_headers(client, w.county2), hz2.id).status_code == 404
    assert _list(client, auth_headers(client, w.ent_user), hz2.id).status_code == 403
    assert _list(client, auth_headers(client, w.township), hz2.id).status_code == 403
    # The city lists at 市级 with its own sequence.
    city_case = _ok(_list(client, auth_headers(client, w.city), hz2.id), 201)
    assert city_case["level"] == "city" and city_case["notice_number"] == "甲应急督〔2026〕1号"
    assert city_case["issuer_department"] == "甲市应急管理局"


def _listed(db: Session, client: TestClient, w: World) -> dict[str, Any]:
    hz = make_hazard(db, w.ent)
    case = _ok(_list(client, auth_headers(client, w.county), hz.id), 201)
    return _ok(_act(client, auth_headers(client, w.ent_user), case, "acknowledge"))


def test_who_may_act(db: Session, client: TestClient) -> None:
    w = make_world(db)
    case = _listed(db, client, w)
    ent = auth_headers(client, w.ent_user)
    photo = make_attachment(db, w.ent, w.ent_user)

    # Another enterprise does not even see the case.
    other = auth_headers(client, w.other_ent_user)
    assert client.get(f"{CASES}/{case['id']}", headers=other).status_code == 404
    assert _act(client, other, case, "apply_closure", note="x", attachments=[photo]).status_code == 404

    # The enterprise cannot revoke; the answer says why and what it may do.
    res = _act(client, ent, case, "revoke", note="不想整改")
    assert res.status_code == 409
    assert res.json()["allowed_actions"] == ["report_progress", "request_extension", "apply_closure"]

    case = _ok(_act(client, ent, case, "apply_closure", note="完成", attachments=[photo]))
    # Same county, another department; a sibling county; another city; a township: none may verify.
    for user in (w.county_other_dept, w.city_b, w.township):
        res = _act(client, auth_headers(client, user), case, "assign_verifier", verifier_id=w.county.id)
        assert res.status_code in (404, 409), user.username
        if res.status_code == 409:
            assert (
                res.json()["allowed_actions"] == []
                and "督办的部门或其上级" in res.json()["detail"]
                or user.role == "township"
            )
    assert (
        _act(
            client, auth_headers(client, w.county2), case, "assign_verifier", verifier_id=w.county.id
        ).status_code
        == 404
    )
    # A verifier must have authority over the case.
    res = _act(
        client, auth_headers(client, w.city), case, "assign_verifier", verifier_id=w.county_other_dept.id
    )
    assert res.status_code == 422 and res.json()["field"] == "verifier_id"
    # The city (a higher department) may verify.
    case = _ok(_act(client, auth_headers(client, w.city), case, "assign_verifier", verifier_id=w.city.id))
    # The enterprise cannot pass its own verification.
    res = _act(client, ent, case, "pass_verification", note="合格")
    assert res.status_code == 409 and res.json()["allowed_actions"] == []
    # Missing evidence or reasons are named.
    assert _act(client, auth_headers(client, w.city), case, "fail_verification").json()["field"] == "note"


def test_two_inspectors_closing_at_once_one_wins(db: Session, client: TestClient) -> None:
    w = make_world(db)
    case = _listed(db, client, w)
    photo = make_attachment(db, w.ent, w.ent_user)
    case = _ok(
        _act(
            client, auth_headers(client, w.ent_user), case, "apply_closure", note="完成", attachments=[photo]
        )
    )
    county, city = auth_headers(client, w.county), auth_headers(client, w.city)
    case = _ok(_act(client, county, case, "assign_verifier", verifier_id=w.county.id))
    seen = dict(case)  # both inspectors loaded this version
    first = _act(client, county, seen, "pass_verification", note="合格")
    second = _act(client, city, seen, "pass_verification", note="合格")
    assert first.status_code == 200
    assert second.status_code == 409 and second.json()["field"] == "version"
    assert second.json()["allowed_actions"] == []
    n = db.scalars(select(SupervisionEvent).where(SupervisionEvent.action == "pass_verification")).all()
    assert len(n) == 1


def test_extension_lead_time_approval_and_refusal(db: Session, client: TestClient) -> None:
    w = make_world(db)
    case = _listed(db, client, w)  # deadline 2026-06-30
    ent, county = auth_headers(client, w.ent_user), auth_headers(client, w.county)
    res = _act(client, ent, case, "request_extension", note="设备到货延迟")
    assert res.json()["field"] == "new_deadline"
    case = _ok(_act(client, ent, case, "request_extension", note="设备到货延迟", new_deadline="2026-08-31"))
    assert case["extension_until"] == "2026-08-31"
    # The event says which holiday data the working-day count of the decision date used.
    used = case["events"][-1]["data"]["decide_by_calendar"]
    assert used and all(("chinese-calendar" in u or "规则文件" in u or "估算" in u) for u in used)
    # The enterprise cannot approve its own request; a second request waits.
    res = _act(client, ent, case, "approve_extension")
    assert res.status_code == 409 and "approve_extension" not in res.json()["allowed_actions"]
    assert (
        _act(client, ent, case, "request_extension", note="x", new_deadline="2026-09-30").status_code == 409
    )
    assert _act(client, ent, case, "apply_closure", note="x").status_code == 409  # pending extension
    case = _ok(_act(client, county, case, "approve_extension", note="同意"))
    assert case["deadline"] == "2026-08-31" and case["original_deadline"] == "2026-06-30"

    case = _ok(_act(client, ent, case, "request_extension", note="再延", new_deadline="2026-09-30"))
    case = _ok(_act(client, county, case, "refuse_extension", note="理由不充分"))
    assert case["deadline"] == "2026-08-31" and case["extension_until"] is None


def test_extension_refused_inside_lead_time(db: Session, client: TestClient) -> None:
    w = make_world(db)
    hz = make_hazard(db, w.ent)
    # Deadline 2026-03-20: 20 working days before it is long past on 2026-03-02.
    case = _ok(_list(client, auth_headers(client, w.county), hz.id, deadline="2026-03-20"), 201)
    res = _act(
        client,
        auth_headers(client, w.ent_user),
        case,
        "request_extension",
        note="x",
        new_deadline="2026-04-30",
    )
    assert res.status_code == 409
    assert "20个工作日" in res.json()["detail"] and "2026-02-" in res.json()["detail"]
    assert res.json()["allowed_actions"] == ["acknowledge"]  # no request_extension any more


def test_revoke_and_escalate(db: Session, client: TestClient) -> None:
    w = make_world(db)
    case = _listed(db, client, w)
    county, city, province = (auth_headers(client, u) for u in (w.county, w.city, w.province))
    # The issuing county cannot raise its own case to 市级; the city does, with the city's number.
    res = _act(client, county, case, "escalate")
    assert res.status_code == 409 and "上级部门" in res.json()["detail"]
    case = _ok(_act(client, city, case, "escalate", note="逾期风险大，提级"))
    assert case["level"] == "city" and case["notice_number"] == "甲应急督〔2026〕1号"
    assert case["issuer_department"] == "甲市应急管理局"
    ev = case["events"][-1]
    assert ev["data"]["from"]["level"] == "county" and ev["data"]["to"]["level"] == "city"
    # Now the county no longer has authority.
    res = _act(client, county, case, "revoke", note="x")
    assert res.status_code == 409 and res.json()["allowed_actions"] == []
    case = _ok(_act(client, province, case, "escalate"))
    assert case["level"] == "province" and case["notice_number"] == "冀应急督〔2026〕1号"  # adcode 13xxxx: 冀
    res = _act(client, province, case, "escalate")
    assert res.status_code == 409 and "省级" in res.json()["detail"]
    assert _act(client, province, case, "revoke").json()["field"] == "note"
    case = _ok(_act(client, province, case, "revoke", note="企业已关闭，隐患灭失"))
    assert case["state"] == "revoked"


def test_overdue_enforcement_records(db: Session, client: TestClient) -> None:
    from datetime import datetime

    from app.timeutil import SHANGHAI, freeze

    w = make_world(db)
    case = _listed(db, client, w)
    county = auth_headers(client, w.county)
    res = _act(client, county, case, "record_enforcement", kind="interview", note="约谈主要负责人")
    assert res.status_code == 409 and "尚未届满" in res.json()["detail"]
    freeze(datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI))
    county = auth_headers(client, w.county)  # the old token expired meanwhile
    assert _act(client, county, case, "record_enforcement", note="x").json()["field"] == "kind"
    doc = make_attachment(db, w.ent, w.county)
    case = _ok(
        _act(
            client,
            county,
            case,
            "record_enforcement",
            kind="suspension",
            note="责令停产整顿",
            attachments=[doc],
        )
    )
    assert case["is_overdue"] and case["days_overdue"] == 2
    assert case["events"][-1]["data"]["kind_label"] == "停产整顿"
