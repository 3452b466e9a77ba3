"""The scope matrix: each role × each resource × read and write, including other people's ids."""

import io
import re
import string
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.routing import iter_route_contexts
from httpx import Response
from PIL import Image
from sqlalchemy import func, select

from app.accidents.models import Accident, EmergencyExpert, EmergencyPlan, EmergencyResource
from app.attachments import service as attachments
from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.campaigns.models import Campaign, CampaignItem, CampaignReport, NoticeRecipient, SafetyNotice
from app.credit.models import CreditListing
from app.documents.models import Document
from app.enforcement.models import Inspection, InspectionItem, PenaltyCase
from app.hazards import investigation
from app.hazards.models import CheckTask, Hazard
from app.main import create_app
from app.monitoring.models import Alarm, MonitoringPoint
from app.regions.models import Region
from app.supervision.models import SupervisionCase
from app.timeutil import local_today, utcnow
from tests.factories import auth_headers, make_enterprise, make_tree, make_user, principal
from tests.risks.factories import add_measure, assess, make_point, make_unit
from tests.web.factories import sign_in


@pytest.fixture
def world(db, client):
    make_tree(db)
    e1 = make_enterprise(db, "139101001", name="甲一街道企业")
    e2 = make_enterprise(
        db, "139102", industry="hazardous_chemicals", name="甲二区化工企业", lon=118.5, lat=40.5
    )
    e3 = make_enterprise(db, "139201", name="乙市企业", lon=120.0, lat=40.0)
    users = {
        "admin": make_user(db, "admin"),
        "enterprise": make_user(db, "enterprise", enterprise_id=e1.id),
        "inspector": make_user(db, "inspector", region_code="139100", department="甲市应急管理局"),
        "chem_inspector": make_user(
            db, "inspector", region_code="139100", industries=["hazardous_chemicals"]
        ),
        "township": make_user(db, "township", region_code="139101001"),
    }
    headers = {name: auth_headers(client, u) for name, u in users.items()}
    return {"e1": e1, "e2": e2, "e3": e3, "headers": headers, "users": users}


VISIBLE = {
    "admin": {"e1", "e2", "e3"},
    "enterprise": {"e1"},
    "inspector": {"e1", "e2"},
    "chem_inspector": {"e2"},
    "township": {"e1"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_list_and_read_by_id(client, world, role):
    headers = world["headers"][role]
    listed = {e["id"] for e in client.get("/api/enterprises", headers=headers).json()["items"]}
    expected = {world[k].id for k in VISIBLE[role]}
    assert listed == expected
    for key in ("e1", "e2", "e3"):
        res = client.get(f"/api/enterprises/{world[key].id}", headers=headers)
        # Someone else's id answers exactly like an unknown one.
        assert res.status_code == (200 if key in VISIBLE[role] else 404), (role, key)
    assert client.get("/api/enterprises/999999", headers=headers).status_code == 404


def test_no_credentials_is_401(client, world):
    assert client.get("/api/enterprises").status_code == 401
    assert client.get(f"/api/enterprises/{world['e1'].id}").status_code == 401
    assert client.post("/api/enterprises", json={}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/enterprises", headers=bad).status_code == 401


# (role, target, change, expected status)
UPDATES = [
    ("admin", "e3", {"contact_phone": "0335-1234567"}, 200),
    ("inspector", "e1", {"name": "甲一街道企业（更名）"}, 200),
    ("inspector", "e3", {"name": "越权修改"}, 404),
    ("chem_inspector", "e1", {"name": "越权修改"}, 404),
    ("enterprise", "e1", {"contact_phone": "0335-7654321"}, 200),
    ("enterprise", "e1", {"name": "企业自行更名"}, 403),
    ("enterprise", "e2", {"contact_phone": "0335-0000000"}, 404),
    ("township", "e1", {"contact_phone": "0335-0000000"}, 403),
    ("township", "e3", {"contact_phone": "0335-0000000"}, 404),
]


@pytest.mark.parametrize(("role", "target", "change", "status"), UPDATES)
def test_update_scope_and_audit(client, db, world, role, target, change, status):
    ent = world[target]
    audits_before = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id == str(ent.id))
    )
    res = client.patch(
        f"/api/enterprises/{ent.id}", json={"version": ent.version, **change}, headers=world["headers"][role]
    )
    assert res.status_code == status, res.text
    audits_after = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id == str(ent.id))
    )
    assert audits_after == audits_before + (1 if status == 200 else 0)
    if status == 200:
        field, value = next(iter(change.items()))
        assert res.json()[field] == value
        row = db.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == str(ent.id)).order_by(AuditEntry.id.desc())
        ).first()
        assert row.after[field] == value and row.before[field] != value


def _new(lon: float, lat: float) -> dict:
    from tests.factories import credit_code

    return {"credit_code": credit_code(), "name": "新登记企业", "industry": "机械", "lon": lon, "lat": lat}


@pytest.mark.parametrize(
    ("role", "lon", "lat", "status"),
    [
        ("admin", 120.0, 40.0, 201),
        ("inspector", 118.3, 39.5, 201),
        ("inspector", 120.0, 40.0, 403),  # 乙市 is outside 甲市's jurisdiction
        ("enterprise", 118.3, 39.5, 403),
        ("township", 118.3, 39.5, 403),
    ],
)
def test_create_scope(client, db, world, role, lon, lat, status):
    count = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "create"))
    res = client.post("/api/enterprises", json=_new(lon, lat), headers=world["headers"][role])
    assert res.status_code == status, res.text
    after = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "create"))
    assert after == count + (1 if status == 201 else 0)


def test_audit_log_is_scoped(client, world):
    e1, e3 = world["e1"], world["e3"]
    h = world["headers"]
    client.patch(
        f"/api/enterprises/{e1.id}", json={"version": e1.version, "contact_phone": "1"}, headers=h["admin"]
    )
    client.patch(
        f"/api/enterprises/{e3.id}", json={"version": e3.version, "contact_phone": "2"}, headers=h["admin"]
    )

    def seen(role: str) -> set[str]:
        rows = client.get("/api/audit", params={"entity": "enterprise"}, headers=h[role]).json()
        return {r["entity_id"] for r in rows}

    assert {str(e1.id), str(e3.id)} <= seen("admin")
    assert seen("enterprise") == {str(e1.id)}
    assert str(e3.id) not in seen("inspector")
    assert str(e3.id) not in seen("township")


def test_users_admin_only(client, world):
    h = world["headers"]
    assert client.get("/api/users", headers=h["admin"]).status_code == 200
    for role in ("enterprise", "inspector", "township"):
        assert client.get("/api/users", headers=h[role]).status_code == 403
        res = client.post(
            "/api/users", json={"username": "x1", "password": "Passw0rd!", "role": "admin"}, headers=h[role]
        )
        assert res.status_code == 403


def test_regions_readable_by_every_signed_in_role(client, world):
    for role in VISIBLE:
        res = client.get("/api/regions", headers=world["headers"][role])
        assert res.status_code == 200
    assert client.get("/api/regions").status_code == 401


# ---------------------------------------------------------------- one record: API, pages, exports

# An id no record has: someone else's record must answer exactly like this one.
UNKNOWN = 999_999_999
# A code of the right shape (9 digits) that names no region: other shapes match no route at all.
UNKNOWN_REGION = "999999990"
KEYS = ("e1", "e2", "e3")

# Every GET route with a path parameter that answers with one enterprise's record or the record's
# children, and the URL that asks for the record of one enterprise ({enterprise}, {point}, … are filled
# from the `records` fixture). Routes under /api/ are called with a bearer token, the pages with the
# session cookie of the login form.
RECORD_ROUTES = {
    "/api/enterprises/{enterprise_id:int}": "/api/enterprises/{enterprise}",
    "/api/risks/enterprises/{enterprise_id}/points": "/api/risks/enterprises/{enterprise}/points",
    "/api/risks/points/{point_id}": "/api/risks/points/{point}",
    "/api/risks/points/{point_id}/assessments": "/api/risks/points/{point}/assessments",
    "/api/risks/enterprises/{enterprise_id}/units": "/api/risks/enterprises/{enterprise}/units",
    "/api/risks/units/{unit_id}/events": "/api/risks/units/{unit}/events",
    "/api/risks/enterprises/{enterprise_id}/accidents": "/api/risks/enterprises/{enterprise}/accidents",
    "/api/risks/enterprises/{enterprise_id}/register.xlsx": (
        "/api/risks/enterprises/{enterprise}/register.xlsx"
    ),
    "/api/risks/enterprises/{enterprise_id}/board": "/api/risks/enterprises/{enterprise}/board",
    "/api/risks/enterprises/{enterprise_id}/level": "/api/risks/enterprises/{enterprise}/level",
    "/api/risks/enterprises/{enterprise_id}/hc-diagnoses": "/api/risks/enterprises/{enterprise}/hc-diagnoses",
    # The path parameter is the kind of report; the record is the enterprise it is asked for.
    "/api/hazards/reports/{kind}.xlsx": (
        "/api/hazards/reports/annual.xlsx?year=2026&enterprise_id={enterprise}"
    ),
    "/api/hazards/{hazard_id:int}": "/api/hazards/{hazard}",
    "/api/attachments/{attachment_id:int}/meta": "/api/attachments/{attachment}/meta",
    "/api/attachments/{attachment_id:int}": "/api/attachments/{attachment}",
    "/api/supervision/cases/{case_id}": "/api/supervision/cases/{case}",
    "/risks/points/{point_id}/card": "/risks/points/{point}/card",
    "/risks/points/{point_id}": "/risks/points/{point}",
    "/risks/enterprises/{enterprise_id}/board": "/risks/enterprises/{enterprise}/board",
    "/supervision/cases/{case_id}/notice": "/supervision/cases/{case}/notice",
    "/supervision/cases/{case_id}/history": "/supervision/cases/{case}/history",
    "/enterprises/{enterprise_id}": "/enterprises/{enterprise}",
    "/hazards/{hazard_id:int}": "/hazards/{hazard}",
    "/hazards/{hazard_id:int}/act/{action}": "/hazards/{hazard}/act/add_progress",
    "/supervision/cases/{case_id:int}": "/supervision/cases/{case}",
    "/supervision/cases/{case_id:int}/act/{action}": "/supervision/cases/{case}/act/report_progress",
    "/tasks/{task_id:int}": "/tasks/{task}",
    "/check-plans/{plan_id:int}": "/check-plans/{plan}",
    "/api/documents/{doc_id}": "/api/documents/{document}",
    "/api/documents/{doc_id}.pdf": "/api/documents/{document}.pdf",
    "/documents/{doc_id}": "/documents/{document}",
    "/api/credit/listings/{listing_id}": "/api/credit/listings/{listing}",
    "/api/credit/profiles/{enterprise_id}": "/api/credit/profiles/{enterprise}",
    "/api/accidents/{accident_id}": "/api/accidents/{accident}",
    "/accidents/{accident_id:int}": "/accidents/{accident}",
    "/api/emergency/plans/{plan_id}": "/api/emergency/plans/{eplan}",
    "/api/emergency/resources/{resource_id}": "/api/emergency/resources/{eresource}",
    "/enterprises/{enterprise_id:int}/emergency/new": "/enterprises/{enterprise}/emergency/new",
    "/api/enforcement/inspections/{inspection_id}": "/api/enforcement/inspections/{inspection}",
    "/enforcement/inspections/{inspection_id}": "/enforcement/inspections/{inspection}",
    "/api/enforcement/hazards/{hazard_id}/inspection": "/api/enforcement/hazards/{hazard}/inspection",
    "/api/enforcement/cases/{case_id}": "/api/enforcement/cases/{penalty}",
    "/api/monitoring/points/{point_id}": "/api/monitoring/points/{mpoint}",
    "/api/monitoring/points/{point_id}/readings": "/api/monitoring/points/{mpoint}/readings",
    "/api/monitoring/points/{point_id}/chart.svg": "/api/monitoring/points/{mpoint}/chart.svg",
    "/api/monitoring/alarms/{alarm_id}": "/api/monitoring/alarms/{alarm}",
    "/api/monitoring/units/{unit_id}/responsibles": "/api/monitoring/units/{unit}/responsibles",
    "/api/monitoring/enterprises/{enterprise_id}/device-tokens": (
        "/api/monitoring/enterprises/{enterprise}/device-tokens"
    ),
    "/api/campaigns/{campaign_id}": "/api/campaigns/{campaign}",
    "/api/campaigns/{campaign_id}/progress": "/api/campaigns/{campaign}/progress",
    "/api/campaigns/{campaign_id}/major-hazards": "/api/campaigns/{campaign}/major-hazards",
    "/api/campaigns/{campaign_id}/enterprises": "/api/campaigns/{campaign}/enterprises",
    "/api/campaigns/{campaign_id}/dispatch.xlsx": "/api/campaigns/{campaign}/dispatch.xlsx",
    "/api/campaign-reports/{report_id}": "/api/campaign-reports/{creport}",
    "/api/enterprises/{enterprise_id}/campaign-tags": "/api/enterprises/{enterprise}/campaign-tags",
    "/api/notices/{notice_id}": "/api/notices/{notice}",
    "/api/notices/{notice_id}/unacknowledged": "/api/notices/{notice}/unacknowledged",
    "/api/notices/{notice_id}/unacknowledged.xlsx": "/api/notices/{notice}/unacknowledged.xlsx",
    "/campaigns/{campaign_id}": "/campaigns/{campaign}",
    "/campaign-reports/{report_id}": "/campaign-reports/{creport}",
    "/notices/{notice_id}": "/notices/{notice}",
    "/api/assessment/enterprises/{enterprise_id}/responsible": (
        "/api/assessment/enterprises/{enterprise}/responsible"
    ),
}

# GET routes that take the record's id in the query string and answer for that one record.
QUERY_ID_ROUTES = {
    "/api/risks/methods": "/api/risks/methods?enterprise_id={enterprise}",
    "/api/hazards/major-items": "/api/hazards/major-items?enterprise_id={enterprise}",
    "/supervision/new": "/supervision/new?hazard_id={hazard}",
    # An enterprise user always reports for the own enterprise: see the test after the matrix.
    "/hazards/new": "/hazards/new?enterprise_id={enterprise}",
}

# Keyed by a region code: answered inside the caller's jurisdiction, 404 outside it, 403 for enterprise
# users (who have no region). Each enterprise's region stands in for its record.
REGION_ROUTES = {
    "/maps/region/{code}": "/maps/region/{region}",
    "/maps/region/{code}/map.html": "/maps/region/{region}/map.html",
    "/api/regions/{code:region_code}/level": "/api/regions/{region}/level",
    # The map's search box and its names: the map's own scope (tests/mapping/test_pages.py for the rows).
    "/api/maps/region/{code:region_code}/enterprises": "/api/maps/region/{region}/enterprises?q=企业",
    # 考核: a region's scorecard and the records behind a figure (tests/assessment for the counts).
    "/api/assessment/scorecards/{code:region_code}": "/api/assessment/scorecards/{region}?period=2026-02",
    "/api/assessment/scorecards/{code:region_code}/drilldown": (
        "/api/assessment/scorecards/{region}/drilldown?indicator=rectification_rate"
    ),
    "/assessment/{code:region_code}": "/assessment/{region}?period=2026-02",
    "/assessment/{code:region_code}/drilldown": "/assessment/{region}/drilldown?indicator=rectification_rate",
}
# Rows that belong to a region, not an enterprise (考核通报, 月调度报告): read within the region subtree
# (the industry limit does not apply), 404 for enterprise users; test_region_owned_rows_answer_only_inside
# the scope below makes one per region of REGIONS.
REGION_OWNED_ROUTES = {
    "/api/assessment/bulletins/{bulletin_id}": "/api/assessment/bulletins/{bulletin}",
    "/api/assessment/bulletins/{bulletin_id}.pdf": "/api/assessment/bulletins/{bulletin}.pdf",
    "/api/assessment/reports/{report_id}.xlsx": "/api/assessment/reports/{report}.xlsx",
    # 约谈 of a region's leader (one of an enterprise's head follows the enterprise: tests/assessment).
    "/api/assessment/interviews/{interview_id}": "/api/assessment/interviews/{interview}",
    # 专家库: a department also reads the experts of the regions above it (none of REGIONS is above another).
    "/api/emergency/experts/{expert_id}": "/api/emergency/experts/{expert}",
    # 报送: a requirement set by a region and that region's own filing (the issuer reads its children's:
    # tests/assessment/test_submissions.py).
    "/api/assessment/submission-requirements/{requirement_id}": (
        "/api/assessment/submission-requirements/{requirement}"
    ),
    "/assessment/submissions/{requirement_id}": "/assessment/submissions/{requirement}",
    "/api/assessment/submissions/{submission_id}": "/api/assessment/submissions/{submission}",
    # 责任清单 lines and 包联 assignments belong to a region (enterprises read their responsible parties).
    "/api/assessment/responsibilities/{entry_id}": "/api/assessment/responsibilities/{responsibility}",
    "/api/assessment/liaisons/{liaison_id}": "/api/assessment/liaisons/{liaison}",
    "/assessment/liaisons/{liaison_id}": "/assessment/liaisons/{liaison}",
}
REGIONS = {"e1": "139101001", "e2": "139102", "e3": "139201"}
REGION_VISIBLE = {
    "admin": {"e1", "e2", "e3"},
    "enterprise": set(),
    "inspector": {"e1", "e2"},
    # The industry limit filters the enterprises drawn on the map (tests/security), not the regions.
    "chem_inspector": {"e1", "e2"},
    "township": {"e1"},
}

# GET routes with a path parameter that are deliberately the same for every caller, and why.
NOT_RECORD_SCOPED = {
    "/api/regions/{code:region_code}": "行政区划 names and boundaries: reference data for all users",
    "/api/public/inspection-plans/{month}": "the 双随机 plan is published (公示) to everyone, no login",
    "/api/public/random-results/{month}": "双随机 results are published (一公开) to everyone, no login",
    "/api/rules/sets/{set_id}": "rule sets are published standards, the same for every signed-in user",
    "/maps/assets/{package}/{name:path}": "Leaflet and the map script: static files",
    "/api/public/monitoring/enterprises/{enterprise_id}/commitment": "承诺公告 is a public notice (公示)",
    "/public/monitoring/enterprises/{enterprise_id}/commitment": "承诺公告 is a public notice board (公示)",
}


def _get_routes_with_path_parameters() -> set[str]:
    """From the application itself, pages and routes left out of the OpenAPI document included."""
    return {
        route.path
        for route in iter_route_contexts(create_app().routes)
        if route.path and "{" in route.path and "GET" in (route.methods or ())
    }


def test_every_get_route_with_a_path_parameter_is_in_the_scope_matrix():
    routes = _get_routes_with_path_parameters()
    assert "/hazards/{hazard_id:int}" in routes and "/api/attachments/{attachment_id:int}" in routes
    classified = (
        RECORD_ROUTES.keys() | REGION_ROUTES.keys() | NOT_RECORD_SCOPED.keys() | REGION_OWNED_ROUTES.keys()
    )
    assert not routes - classified, (
        "GET routes with a path parameter missing from the scope matrix; add each to RECORD_ROUTES, "
        f"REGION_ROUTES or (with the reason) NOT_RECORD_SCOPED: {sorted(routes - classified)}"
    )
    assert not classified - routes, f"routes no longer served: {sorted(classified - routes)}"


@pytest.fixture
def records(db, world):  # type: ignore[no-untyped-def]
    """For each of e1, e2, e3: a risk point (with a measure and an assessment), a 重大危险源 unit, an open
    重大事故隐患 under 挂牌督办, a photo, and an investigation task; the ids by placeholder name."""
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, format="PNG")
    today = local_today()
    out: dict[str, dict[str, int | str]] = {}
    for n, key in enumerate(KEYS, 1):
        ent = world[key]
        point = make_point(db, ent.id, name=f"{key}冲床作业")
        add_measure(db, point)
        assess(db, point)
        unit = make_unit(db, ent.id)
        hazard = Hazard(enterprise_id=ent.id, source="enforcement", description=f"{key}储罐区未设泄漏报警",
                        place="储罐区", category="site", found_on=today, grade="major", state="rectifying",
                        deadline=today + timedelta(days=30))  # fmt: skip
        db.add(hazard)
        db.flush()
        region = db.get_one(Region, ent.region_code)
        case = SupervisionCase(
            subject_type="hazard", subject_id=hazard.id, enterprise_id=ent.id, region_code=region.code,
            region_path=region.path, level="city", issuer_region_code="139900", issuer_region_path="139900/",
            issuer_department="测试省应急管理厅", notice_prefix="测应急督", notice_year=today.year,
            notice_no=n, notice_number=f"测应急督〔{today.year}〕{n}号", summary=hazard.description,
            responsible_unit=ent.name, requirements="限期整改", listed_on=today,
            original_deadline=today + timedelta(days=30), deadline=today + timedelta(days=30),
        )  # fmt: skip
        db.add(case)
        db.flush()
        png.seek(0)
        photo = attachments.save_image(db, SYSTEM, png, "现场.png", ent.id)
        owner = principal(db, make_user(db, "enterprise", enterprise_id=ent.id))
        checklist = investigation.create_checklist(
            db, owner, investigation.ChecklistIn(name="月度检查表", include_measures=False,
                                                 include_major_items=False, free_items=["安全出口畅通"])
        )  # fmt: skip
        plan = investigation.create_plan(
            db,
            owner,
            investigation.PlanIn(checklist_id=checklist.id, name="月度排查", assignee_id=owner.id,
                                 frequency="month", start_on=date(today.year, today.month, 1)),
        )  # fmt: skip
        task = db.scalars(select(CheckTask).where(CheckTask.plan_id == plan.id)).one()
        # A 文书 row inserted as issued (rendering one is tested in tests/documents).
        document = Document(
            kind="tests.notice", title=f"{key}通知书", template="documents/example.html", context={},
            html="<html><body>通知书</body></html>", pdf=b"%PDF-1.7 test", sha256="0" * 64, size=13,
            enterprise_id=ent.id, region_code=region.code, region_path=region.path, created_by_name="系统",
        )  # fmt: skip
        db.add(document)
        db.flush()
        listing = CreditListing(
            enterprise_id=ent.id, subject_name=ent.name, credit_code=ent.credit_code, region_code=region.code,
            region_path=region.path, issuer_region_code=region.code, issuer_department="应急管理局",
            rule_set="mem-11-2023@2023.1", condition_code="V1", reason="无证生产", basis="第七条",
            penalty_decision_number=f"罚〔{today.year}〕{n}号", penalty_decision_date=today,
        )  # fmt: skip
        db.add(listing)
        db.flush()
        mpoint = MonitoringPoint(enterprise_id=ent.id, unit_id=unit.id, tag=f"TI-{n}", name="储罐温度",
                                 quantity="temperature", limit_h=35.0, interval_seconds=5)  # fmt: skip
        db.add(mpoint)
        db.flush()
        alarm = Alarm(point_id=mpoint.id, enterprise_id=ent.id, unit_id=unit.id, kind="h", state="open",
                      limit_value=35.0, started_at=utcnow(), ack_due_at=utcnow())  # fmt: skip
        db.add(alarm)
        db.flush()
        accident = Accident(enterprise_id=ent.id, occurred_on=today, accident_type="机械伤害", deaths=1)
        eplan = EmergencyPlan(enterprise_id=ent.id, kind="onsite", title=f"{key}现场处置方案", version="V1")
        eresource = EmergencyResource(enterprise_id=ent.id, region_code=ent.region_code, name="灭火器",
                                      category="equipment", storage_place="仓库", quantity=2,
                                      unit="具")  # fmt: skip
        db.add_all([accident, eplan, eresource])
        db.flush()
        inspection = Inspection(enterprise_id=ent.id, kind="planned", inspected_on=today, department="应急局",
                                inspector_ids=[], inspector_names=[], signatures=[])  # fmt: skip
        db.add(inspection)
        db.flush()
        db.add(InspectionItem(inspection_id=inspection.id, position=0, origin="free", text="安全出口畅通",
                              result="fail", photo_ids=[], hazard_id=hazard.id))  # fmt: skip
        penalty = PenaltyCase(enterprise_id=ent.id, department="应急局", case_number=f"立〔2026〕{n}号",
                              facts="未设警示标志", filed_on=today,
                              decision_due=today + timedelta(days=90))  # fmt: skip
        db.add(penalty)
        db.flush()
        # 专项整治 in the enterprise's own region for its industry, with its 自查报告; a 安全提示 to it.
        campaign = Campaign(title=f"{key}专项整治", department="应急管理局", region_code=region.code,
                            region_path=region.path, industries=[ent.industry], scope_regions=[], tags=[],
                            starts_on=today, ends_on=today + timedelta(days=90), phases=[],
                            report_phase="自查自改", report_due=today + timedelta(days=30))  # fmt: skip
        db.add(campaign)
        db.flush()
        db.add(CampaignItem(campaign_id=campaign.id, position=1, source="own", text="出口畅通"))
        creport = CampaignReport(campaign_id=campaign.id, enterprise_id=ent.id, state="draft")
        notice = SafetyNotice(title=f"{key}安全提示", body="注意防汛", department="应急管理局",
                              region_code=region.code, region_path=region.path, recipient_count=1,
                              ack_deadline=utcnow() + timedelta(days=1))  # fmt: skip
        db.add_all([creport, notice])
        db.flush()
        db.add(NoticeRecipient(notice_id=notice.id, enterprise_id=ent.id, region_code=region.code))
        db.flush()
        out[key] = {
            **{"enterprise": ent.id, "point": point.id, "unit": unit.id, "hazard": hazard.id},
            **{"case": case.id, "attachment": photo.id, "task": task.id, "region": REGIONS[key]},
            "plan": plan.id,
            "document": document.id,
            "listing": listing.id,
            "mpoint": mpoint.id,
            "alarm": alarm.id,
            "accident": accident.id,
            "eplan": eplan.id,
            "eresource": eresource.id,
            "inspection": inspection.id,
            "penalty": penalty.id,
            "campaign": campaign.id,
            "creport": creport.id,
            "notice": notice.id,
        }
    db.commit()  # a refused request rolls back to here, not past it
    return out


def _placeholder(template: str) -> str:
    (name,) = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    return name


# What a page's answer may differ in from one request to the next: its script nonce.
NONCE = re.compile(r'nonce="[^"]*"')


def _same_as_unknown(res: Response, unknown: Response, record_id: int | str) -> bool:
    """Byte for byte the answer for an unknown id, but for the id itself."""
    expected = unknown.text.replace(str(UNKNOWN), str(record_id)).replace(UNKNOWN_REGION, str(record_id))
    same_type = res.headers.get("content-type") == unknown.headers.get("content-type")
    return same_type and NONCE.sub("", res.text) == NONCE.sub("", expected)


def _check(
    get: Callable[[str], Response],
    template: str,
    records: dict[str, dict[str, int | str]],
    visible: set[str],
    hidden: int = 404,
) -> list[str]:
    """Ask for the record of each enterprise; what differs from the expectation, as readable lines."""
    name = _placeholder(template)
    unknown_id: int | str = UNKNOWN_REGION if name == "region" else UNKNOWN
    unknown = get(template.format(**{name: unknown_id}))
    wrong = []
    if unknown.status_code != hidden:
        wrong.append(f"{template} unknown id: {unknown.status_code}, expected {hidden}")
    for key in KEYS:
        url = template.format(**records[key])
        res = get(url)
        expected = 200 if key in visible else hidden
        if res.status_code != expected:
            wrong.append(f"{url} ({key}): {res.status_code}, expected {expected}")
        elif expected != 200 and not _same_as_unknown(res, unknown, records[key][name]):
            wrong.append(f"{url} ({key}): answers unlike an unknown id:\n{res.text[:300]}")
    return wrong


@pytest.mark.parametrize("role", list(VISIBLE))
def test_record_routes_and_pages_answer_only_inside_the_scope(client, world, records, role):
    headers = world["headers"][role]
    client.cookies.clear()

    def api(url: str) -> Response:
        return client.get(url, headers=headers)

    templates = [*RECORD_ROUTES.values(), *QUERY_ID_ROUTES.values(), *REGION_ROUTES.values()]
    if role == "enterprise":
        templates.remove(QUERY_ID_ROUTES["/hazards/new"])
    wrong: list[str] = []
    for template in templates:
        if template.startswith("/api/"):
            visible = REGION_VISIBLE[role] if "{region}" in template else VISIBLE[role]
            hidden = 403 if "{region}" in template and role == "enterprise" else 404
            wrong += _check(api, template, records, visible, hidden)

    sign_in(client, world["users"][role].username)

    def page(url: str) -> Response:
        # No redirects: a page that sends the caller to /login must not pass for a 200.
        return client.get(url, follow_redirects=False)

    for template in templates:
        if not template.startswith("/api/"):
            visible = REGION_VISIBLE[role] if "{region}" in template else VISIBLE[role]
            hidden = 403 if "{region}" in template and role == "enterprise" else 404
            wrong += _check(page, template, records, visible, hidden)
    assert not wrong, "\n".join(wrong)


def test_an_enterprise_user_reports_for_the_own_enterprise_whatever_id_is_given(client, world, records):
    sign_in(client, world["users"]["enterprise"].username)
    for key in KEYS:
        page = client.get(f"/hazards/new?enterprise_id={records[key]['enterprise']}", follow_redirects=False)
        assert page.status_code == 200
        assert world["e1"].name in page.text
        assert world["e2"].name not in page.text and world["e3"].name not in page.text


@pytest.mark.parametrize("role", list(VISIBLE))
def test_region_owned_rows_answer_only_inside_the_scope(client, db, world, role):
    from app.assessment.models import (
        Bulletin,
        Interview,
        LiaisonAssignment,
        MonthlyReport,
        ResponsibilityEntry,
        Submission,
        SubmissionRequirement,
    )
    from app.documents.models import Document
    from app.regions.models import Region

    rows: dict[str, dict[str, int | str]] = {}
    for key in KEYS:
        region = db.get_one(Region, REGIONS[key])
        doc = Document(kind="assessment.bulletin", title="通报", template="x", context={}, html="",
                       pdf=b"%PDF-", sha256="0" * 64, size=5, region_code=region.code,
                       region_path=region.path, created_by_name="系统")  # fmt: skip
        db.add(doc)
        db.flush()
        bulletin = Bulletin(region_code=region.code, region_path=region.path, period="2026-02", title="通报",
                            body="正文", state="issued", rule_set="assessment@2026.1", scorecard=[],
                            document_id=doc.id)  # fmt: skip
        report = MonthlyReport(region_code=region.code, region_path=region.path, period="2026-02",
                               xlsx=b"PK", figures={})  # fmt: skip
        interview = Interview(region_code=region.code, region_path=region.path, held_on=date(2026, 3, 1),
                              held_by="安委办", interviewee="副区长", interviewee_kind="region_leader",
                              reason_kind="low_score", reason="考核得分低", commitments="整改",
                              follow_up_on=date(2026, 3, 31))  # fmt: skip
        expert = EmergencyExpert(name="专家", field="fire", region_code=region.code, organisation="消防支队",
                                 phone="13812345678")  # fmt: skip
        db.add_all([bulletin, report, interview, expert])
        db.flush()
        rows[key] = {"bulletin": bulletin.id, "report": report.id, "interview": interview.id}
        rows[key]["expert"] = expert.id
        requirement = SubmissionRequirement(
            region_code=region.code, region_path=region.path, title="月度报送", period="2026-02",
            due_on=date(2026, 3, 5),
        )  # fmt: skip
        db.add(requirement)
        db.flush()
        filing = Submission(requirement_id=requirement.id, region_code=region.code, region_path=region.path)
        db.add(filing)
        db.flush()
        rows[key].update(requirement=requirement.id, submission=filing.id)
        entry = ResponsibilityEntry(region_code=region.code, region_path=region.path, department="应急管理局",
                                    industries=["machinery"], scales=[])  # fmt: skip
        liaison = LiaisonAssignment(region_code=region.code, region_path=region.path, leader_name="张某",
                                    leader_title="副区长", target_enterprise_id=world[key].id,
                                    target_path=region.path, starts_on=date(2026, 1, 1))  # fmt: skip
        db.add_all([entry, liaison])
        db.flush()
        rows[key].update(responsibility=entry.id, liaison=liaison.id)
    db.commit()
    headers = world["headers"][role]
    visible = REGION_VISIBLE[role]
    wrong: list[str] = []
    for template in REGION_OWNED_ROUTES.values():
        wrong += _check(lambda url: client.get(url, headers=headers), template, rows, visible)
    assert not wrong, "\n".join(wrong)
