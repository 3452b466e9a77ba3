"""安全提示 with 叫应: 200 enterprises, 150 acknowledge, the job escalates the 50 others at the deadline
(movable clock), and the export lists them; refusals and scope."""

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import Principal
from app.campaigns import notices
from app.campaigns.jobs import notice_escalation
from app.campaigns.models import NoticeRecipient, SafetyNotice
from app.campaigns.schemas import AckIn
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import utcnow
from tests.factories import auth_headers, make_enterprise
from tests.supervision.factories import make_world


def test_two_hundred_recipients_fifty_escalated_and_exported(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ents = [w.ent] + [
        make_enterprise(db, region_code="139101001", name=f"叫应测试企业{n:03d}") for n in range(199)
    ]
    db.commit()
    county = auth_headers(client, w.county)
    sent = client.post(
        "/api/notices",
        json={"template": "flood", "scope": {"regions": ["139101001"]}},
        headers=county,
    )
    assert sent.status_code == 201, sent.text
    notice = sent.json()
    assert notice["title"] == "汛期安全生产提示" and notice["counts"]["recipients"] == 200
    assert notice["counts"]["acknowledged"] == 0
    # The enterprise user was told through the inbox.
    assert db.scalar(
        select(Notification.id).where(
            Notification.user_id == w.ent_user.id, Notification.kind == "safety_notice"
        )
    )

    # One click by the enterprise's user, recorded with time and person; a second click is refused.
    ent = auth_headers(client, w.ent_user)
    mine = client.get(f"/api/notices/{notice['id']}", headers=ent).json()
    assert mine["mine"]["read_at"] and mine["mine"]["acked_at"] is None
    acked = client.post(f"/api/notices/{notice['id']}/ack", json={"reply": "已清理排水沟"}, headers=ent)
    assert acked.status_code == 200 and acked.json()["mine"]["acked_by_name"] == "企业安全员李某"
    again = client.post(f"/api/notices/{notice['id']}/ack", json={}, headers=ent)
    assert again.status_code == 409 and "已于" in again.json()["detail"]
    assert client.post(f"/api/notices/{notice['id']}/ack", json={}, headers=county).status_code == 403
    for e in ents[1:150]:
        p = Principal(id=0, username=f"u{e.id}", display_name="安全员", role="enterprise", enterprise_id=e.id)
        notices.acknowledge(db, p, notice["id"], AckIn())
    db.commit()
    counts = client.get(f"/api/notices/{notice['id']}", headers=county).json()["counts"]
    assert counts["acknowledged"] == 150

    job = lambda at: notice_escalation(db, RunContext("campaigns.notice_escalation", at, 1))  # noqa: E731
    row = db.get_one(SafetyNotice, notice["id"])
    # Before the deadline nothing escalates.
    assert job(row.ack_deadline - timedelta(minutes=1)) == {"notices": 0, "escalated": 0}
    assert job(row.ack_deadline + timedelta(minutes=1)) == {"notices": 1, "escalated": 50}
    assert job(row.ack_deadline + timedelta(hours=1)) == {"notices": 0, "escalated": 0}  # once only
    db.commit()
    escalated = db.scalar(
        select(func.count()).select_from(NoticeRecipient).where(NoticeRecipient.escalated_at.is_not(None))
    )
    assert escalated == 50
    told = db.scalars(
        select(Notification.title).where(Notification.user_id.in_([w.township.id, w.county.id]))
    )
    assert {t for t in told if "逾期未叫应" in t} == {"安全提示逾期未叫应：汛期安全生产提示（50 家）"}
    assert db.scalar(
        select(AuditEntry.id).where(AuditEntry.entity == "safety_notice", AuditEntry.action == "escalate")
    )

    listing = client.get(f"/api/notices/{notice['id']}/unacknowledged", headers=county).json()
    assert len(listing) == 50 and all(r["escalated_at"] for r in listing)
    xlsx = client.get(f"/api/notices/{notice['id']}/unacknowledged.xlsx", headers=county)
    assert xlsx.status_code == 200
    names = [r[0] for r in load_workbook(io.BytesIO(xlsx.content))["未叫应企业"].iter_rows(values_only=True)]
    assert sum(1 for n in names if n and str(n).startswith("叫应测试企业")) == 50
    assert "甲一化工有限公司" not in names


def test_notice_refusals_and_scope(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county = auth_headers(client, w.county)
    post = lambda body, h=county: client.post("/api/notices", json=body, headers=h)  # noqa: E731
    assert post({"template": "nope"}).json()["field"] == "template"
    assert post({"title": "提示"}).json()["field"] == "body"
    past = (utcnow() - timedelta(hours=1)).isoformat()
    assert post({"template": "heat", "ack_deadline": past}).json()["field"] == "ack_deadline"
    assert post({"template": "heat", "scope": {"industries": ["coal_mine"]}}).json()["field"] == "scope"
    assert post({"template": "heat"}, auth_headers(client, w.ent_user)).status_code == 403
    assert post({"template": "heat", "enterprise_ids": [w.other_ent.id]}).json()["field"] == "enterprise_ids"
    notice = post({"template": "heat"}).json()
    assert notice["counts"]["recipients"] == 1  # 甲一区 has one enterprise
    # Other counties and enterprises that did not receive it: 404.
    assert (
        client.get(f"/api/notices/{notice['id']}", headers=auth_headers(client, w.county2)).status_code == 404
    )
    other = auth_headers(client, w.other_ent_user)
    assert client.get(f"/api/notices/{notice['id']}", headers=other).status_code == 404
    assert client.post(f"/api/notices/{notice['id']}/ack", json={}, headers=other).status_code == 404
    assert client.get(f"/api/notices/{notice['id']}/unacknowledged.xlsx", headers=other).status_code == 404
    # The city above sees it.
    assert client.get(f"/api/notices/{notice['id']}", headers=auth_headers(client, w.city)).status_code == 200
