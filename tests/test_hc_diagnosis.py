"""危化企业诊断分级 recorded through the API, and the enterprise level that follows it
(SQLite and PostgreSQL)."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.grading import enterprise as grading
from app.grading.models import HcDiagnosis
from app.timeutil import local_today
from tests.factories import auth_headers, make_enterprise, make_tree, make_user

# 1.1.2 二级重大危险源 −8; 1.3.1 3 种 × 2 = −6; 6.1.4 −3; 9.1.3 +2 → 85 → 黄
YELLOW = [{"code": "1.1.2"}, {"code": "1.3.1", "count": 3}, {"code": "6.1.4"}, {"code": "9.1.3"}]


def _level(client: TestClient, ent_id: int, h: dict[str, str]) -> dict:  # type: ignore[type-arg]
    res = client.get(f"/api/risks/enterprises/{ent_id}/level", headers=h)
    assert res.status_code == 200, res.text
    return res.json()["current"]  # type: ignore[no-any-return]


def test_inspector_records_an_assessment_and_the_enterprise_level_follows_the_scheme(
    db: Session, client: TestClient
) -> None:
    make_tree(db)
    ent = make_enterprise(db, industry="hazardous_chemicals")
    h = auth_headers(client, make_user(db, "inspector", region_code="139100"))
    url = f"/api/risks/enterprises/{ent.id}/hc-diagnoses"
    today = local_today()
    res = client.post(
        url, json={"assessed_on": today.isoformat(), "items": YELLOW, "assessor": "省专家组"}, headers=h
    )
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["score"], body["level"], body["rule_set"]) == (85, "yellow", "hc-diagnosis-2018@2018.1")
    assert body["needs_reassessment"] is False
    assert body["reassess_by"] == today.replace(year=today.year + 3).isoformat()
    current = _level(client, ent.id, h)
    assert current["level"] == "yellow" and current["rule_set"] == "hc-diagnosis-2018@2018.1"
    steps = [t["step"] for t in current["trace"]]
    assert (
        steps[0] == "采用方案"
        and "危险化学品生产储存企业安全风险评估诊断分级指南" in current["trace"][0]["detail"]
    )
    assert "参考" in steps and "enterprise-level@" in current["trace"][-1]["detail"]
    listed = client.get(url, headers=h).json()
    assert [d["id"] for d in listed] == [body["id"]]
    audit_row = db.scalar(select(AuditEntry).where(AuditEntry.entity == "hc_diagnosis"))
    assert audit_row is not None and audit_row.after["level"] == "yellow"

    # A direct-red situation recorded later makes the enterprise red whatever the score.
    red = client.post(
        url, json={"assessed_on": today.isoformat(), "items": [], "direct_red": ["R3"]}, headers=h
    )
    assert red.status_code == 201 and red.json()["level"] == "red"
    assert _level(client, ent.id, h)["level"] == "red"


def test_an_assessment_older_than_three_years_is_flagged_and_the_default_applies(
    db: Session, client: TestClient
) -> None:
    make_tree(db)
    ent = make_enterprise(db, industry="hazardous_chemicals")
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    h = auth_headers(client, user)
    old = local_today() - timedelta(days=3 * 366)
    res = client.post(
        f"/api/risks/enterprises/{ent.id}/hc-diagnoses",
        json={"assessed_on": old.isoformat(), "items": [{"code": "6.1.1", "count": 10}]},
        headers=h,
    )
    assert res.status_code == 201, res.text
    assert (res.json()["score"], res.json()["level"], res.json()["needs_reassessment"]) == (
        85,
        "yellow",
        True,
    )
    current = _level(client, ent.id, h)
    # No risk points → the project default gives blue; the stale assessment is named in the trace.
    assert current["level"] == "blue" and current["rule_set"].startswith("enterprise-level@")
    flag = next(t for t in current["trace"] if t["step"] == "需重新评估")
    assert old.isoformat() in flag["detail"] and "项目默认" in flag["detail"]
    # The nightly bulk path gives the same answer.
    grading.recompute_all(db, SYSTEM)
    assert _level(client, ent.id, h)["trace"] == current["trace"]


def test_bad_assessments_are_refused_with_the_field_and_nothing_is_stored(
    db: Session, client: TestClient
) -> None:
    make_tree(db)
    chem = make_enterprise(db, industry="hazardous_chemicals")
    other = make_enterprise(db, industry="machinery")
    h = auth_headers(client, make_user(db, "admin"))
    url = f"/api/risks/enterprises/{chem.id}/hc-diagnoses"
    today = local_today().isoformat()
    cases = [
        (url, {"assessed_on": today, "items": [{"code": "1.9.9"}]}, "items[0].code"),
        (url, {"assessed_on": today, "items": [{"code": "1.1.1", "count": 2}]}, "items[0].count"),
        (url, {"assessed_on": today, "direct_red": ["R7"]}, "direct_red[0]"),
        (url, {"assessed_on": (local_today() + timedelta(days=1)).isoformat()}, "assessed_on"),
        (url, {"assessed_on": "2017-01-01"}, "assessed_on"),
        (f"/api/risks/enterprises/{other.id}/hc-diagnoses", {"assessed_on": today}, "enterprise_id"),
    ]
    for target, body, field in cases:
        res = client.post(target, json=body, headers=h)
        assert res.status_code == 422, (body, res.text)
        assert res.json()["field"] == field, res.json()
    assert db.scalar(select(HcDiagnosis)) is None


def test_enterprise_users_cannot_assess_another_enterprise(db: Session, client: TestClient) -> None:
    make_tree(db)
    mine, theirs = (
        make_enterprise(db, industry="hazardous_chemicals"),
        make_enterprise(db, industry="hazardous_chemicals"),
    )
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=mine.id))
    res = client.post(
        f"/api/risks/enterprises/{theirs.id}/hc-diagnoses",
        json={"assessed_on": date.today().isoformat()},
        headers=h,
    )
    assert res.status_code == 404
    township = auth_headers(client, make_user(db, "township", region_code="139100"))
    res = client.post(
        f"/api/risks/enterprises/{mine.id}/hc-diagnoses",
        json={"assessed_on": local_today().isoformat()},
        headers=township,
    )
    assert res.status_code == 403


def test_calendar_endpoint_says_which_source_a_deadline_used(db: Session, client: TestClient) -> None:
    h = auth_headers(client, make_user(db, "admin"))
    res = client.get("/api/rules/calendar", params={"start": "2026-09-30", "working_days": 3}, headers=h)
    assert res.status_code == 200, res.text
    body = res.json()
    # 2026 国庆 10-01..10-07 off, 10-10 (Sat) 调休上班: 10-08, 10-09, 10-10.
    assert body["deadline"]["end"] == "2026-10-10"
    assert [s["source"] for s in body["deadline"]["sources"]] == ["rule_file"]
    assert "国务院办公厅关于2026年部分节假日安排的通知" in body["deadline"]["sources"][0]["detail"]
    assert any(y["year"] == 2026 and y["source"] == "rule_file" for y in body["years"])
    bad = client.get("/api/rules/calendar", params={"start": "2026-09-30"}, headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "working_days"
