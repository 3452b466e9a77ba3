"""事故: a 3-death accident is 较大, its reporting chain is tracked with a late report flagged, it goes
through investigation (one extension), 挂牌督办 and 结案, and its one-year 整改评估 is opened by the daily
job on a moved clock and recorded. Refusals, audit and scope on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accidents import jobs
from app.accidents.models import Accident
from app.audit.models import AuditEntry
from app.notifications.models import Notification
from app.risks.models import Accident as RisksAccident
from app.rules_engine import evaluate_case, get_registry
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI
from tests.factories import auth_headers
from tests.supervision.factories import make_world

API = "/api/accidents"


def _ok(res: Any, status: int = 200) -> dict[str, Any]:
    assert res.status_code == status, res.text
    return res.json()  # type: ignore[no-any-return]


def _report(client: TestClient, h: dict[str, str], ent_id: int, **kw: Any) -> Any:
    body = {
        "enterprise_id": ent_id,
        "occurred_at": "2026-03-02T07:00:00+08:00",  # three hours before "now"
        "place": "液氨储罐区",
        "accident_type": "中毒和窒息",
        "deaths": 3,
        "serious_injuries": 1,
        "direct_loss_yuan": 2_000_000,
        "summary": "储罐清洗作业中发生中毒，已组织救援",
        **kw,
    }
    return client.post(API, json=body, headers=h)


def _act(client: TestClient, h: dict[str, str], acc_id: int, action: str, **body: Any) -> Any:
    return client.post(f"{API}/{acc_id}/actions/{action}", json=body, headers=h)


def test_level_boundaries_follow_article_3() -> None:
    def level(**facts: int) -> str:
        return str(evaluate_case({"method": "accident_level", "inputs": facts}).level)

    assert level(deaths=3) == "larger"  # “以上”包括本数
    assert level(deaths=2, serious_injuries=9, direct_loss_yuan=9_999_999) == "general"
    assert level(serious_injuries=10) == "larger"
    assert level(deaths=10) == "serious"
    assert level(direct_loss_yuan=100_000_000) == "extra_serious"
    trace = evaluate_case({"method": "accident_level", "inputs": {"deaths": 3}}).trace
    assert any("第三条" in s.citation for s in trace)
    assert "报告至省级" in trace[-1].detail
    policy = get_registry().select("accident_rules").model
    codes = {i.code for i in get_registry().industries().industries}
    assert set(policy.plan_evaluation_scope.industries) <= codes
    assert policy.supervision.project_default and "项目默认" in (policy.supervision.note or "")


def test_report_investigate_supervise_close_evaluate(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, county, city = (auth_headers(client, u) for u in (w.ent_user, w.county, w.city))

    acc = _ok(_report(client, ent, w.ent.id), 201)
    assert acc["level"] == "larger" and acc["level_label"] == "较大事故"
    assert any("第三条" in s["source"]["citation"] for s in acc["level_trace"])
    # 单位 → 县级 (1 h), then 2 h per tier up to the province for a 较大 accident.
    assert [s["tier"] for s in acc["chain"]] == ["county", "city", "province"]
    assert acc["chain"][0]["due_local"] == "2026-03-02 08:00"
    assert acc["chain"][0]["status"] == "late"  # reported at 10:00
    assert any(f.startswith("可能迟报") for f in acc["flags"])
    # Grading still reads the row from the old model's import path.
    assert db.get_one(RisksAccident, acc["id"]).deaths == 3

    # Upward reporting must go tier by tier.
    res = client.post(
        f"{API}/{acc['id']}/report-steps",
        json={"tier": "province", "reported_at": "2026-03-02T09:30:00+08:00"},
        headers=county,
    )
    assert (
        res.status_code == 409 and "县级" not in res.json()["detail"] and "设区的市级" in res.json()["detail"]
    )
    acc = _ok(
        client.post(
            f"{API}/{acc['id']}/report-steps",
            json={"tier": "city", "reported_at": "2026-03-02T10:00:00+08:00"},
            headers=county,
        ),
        201,
    )
    assert acc["chain"][1]["status"] == "on_time"  # due 12:00 (10:00 + 2 h)
    assert acc["chain"][2]["status"] == "pending"
    # The enterprise does not record the departments' reports.
    res = client.post(
        f"{API}/{acc['id']}/report-steps",
        json={"tier": "province", "reported_at": "2026-03-02T09:40:00+08:00"},
        headers=ent,
    )
    assert res.status_code == 403

    # Illegal steps are refused with the reason.
    res = _act(client, county, acc["id"], "close", reply_authority="甲市人民政府")
    assert res.status_code == 409 and "当前状态下不能执行“批复结案”" in res.json()["detail"]
    res = _act(client, ent, acc["id"], "start_investigation", team="x")
    assert res.status_code == 409 and "角色" in res.json()["detail"]
    res = _act(client, city, acc["id"], "start_investigation")
    assert res.status_code == 422 and res.json()["field"] == "team"

    acc = _ok(_act(client, city, acc["id"], "start_investigation", team="市应急管理局牵头，公安、总工会参加"))
    assert acc["state"] == "investigating" and acc["investigation_due"] == "2026-05-01"  # 2 Mar + 60 d
    res = _act(client, city, acc["id"], "extend_investigation", extension_days=61, note="技术鉴定")
    assert res.status_code == 422 and res.json()["field"] == "extension_days"
    acc = _ok(_act(client, city, acc["id"], "extend_investigation", extension_days=30, note="需技术鉴定"))
    assert acc["investigation_due"] == "2026-05-31"
    res = _act(client, city, acc["id"], "extend_investigation", extension_days=10, note="再延")
    assert res.status_code == 409 and "已经延长过一次" in res.json()["detail"]

    # 挂牌督办 through the existing supervision module.
    case = _ok(
        client.post(
            "/api/supervision/cases",
            json={
                "subject_type": "accident_investigation",
                "subject_id": acc["id"],
                "responsible_unit": "甲市事故调查组",
                "requirements": "按期查清事故原因、落实责任",
                "deadline": "2026-05-31",
            },
            headers=city,
        ),
        201,
    )
    assert case["subject_type"] == "accident_investigation" and case["level"] == "city"
    res = client.post(
        "/api/supervision/cases",
        json={
            "subject_type": "accident_investigation",
            "subject_id": acc["id"],
            "responsible_unit": "x",
            "requirements": "y",
            "deadline": "2026-05-31",
        },
        headers=city,
    )
    assert res.status_code == 409 and "该事故调查已挂牌督办" in res.json()["detail"]

    res = _act(
        client, city, acc["id"], "submit_report", causes="违章进入有限空间", responsibility="企业负责人"
    )
    assert res.status_code == 422 and res.json()["field"] == "measures"
    acc = _ok(
        _act(
            client,
            city,
            acc["id"],
            "submit_report",
            causes="违章进入有限空间作业，未检测、未通风",
            responsibility="企业主要负责人未落实有限空间管理制度，建议罚款",
            measures=["建立有限空间作业审批制度", "配备气体检测仪并培训"],
        )
    )
    acc = _ok(_act(client, city, acc["id"], "close", reply_authority="甲市人民政府"))
    assert acc["state"] == "closed" and acc["closed_on"] == "2026-03-02"
    assert acc["evaluation_opens_on"] == "2027-01-02" and acc["evaluation_due"] == "2027-03-02"
    res = _act(client, city, acc["id"], "record_evaluation", summary="已落实")
    assert res.status_code == 409

    # The daily job on a moved clock: nothing before the window, then the evaluation is raised.
    def run(day: datetime) -> dict[str, Any]:
        out = jobs.daily(db, RunContext("accidents.daily", day.astimezone(UTC), run_id=1))
        db.commit()
        return out

    assert run(datetime(2026, 12, 31, 2, tzinfo=SHANGHAI))["evaluations_opened"] == 0
    assert run(datetime(2027, 1, 2, 2, tzinfo=SHANGHAI))["evaluations_opened"] == 1
    assert run(datetime(2027, 1, 3, 2, tzinfo=SHANGHAI))["evaluations_opened"] == 0  # idempotent
    acc = _ok(client.get(f"{API}/{acc['id']}", headers=city))
    assert acc["state"] == "evaluation_due" and acc["allowed_actions"] == ["record_evaluation"]
    measures = {str(m["id"]): "done" for m in acc["measures"]}
    res = _act(client, city, acc["id"], "record_evaluation", summary="已落实", measure_results={})
    assert res.status_code == 422 and res.json()["field"] == "measure_results"
    acc = _ok(
        _act(
            client, city, acc["id"], "record_evaluation", summary="两项措施均已落实", measure_results=measures
        )
    )
    assert acc["state"] == "evaluated" and [m["evaluation"] for m in acc["measures"]] == ["done", "done"]

    actions = set(
        db.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity == "accident", AuditEntry.entity_id == str(acc["id"])
            )
        )
    )
    assert {
        "report",
        "report_step",
        "start_investigation",
        "extend_investigation",
        "submit_report",
        "close",
        "open_evaluation",
        "record_evaluation",
    } <= actions
    assert [e["action"] for e in acc["events"]][-2:] == ["open_evaluation", "record_evaluation"]
    assert (
        db.scalar(select(Notification.id).where(Notification.kind == "accident_open_evaluation")) is not None
    )


def test_supplement_raises_level_and_chain(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, county = auth_headers(client, w.ent_user), auth_headers(client, w.county)
    acc = _ok(_report(client, ent, w.ent.id, deaths=2, occurred_at="2026-03-02T09:30:00+08:00"), 201)
    assert acc["level"] == "general" and [s["tier"] for s in acc["chain"]] == ["county", "city"]
    assert acc["chain"][0]["status"] == "on_time" and acc["flags"] == []
    # A general accident is not put under 挂牌督办 (policy: 较大 and above).
    res = client.post(
        "/api/supervision/cases",
        json={
            "subject_type": "accident_investigation",
            "subject_id": acc["id"],
            "responsible_unit": "x",
            "requirements": "y",
            "deadline": "2026-05-31",
        },
        headers=county,
    )
    assert res.status_code == 422 and "较大事故及以上" in res.json()["detail"]

    res = client.post(
        f"{API}/{acc['id']}/updates",
        json={
            "deaths": 2,
            "serious_injuries": 1,
            "minor_injuries": 0,
            "direct_loss_yuan": 2_000_000,
            "note": "无变化",
        },
        headers=ent,
    )
    assert res.status_code == 422 and res.json()["field"] == "deaths"
    acc = _ok(
        client.post(
            f"{API}/{acc['id']}/updates",
            json={
                "deaths": 10,
                "serious_injuries": 1,
                "minor_injuries": 0,
                "direct_loss_yuan": 2_000_000,
                "note": "又有8名伤员经抢救无效死亡",
            },
            headers=ent,
        ),
        201,
    )
    assert acc["level"] == "serious"
    assert [s["tier"] for s in acc["chain"]] == ["county", "city", "province", "ministry"]
    assert acc["updates"][0]["within_window"] is True and acc["updates"][0]["level_before"] == "general"
    assert db.get_one(Accident, acc["id"]).deaths == 10


def test_inspector_record_may_be_concealment_and_scope(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county, county2, other_ent = (auth_headers(client, u) for u in (w.county, w.county2, w.other_ent_user))
    acc = _ok(_report(client, county, w.ent.id, occurred_at="2026-03-01T20:00:00+08:00"), 201)
    assert acc["source"] == "inspector" and acc["chain"][0]["status"] == "overdue"
    assert any(f.startswith("可能漏报") for f in acc["flags"]) and any(
        f.startswith("可能瞒报") for f in acc["flags"]
    )
    board = _ok(client.get(f"{API}/board", headers=county))
    assert [r["id"] for r in board["reports"]] == [acc["id"]]
    assert _ok(client.get(f"{API}/board", headers=county2))["reports"] == []
    # Another county and another enterprise see nothing: 404, as if unknown.
    assert client.get(f"{API}/{acc['id']}", headers=county2).status_code == 404
    assert client.get(f"{API}/{acc['id']}", headers=other_ent).status_code == 404
    assert _act(client, county2, acc["id"], "start_investigation", team="x").status_code == 404
    assert _report(client, other_ent, w.ent.id).status_code == 404
    # A naive time or a future time is refused, naming the field.
    res = _report(client, county, w.ent.id, occurred_at="2026-03-02T07:00:00")
    assert res.status_code == 422 and res.json()["field"] == "occurred_at"
    res = _report(client, county, w.ent.id, occurred_at="2026-03-03T07:00:00+08:00")
    assert res.status_code == 422 and res.json()["field"] == "occurred_at"
    res = _report(client, county, w.ent.id, accident_type="不存在的类别")
    assert res.status_code == 422


def test_legacy_rows_have_no_chain(db: Session, client: TestClient) -> None:
    w = make_world(db)
    db.add(
        RisksAccident(
            enterprise_id=w.ent.id, occurred_on=date(2025, 6, 1), accident_type="机械伤害", deaths=1
        )
    )
    db.commit()
    county = auth_headers(client, w.county)
    rows = _ok(client.get(API, params={"enterprise_id": w.ent.id}, headers=county))
    assert rows[0]["state"] == "recorded" and rows[0]["chain"] == [] and rows[0]["source"] == "legacy"
    res = _act(client, county, rows[0]["id"], "start_investigation", team="x")
    assert res.status_code == 409
