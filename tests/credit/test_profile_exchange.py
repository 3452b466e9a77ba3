"""Enterprise profile (标准化, 安责险, tags, licences) with expiry reminders via the scheduler; the 联合惩戒
exchange: .xlsx/JSON export of the list, and its import as another department's list (round trip)."""

import io
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.credit import jobs
from app.credit.models import ExternalListing
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI
from tests.credit.test_listing import _ok, _to_published
from tests.factories import auth_headers
from tests.supervision.factories import make_world


def _ctx(day: date) -> RunContext:
    at = datetime(day.year, day.month, day.day, 1, 40, tzinfo=SHANGHAI).astimezone(UTC)
    return RunContext("credit.profile_expiry", at, run_id=1)


def test_profile_edit_scope_and_expiry_reminders_once(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, county = auth_headers(client, w.ent_user), auth_headers(client, w.county)
    url = f"/api/credit/profiles/{w.ent.id}"

    body: dict[str, Any] = {"standardization_grade": "2", "tags": ["dust", "confined_space"]}
    res = client.put(url, json=body, headers=ent)
    assert res.status_code == 422 and res.json()["field"] == "standardization_valid_until"
    prof = _ok(client.put(url, json={**body, "standardization_valid_until": "2028-12-31",
                                     "insurer": "某财产保险公司", "insurance_policy_no": "AZ2026-001",
                                     "insurance_valid_until": "2026-03-20"}, headers=ent))  # fmt: skip
    assert prof["standardization_grade_label"] == "二级" and prof["tag_labels"] == ["涉粉尘", "有限空间"]
    # A stale version is refused; another enterprise and another county see nothing.
    res = client.put(
        url, json={**body, "standardization_valid_until": "2028-12-31", "version": 99}, headers=ent
    )
    assert res.status_code == 409
    for other in (w.other_ent_user, w.county2):
        assert client.get(url, headers=auth_headers(client, other)).status_code == 404
    bad = client.put(url, json={"tags": ["nonsense"]}, headers=ent)
    assert bad.status_code == 422

    lic = {"kind": "安全生产许可证", "number": "(冀)WH安许证字[2023]000123", "valid_until": "2026-03-25"}
    prof = _ok(client.post(f"{url}/licences", json=lic, headers=county), 201)
    assert prof["licences"][0]["number"] == lic["number"]

    out = jobs.profile_expiry(db, _ctx(date(2026, 3, 2)))
    db.commit()
    assert out == {"expiring": 2, "notified": 2}  # the policy and the licence; the grade is years away
    titles = db.scalars(select(Notification.title).where(Notification.kind == "credit_profile_expiry")).all()
    assert any("安全生产许可证" in t and "2026-03-25" in t for t in titles)
    assert any("安全生产责任保险" in t for t in titles)
    recipients = set(
        db.scalars(select(Notification.user_id).where(Notification.kind == "credit_profile_expiry"))
    )
    assert w.ent_user.id in recipients and w.county.id in recipients and w.county2.id not in recipients
    # A repeated run sends nothing twice.
    assert jobs.profile_expiry(db, _ctx(date(2026, 3, 3)))["notified"] == 0


def test_export_round_trips_through_the_import(db: Session, client: TestClient) -> None:
    w = make_world(db)
    row, county, _ent = _to_published(client, w)

    js = _ok(client.get("/api/credit/exchange.json", headers=county))
    assert [x["credit_code"] for x in js] == [w.ent.credit_code] and js[0]["state"] == "公示中"
    assert _ok(client.get("/api/credit/exchange.json?since=2030-01-01", headers=county)) == []
    # Another county's inspector exports nothing of this county.
    assert _ok(client.get("/api/credit/exchange.json", headers=auth_headers(client, w.county2))) == []

    res = client.get("/api/credit/exchange.xlsx", headers=county)
    assert res.status_code == 200 and "filename*=UTF-8''" in res.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(res.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["名称", "统一社会信用代码", "列入事由"]

    # The enterprise may not import; the inspector imports the file as another department's list.
    files = {"file": ("名单.xlsx", res.content, "application/octet-stream")}
    assert (
        client.post("/api/credit/import", files=files, data={"source": "x"}, headers=_ent).status_code == 403
    )
    city = auth_headers(client, w.city)
    out = _ok(
        client.post("/api/credit/import", files=files, data={"source": "甲市市场监督管理局"}, headers=city)
    )
    assert out == {"created": 1, "updated": 0, "source": "甲市市场监督管理局"}
    again = _ok(
        client.post("/api/credit/import", files=files, data={"source": "甲市市场监督管理局"}, headers=city)
    )
    assert again["created"] == 0 and again["updated"] == 1  # idempotent
    ext = db.scalars(select(ExternalListing)).one()
    assert (ext.name, ext.credit_code, ext.reason, ext.basis, ext.decision_number) == (
        js[0]["name"], js[0]["credit_code"], js[0]["reason"], js[0]["basis"], js[0]["decision_number"],
    )  # fmt: skip
    assert ext.listed_on.isoformat() == js[0]["decision_date"] and ext.until.isoformat() == js[0]["term_end"]
    seen = _ok(client.get(f"/api/credit/external?credit_code={w.ent.credit_code}", headers=county))
    assert seen[0]["source"] == "甲市市场监督管理局"


def test_import_refuses_a_bad_file_naming_the_row(db: Session, client: TestClient) -> None:
    w = make_world(db)
    city = auth_headers(client, w.city)
    csv = "名称,统一社会信用代码,列入事由,决定日期\n某公司,123,虚假报告,2026-01-01\n某公司,,x,昨天\n".encode()
    res = client.post(
        "/api/credit/import",
        files={"file": ("a.csv", csv, "text/csv")},
        data={"source": "市场监管"},
        headers=city,
    )
    assert res.status_code == 422 and res.json()["field"] == "file"
    assert "第2行 统一社会信用代码" in res.json()["detail"] and "第3行" in res.json()["detail"]
    assert db.scalars(select(ExternalListing)).all() == []
