"""督办通知书 through the documents module: listing and 提级 each issue one stored, numbered notice."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.documents import service as documents
from tests.documents.test_documents import _pdf_text
from tests.factories import auth_headers, principal
from tests.supervision.factories import make_hazard, make_world

CASES = "/api/supervision/cases"


def test_listing_and_escalating_issue_the_notice_as_a_stored_document(db: Session, client) -> None:
    w = make_world(db)
    county, city, ent = (auth_headers(client, u) for u in (w.county, w.city, w.ent_user))
    hz = make_hazard(db, w.ent)
    body = {"subject_id": hz.id, "responsible_unit": "甲一化工有限公司", "requirements": "加装泄漏报警",
            "deadline": "2026-06-30"}  # fmt: skip
    res = client.post(CASES, json=body, headers=county)
    assert res.status_code == 201, res.text
    case = res.json()

    (notice,) = documents.for_subject(db, principal(db, w.ent_user), "supervision_case", case["id"])
    assert (
        notice.kind == "supervision.notice"
        and notice.number == case["notice_number"] == "甲一应急督〔2026〕1号"
    )
    text = _pdf_text(notice.pdf)
    assert "督办通知书" in text and "甲一应急督〔2026〕1号" in text and "2026年6月30日" in text
    assert "甲一区应急管理局" in text and "甲一化工有限公司" in text
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "document")) is not None

    # The notice page is the stored document, with its PDF link and the path to the case history.
    page = client.get(f"/supervision/cases/{case['id']}/notice", headers=ent)
    assert page.status_code == 200
    assert f"/api/documents/{notice.id}.pdf" in page.text and "执法全过程记录" in page.text
    assert (
        client.get(
            f"/supervision/cases/{case['id']}/notice", headers=auth_headers(client, w.county2)
        ).status_code
        == 404
    )

    # 提级督办: the city's own number, on a second notice; the page shows the latest.
    escalate = {"version": case["version"], "note": "提级"}
    res = client.post(f"{CASES}/{case['id']}/actions/escalate", json=escalate, headers=city)
    assert res.status_code == 200, res.text
    first, second = documents.for_subject(db, principal(db, w.city), "supervision_case", case["id"])
    assert first.id == notice.id and second.number == res.json()["notice_number"] == "甲应急督〔2026〕1号"
    assert "甲市应急管理局" in _pdf_text(second.pdf)
    page = client.get(f"/supervision/cases/{case['id']}/notice", headers=ent)
    assert f"/api/documents/{second.id}.pdf" in page.text
