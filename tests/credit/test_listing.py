"""严重失信主体名单: from a penalty to public disclosure, removal at term end (movable clock), early removal
after 12 months and its revocation; refusals, audit rows, PDF decisions, scope."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.credit import jobs
from app.credit.models import CreditListingEvent
from app.documents.models import Document
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, freeze
from tests.factories import auth_headers, make_enterprise
from tests.supervision.factories import World, make_world

LISTINGS = "/api/credit/listings"
PUBLIC_FIELDS = {"name", "credit_code", "reason", "basis", "decision_number", "decision_date", "term_end"}


def _ok(res: Any, status: int = 200) -> dict[str, Any]:
    assert res.status_code == status, res.text
    return res.json()  # type: ignore[no-any-return]


def _propose(client: TestClient, h: dict[str, str], w: World, **kw: Any) -> Any:
    body = {
        "enterprise_id": w.ent.id,
        "condition_code": "V1",
        "facts": "2026年1月安全生产许可证被暂扣期间擅自组织生产",
        "penalty_decision_number": "甲一应急罚〔2026〕7号",
        "penalty_decision_date": "2026-02-20",
        **kw,
    }
    return client.post(LISTINGS, json=body, headers=h)


def _act(client: TestClient, h: dict[str, str], row: dict[str, Any], action: str, **kw: Any) -> Any:
    return client.post(
        f"{LISTINGS}/{row['id']}/actions/{action}", json={"version": row["version"], **kw}, headers=h
    )


def _on(day: date) -> None:
    freeze(datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))


def _run_expire(db: Session, day: date) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, 0, 10, tzinfo=SHANGHAI).astimezone(UTC)
    out = jobs.expire(db, RunContext("credit.expire", at, run_id=1))
    db.commit()
    return out


def _to_published(client: TestClient, w: World) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    row = _ok(_propose(client, county, w), 201)
    row = _ok(_act(client, county, row, "notify"))
    _on(date.fromisoformat(row["objection_due"]) + timedelta(days=1))
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    row = _ok(_act(client, county, row, "decide"))
    row = _ok(_act(client, county, row, "publish"))
    return row, county, ent


def test_penalty_to_public_list_to_removal_at_term_end(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    other_dept = auth_headers(client, w.county_other_dept)

    # Refusals at proposing: not the regulator; a condition the rule does not have.
    assert _propose(client, ent, w).status_code == 403
    bad = _propose(client, county, w, condition_code="X9")
    assert bad.status_code == 422 and bad.json()["field"] == "condition_code" and "A1" in bad.json()["detail"]

    row = _ok(_propose(client, county, w), 201)
    assert row["state"] == "proposed" and row["rule_set"] == "mem-11-2023@2023.1"
    assert row["basis"].startswith("《安全生产严重失信主体名单管理办法") and "第七条" in row["basis"]
    assert row["allowed_actions"] == ["notify", "withdraw"]
    # The same penalty cannot be proposed twice while the first is open.
    assert _propose(client, county, w).status_code == 409

    # 谁处罚、谁决定: another department of the same county may not act; the enterprise may not either.
    res = _act(client, other_dept, row, "notify")
    assert res.status_code == 409 and "谁处罚" in res.json()["detail"]
    assert _act(client, ent, row, "notify").status_code == 409

    row = _ok(_act(client, county, row, "notify"))
    assert row["state"] == "notified" and row["objection_due"] == "2026-03-09"  # 5 working days
    # Not before the objection period has run out.
    res = _act(client, county, row, "decide")
    assert res.status_code == 409 and "2026-03-09" in res.json()["detail"]
    # The enterprise objects within the period (an objection needs its content).
    res = _act(client, ent, row, "object")
    assert res.status_code == 422 and res.json()["field"] == "note"
    row = _ok(_act(client, ent, row, "object", note="暂扣期间仅进行设备维护，未组织生产"))
    assert row["state"] == "objected"

    row = _ok(_act(client, county, row, "decide", note="异议经核实不成立"))
    assert row["state"] == "decided" and row["decided_on"] == "2026-03-02"
    assert row["term_end"] == "2029-03-02" and row["early_removal_from"] == "2027-03-02"
    assert row["decision_number"] == "甲一应急信〔2026〕1号"
    doc = db.get_one(Document, row["document_id"])
    assert doc.pdf.startswith(b"%PDF") and doc.title == "列入严重失信主体名单决定书"
    assert "甲一化工有限公司" in doc.html and row["decision_number"] in doc.html
    # Decided but not yet published: not on the public list.
    assert _ok(client.get("/api/public/credit")) == []

    row = _ok(_act(client, county, row, "publish"))
    public = _ok(client.get("/api/public/credit"))
    assert len(public) == 1 and set(public[0]) == PUBLIC_FIELDS
    assert public[0]["name"] == "甲一化工有限公司" and public[0]["term_end"] == "2029-03-02"
    page = client.get("/public/credit")
    assert page.status_code == 200 and "甲一化工有限公司" in page.text and "企业安全员" not in page.text
    assert "甲一化工有限公司" in client.get("/public/credit.rss").text
    # A listed enterprise is marked on its profile.
    assert _ok(client.get(f"/api/credit/profiles/{w.ent.id}", headers=county))["credit_listed"] is True

    # The day before the term ends it is still listed; on term end it leaves the list automatically.
    _on(date(2029, 3, 1))
    assert _run_expire(db, date(2029, 3, 1)) == {"expired": 0}
    assert len(_ok(client.get("/api/public/credit"))) == 1
    _on(date(2029, 3, 2))
    assert _ok(client.get("/api/public/credit")) == []  # gone on the day, before the job has run
    assert _run_expire(db, date(2029, 3, 2)) == {"expired": 1}
    assert _run_expire(db, date(2029, 3, 2)) == {"expired": 0}  # idempotent
    county = auth_headers(client, w.county)  # three years later: a new sign-in
    row = _ok(client.get(f"{LISTINGS}/{row['id']}", headers=county))
    assert row["state"] == "expired" and row["removed_on"] == "2029-03-02" and row["allowed_actions"] == []
    assert [e["action"] for e in row["events"]] == [
        "propose",
        "notify",
        "object",
        "decide",
        "publish",
        "expire",
    ]
    audits = db.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "credit_listing").order_by(AuditEntry.id)
    ).all()
    assert audits == ["propose", "notify", "object", "decide", "publish", "expire"]


def test_early_removal_after_12_months_and_its_revocation(db: Session, client: TestClient) -> None:
    w = make_world(db)
    row, county, ent = _to_published(client, w)
    decided = date.fromisoformat(row["decided_on"])

    # Not before 12 months.
    res = _act(client, ent, row, "apply_early_removal", note="已缴纳罚款并完成整改")
    assert res.status_code == 409 and "12 个月" in res.json()["detail"]
    _on(date(decided.year + 1, decided.month, decided.day))
    county, ent = auth_headers(client, w.county), auth_headers(client, w.ent_user)
    # Only the listed enterprise applies.
    other = auth_headers(client, w.other_ent_user)
    assert _act(client, other, row, "apply_early_removal", note="x").status_code == 404
    row = _ok(_act(client, ent, row, "apply_early_removal", note="已缴纳罚款，已完成整改并通过复查"))
    assert row["state"] == "removal_applied"
    assert len(_ok(client.get("/api/public/credit"))) == 1  # still public while the application is open

    # Every condition must be confirmed.
    res = _act(client, county, row, "approve_early_removal", conditions_met=["R1"])
    assert res.status_code == 422 and res.json()["field"] == "conditions_met"
    row = _ok(_act(client, county, row, "approve_early_removal", conditions_met=["R1", "R2", "R3"]))
    assert row["state"] == "removed_early" and row["removal_document_id"]
    assert _ok(client.get("/api/public/credit")) == []
    assert db.get_one(Document, row["removal_document_id"]).pdf.startswith(b"%PDF")

    # The removal was obtained by deceit: revoked, listed again until the original term end.
    res = _act(client, county, row, "revoke_early_removal")
    assert res.status_code == 422 and res.json()["field"] == "note"
    row = _ok(_act(client, county, row, "revoke_early_removal", note="复查报告系伪造"))
    assert (
        row["state"] == "published"
        and row["removed_on"] is None
        and row["term_end"] == decided.replace(year=decided.year + 3).isoformat()
    )
    assert len(_ok(client.get("/api/public/credit"))) == 1
    docs = db.scalar(
        select(func.count()).select_from(Document).where(Document.subject_type == "credit_listing")
    )
    assert docs == 3
    events = db.scalars(
        select(CreditListingEvent.action).where(CreditListingEvent.listing_id == row["id"])
    ).all()
    assert events[-3:] == ["apply_early_removal", "approve_early_removal", "revoke_early_removal"]

    # A stale version is refused.
    res = _act(client, county, {**row, "version": 1}, "publish")
    assert res.status_code == 409 and res.json()["field"] == "version"


def test_out_of_scope_listing_is_404_and_withdraw_ends_it(db: Session, client: TestClient) -> None:
    w = make_world(db)
    county = auth_headers(client, w.county)
    row = _ok(_propose(client, county, w), 201)
    for user in (w.county2, w.city_b, w.other_ent_user):
        h = auth_headers(client, user)
        assert client.get(f"{LISTINGS}/{row['id']}", headers=h).status_code == 404
        assert _act(client, h, row, "notify").status_code == 404
        assert _ok(client.get(LISTINGS, headers=h)) == []
    # The city above sees it, but may not decide (谁处罚、谁决定).
    city = auth_headers(client, w.city)
    assert _ok(client.get(f"{LISTINGS}/{row['id']}", headers=city))["allowed_actions"] == []
    # Outside the rule's sectors (第二条) only an institution's condition applies.
    builder = make_enterprise(db, region_code="139101001", industry="construction")
    db.commit()
    res = _propose(client, county, w, enterprise_id=builder.id, condition_code="A1")
    assert res.status_code == 422 and res.json()["field"] == "enterprise_id"
    assert "第二条" in res.json()["detail"]
    assert _propose(client, county, w, enterprise_id=builder.id, condition_code="V2").status_code == 201
    # An enterprise of another county cannot be proposed by this county.
    assert _propose(client, county, w, enterprise_id=w.other_ent.id).status_code == 404

    res = _act(client, county, row, "withdraw")
    assert res.status_code == 422 and res.json()["field"] == "note"
    row = _ok(_act(client, county, row, "withdraw", note="经复核不符合列入情形"))
    assert row["state"] == "withdrawn" and row["allowed_actions"] == []
    assert _act(client, county, row, "notify").status_code == 409
