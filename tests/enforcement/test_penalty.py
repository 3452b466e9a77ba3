"""行政处罚: every state on both databases, time limits from the policy, refusals (409 with the reason),
audit rows, a 决定书 PDF, and the overdue job's notification."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.documents.models import Document
from app.enforcement import jobs
from app.enforcement.models import PenaltyEvent
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, freeze
from tests.factories import auth_headers

CASES = "/api/enforcement/cases"


def _file(client, headers, world):
    body = {
        "enterprise_id": world.ent.id,
        "facts": "未按规定设置安全警示标志",
        "legal_basis": "安全生产法第九十九条",
    }
    res = client.post(CASES, json=body, headers=headers)
    assert res.status_code == 201, res.text
    return res.json()


def _act(client, headers, case_id, action, **body):
    return client.post(f"{CASES}/{case_id}/actions/{action}", json=body, headers=headers)


def test_case_walks_every_state_with_limits_refusals_audit_and_pdf(client, db, world):
    ha = auth_headers(client, world.a)
    case = _file(client, ha, world)
    assert case["state"] == "filed" and case["filed_on"] == "2026-03-02"
    # 行政处罚法第六十条: decision within 90 days of 立案.
    assert case["decision_due"] == "2026-05-31"
    assert "立" in case["case_number"]
    # Illegal step: 决定 before 调查取证 → 409 with the reason.
    early = _act(client, ha, case["id"], "decide", fine="1000")
    assert early.status_code == 409 and "当前状态下不能执行" in early.json()["detail"]
    # Another department may not act on the case.
    far = _act(client, auth_headers(client, world.far), case["id"], "investigate")
    assert far.status_code == 404
    assert _act(client, ha, case["id"], "investigate").json()["state"] == "investigating"
    nofine = _act(client, ha, case["id"], "notify")
    assert nofine.status_code == 422 and nofine.json()["field"] == "proposed_fine"
    notified = _act(client, ha, case["id"], "notify", proposed_fine="20000").json()
    assert notified["state"] == "notified" and notified["step_due"] == "2026-03-07"
    # The 陈述申辩 period runs: no 法制审核 before it ends unless waived.
    soon = _act(client, ha, case["id"], "to_review")
    assert soon.status_code == 409 and "陈述、申辩期" in soon.json()["detail"]
    hearing = _act(client, ha, case["id"], "request_hearing", note="当事人书面要求听证").json()
    assert hearing["state"] == "hearing" and hearing["hearing_requested"] is True
    review = _act(client, ha, case["id"], "to_review", note="听证已举行").json()
    assert review["state"] == "legal_review"
    back = _act(client, ha, case["id"], "return")
    assert back.status_code == 422 and back.json()["field"] == "note"
    assert _act(client, ha, case["id"], "return", note="补充询问笔录").json()["state"] == "investigating"
    _act(client, ha, case["id"], "notify", proposed_fine="20000")
    assert _act(client, ha, case["id"], "to_review", waived=True).json()["state"] == "legal_review"
    decided = _act(client, ha, case["id"], "decide", fine="20000")
    assert decided.status_code == 200, decided.text
    decided = decided.json()
    assert decided["state"] == "decided" and decided["step_due"] == "2026-03-09"
    assert "罚" in decided["decision_number"]
    doc = db.get(Document, decided["documents"][0]["id"])
    assert doc.title == "行政处罚决定书" and doc.pdf[:4] == b"%PDF"
    assert "20,000.00" in doc.html or "20000" in doc.html
    assert "未按规定设置安全警示标志" in doc.html
    # The enterprise can download its 决定书.
    he = auth_headers(client, world.ent_user)
    assert client.get(decided["documents"][0]["pdf_url"], headers=he).status_code == 200
    executing = _act(client, ha, case["id"], "deliver").json()
    assert executing["state"] == "executing" and executing["step_due"] == "2026-03-17"
    none = _act(client, ha, case["id"], "close", execution="none")
    assert none.status_code == 422 and none.json()["field"] == "execution"
    closed = _act(client, ha, case["id"], "close", execution="paid").json()
    assert closed["state"] == "closed" and closed["allowed_actions"] == []
    after = _act(client, ha, case["id"], "investigate")
    assert after.status_code == 409
    events = db.scalars(
        select(PenaltyEvent.action).where(PenaltyEvent.case_id == case["id"]).order_by(PenaltyEvent.id)
    ).all()
    assert events == [
        "file", "investigate", "notify", "request_hearing", "to_review", "return", "notify", "to_review",
        "decide", "deliver", "close",
    ]  # fmt: skip
    audited = db.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity == "penalty_case", AuditEntry.entity_id == str(case["id"])
        )
    ).all()
    assert len(audited) == len(events)


def test_hearing_request_after_the_period_is_refused(client, world):
    ha = auth_headers(client, world.a)
    case = _file(client, ha, world)
    _act(client, ha, case["id"], "investigate")
    _act(client, ha, case["id"], "notify", proposed_fine="5000")
    freeze(datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI))
    ha = auth_headers(client, world.a)  # a week later: sign in again
    late = _act(client, ha, case["id"], "request_hearing")
    assert late.status_code == 409 and "听证要求须在告知后 5 日内提出" in late.json()["detail"]
    # The statement period is over: 法制审核 may proceed without a waiver.
    assert _act(client, ha, case["id"], "to_review").json()["state"] == "legal_review"


def test_withdraw_needs_a_reason(client, world):
    ha = auth_headers(client, world.a)
    case = _file(client, ha, world)
    assert _act(client, ha, case["id"], "withdraw").status_code == 422
    assert _act(client, ha, case["id"], "withdraw", note="违法事实不能成立").json()["state"] == "withdrawn"


def test_enterprise_cannot_file_or_act(client, world):
    he = auth_headers(client, world.ent_user)
    res = client.post(CASES, json={"enterprise_id": world.ent.id, "facts": "x"}, headers=he)
    assert res.status_code == 403
    case = _file(client, auth_headers(client, world.a), world)
    act = _act(client, he, case["id"], "investigate")
    assert act.status_code == 409 and "当前角色不能执行" in act.json()["detail"]


def test_overdue_step_raises_one_notification_per_step(client, db, world):
    ha = auth_headers(client, world.a)
    case = _file(client, ha, world)  # 调查取证 due 60 days after 立案: 2026-05-01
    ctx = RunContext("enforcement.penalty_overdue", datetime(2026, 4, 30, 0, 0, tzinfo=UTC), 1)
    assert jobs.penalty_overdue(db, ctx) == {"overdue_notified": 0}
    ctx = RunContext("enforcement.penalty_overdue", datetime(2026, 5, 2, 0, 0, tzinfo=UTC), 1)
    assert jobs.penalty_overdue(db, ctx) == {"overdue_notified": 1}
    assert jobs.penalty_overdue(db, ctx) == {"overdue_notified": 0}  # told once for this step
    titles = db.scalars(select(Notification.title).where(Notification.user_id == world.a.id)).all()
    assert any(case["case_number"] in t and "逾期" in t for t in titles)
    # Colleagues of the filing department are told as well; another city's inspector is not.
    assert db.scalars(select(Notification.id).where(Notification.user_id == world.b.id)).all()
    assert not db.scalars(select(Notification.id).where(Notification.user_id == world.far.id)).all()
    assert date(2026, 5, 2) > date.fromisoformat(case["step_due"])
