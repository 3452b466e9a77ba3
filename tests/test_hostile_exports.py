"""Every .xlsx export survives hostile stored text: no live formulas, no broken file, for every user."""

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.hazards.models import Hazard
from app.risks.models import ControlMeasure, RiskPoint
from app.spreadsheets import cell_text, export_cell
from app.timeutil import local_today
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.risks.factories import add_measure, make_point

FORMULA = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE = [FORMULA, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "控制\x01字符\x1f"]


def _check_workbook(data: bytes, expected: list[str]) -> None:
    wb = load_workbook(io.BytesIO(data))  # a file openpyxl cannot read would raise here
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    joined = "\n".join(texts)
    for text in expected:
        assert text in joined, (text, joined[:500])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_export_cell_escapes_and_reads_back(hostile: str) -> None:
    cell = export_cell(hostile)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    if "\x01" not in hostile:
        assert cell_text(cell) == hostile.strip()  # re-import gives back what was stored


def test_every_export_survives_hostile_text(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    admin = make_user(db, "admin")
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    point = make_point(db, ent.id)
    measure = add_measure(db, point)
    db.commit()
    h = auth_headers(client, user)
    res = client.post(
        "/api/hazards",
        json={"source": "routine", "description": "线路裸露", "place": "一车间", "category": "site"},
        headers=h,
    )
    assert res.status_code == 201, res.text
    # Stored earlier, imported or written by an older version: the API no longer takes control characters.
    db.execute(
        update(Enterprise)
        .where(Enterprise.id == ent.id)
        .values(name=FORMULA, contact_name=HOSTILE[-1], address="@SUM(A1:A2)", department="\t=1+1")
    )
    db.execute(
        update(Hazard)
        .where(Hazard.id == res.json()["id"])
        .values(description=HOSTILE[-1], place="+1+1", grade="major", major_reason="-2+3")
    )
    db.execute(update(RiskPoint).where(RiskPoint.id == point.id).values(name=FORMULA, location=HOSTILE[-1]))
    db.execute(update(ControlMeasure).where(ControlMeasure.id == measure.id).values(description="\t=1+1"))
    db.commit()
    admin_h = auth_headers(client, admin)
    year = local_today().year
    quarter = (local_today().month - 1) // 3 + 1
    urls = {
        "/api/enterprises/export.xlsx": ["'" + FORMULA, "控制\ufffd字符\ufffd", "'@SUM(A1:A2)", "'\t=1+1"],
        "/api/hazards/export.xlsx": ["控制\ufffd字符\ufffd", "'+1+1", "'-2+3", "'" + FORMULA],
        f"/api/risks/enterprises/{ent.id}/register.xlsx": ["'" + FORMULA, "控制\ufffd字符\ufffd", "'\t=1+1"],
        f"/api/hazards/reports/quarterly.xlsx?year={year}&quarter={quarter}": ["'" + FORMULA, "'+1+1"],
        f"/api/hazards/reports/annual.xlsx?year={year}&enterprise_id={ent.id}": ["'" + FORMULA],
    }
    for url, expected in urls.items():
        for headers in (admin_h, h):
            res = client.get(url, headers=headers)
            assert res.status_code == 200, (url, res.text)
            _check_workbook(res.content, expected)


def test_a_refused_export_leaves_no_half_written_workbook(db: Session, client: TestClient) -> None:
    """A filter refused after the workbook was opened: a clear 404, and no temporary sheet file is left."""
    import gc

    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    make_tree(db)
    admin = make_user(db, "admin")
    before = set(ALL_TEMP_FILES)
    res = client.get("/api/hazards/export.xlsx?region=000000000000", headers=auth_headers(client, admin))
    assert res.status_code == 404, res.text
    assert "000000000000" in res.json()["detail"]
    gc.collect()  # an unfinished sheet would write into its closed file here (pytest reports it)
    assert [p for p in ALL_TEMP_FILES if p not in before] == []


def test_the_csv_ledger_is_excel_readable_escaped_and_scoped(db: Session, client: TestClient) -> None:
    """The ledger as CSV: a byte-order mark (Excel reads the Chinese), formulas made text, dates as dates,
    a Chinese .csv file name, and only the caller's hazards."""
    import csv

    make_tree(db)
    ent = make_enterprise(db)
    other = make_enterprise(db)
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    other_user = make_user(db, "enterprise", enterprise_id=other.id)
    db.commit()
    body = {"source": "routine", "description": FORMULA, "place": "一车间", "category": "site"}
    assert client.post("/api/hazards", json=body, headers=auth_headers(client, user)).status_code == 201
    body["description"] = "别家的隐患"
    assert client.post("/api/hazards", json=body, headers=auth_headers(client, other_user)).status_code == 201

    res = client.get("/api/hazards/export.csv", headers=auth_headers(client, user))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''%E9%9A%90%E6%82%A3%E5%8F%B0%E8%B4%A6-" in res.headers["content-disposition"]
    assert res.headers["content-disposition"].endswith(".csv")
    assert res.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["隐患编号", "企业", "统一社会信用代码"]
    assert len(rows) == 2  # the header and its own hazard; the other enterprise's is not there
    description = rows[1][rows[0].index("隐患描述")]
    assert description == "'" + FORMULA
    assert rows[1][rows[0].index("发现日期")] == local_today().isoformat()
    assert "别家的隐患" not in res.content.decode("utf-8-sig")
