"""月调度: the monthly job makes an .xlsx and a PDF for every city and county, for the month before its
(movable) run date; a second run keeps them; each report is read only within its region subtree."""

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from app.assessment import reports
from app.assessment.models import MonthlyReport
from app.documents.models import Document
from app.hazards.models import Hazard
from app.scheduler.registry import RunContext
from tests.factories import auth_headers
from tests.supervision.factories import make_world


def test_monthly_job_makes_xlsx_and_pdf_per_city_and_county(db, client, monkeypatch):
    w = make_world(db)
    db.add(
        Hazard(
            enterprise_id=w.ent.id,
            source="routine",
            description="重大：液氨储罐未设泄漏报警",
            place="罐区",
            category="site",
            found_on=date(2026, 1, 5),
            grade="major",
            state="rectifying",
            deadline=date(2026, 1, 31),
        )
    )
    db.commit()
    # Only the PDF of the county we assert on is rendered for real (rendering costs ~0.5 s each).
    real_issue = reports.documents.issue
    rendered: list[str] = []

    def issue(session, actor, **kw):
        if kw["region_code"] == "139101":
            rendered.append(kw["region_code"])
            return real_issue(session, actor, **kw)
        doc = Document(
            kind=kw["kind"],
            title=kw["title"],
            template=kw["template"],
            context={},
            html="",
            pdf=b"",
            sha256="0" * 64,
            size=0,
            region_code=kw["region_code"],
            region_path="",
            created_by_name="系统",
        )
        session.add(doc)
        session.flush()
        return doc

    monkeypatch.setattr(reports.documents, "issue", issue)
    # Run "on" 1 February 2026 (Shanghai): the reports are for January.
    ctx = RunContext("assessment.monthly", datetime(2026, 1, 31, 19, 0, tzinfo=UTC), run_id=1)
    out = reports.monthly(db, ctx)
    assert out["period"] == "2026-01"
    made = {r.region_code for r in db.scalars(select(MonthlyReport).where(MonthlyReport.period == "2026-01"))}
    assert made == {"139100", "139101", "139102", "139200", "139201"}  # every city and county
    assert out["made"] == 5
    assert reports.monthly(db, ctx) == {"period": "2026-01", "made": 0, "kept": 5}
    db.commit()

    county = db.scalar(select(MonthlyReport).where(MonthlyReport.region_code == "139101"))
    assert county.figures["overdue"] == 1
    book = load_workbook(io.BytesIO(county.xlsx))
    assert book.sheetnames == ["主要数据", "考核排名", "逾期重大隐患", "挂牌督办"]
    overdue = list(book["逾期重大隐患"].iter_rows(values_only=True))
    assert overdue[1][1] == "甲一化工有限公司" and overdue[1][4] == 1  # 1 day overdue on 1 February
    doc = db.get(Document, county.document_id)
    assert doc.pdf.startswith(b"%PDF") and "月调度" in doc.title and "液氨储罐" in doc.html

    # The county sees its own report and can download it; a sibling county cannot.
    listed = client.get("/api/assessment/reports", headers=auth_headers(client, w.county)).json()
    assert [r["region_code"] for r in listed] == ["139101"]
    res = client.get(f"/api/assessment/reports/{county.id}.xlsx", headers=auth_headers(client, w.county))
    assert res.status_code == 200 and res.content == county.xlsx
    res = client.get(f"/api/assessment/reports/{county.id}.xlsx", headers=auth_headers(client, w.county2))
    assert res.status_code == 404
    city_rows = client.get("/api/assessment/reports", headers=auth_headers(client, w.city)).json()
    assert {r["region_code"] for r in city_rows} == {"139100", "139101", "139102"}
