"""Every .xlsx export opens well in Excel and WPS (issue #15 item 7).

Columns wide enough for their header, a date and a Chinese name (no “#####”), the header row frozen
and filtered, dates and times as real date cells in Asia/Shanghai time, and a download named in
Chinese with the day's date (RFC 6266/5987: an ASCII filename plus filename*=UTF-8'').
"""

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.hazards.models import Hazard
from app.timeutil import frozen_at, to_local
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.risks.factories import add_measure, make_point

# 20:30 on 19 May in UTC is already 04:30 on 20 May in Shanghai: dates and names must use the latter.
NOW = datetime(2026, 5, 19, 20, 30, tzinfo=UTC)
TODAY = "2026-05-20"
LONG_NAME = "河北省唐山市甲一区冶金机械制造股份有限公司"


def text_width(text: str) -> int:
    """About how many Latin digits wide the text is in Excel: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass
class Sheet:
    title: str
    header_row: int = 1
    dates: list[str] = field(default_factory=list)  # columns holding a date (yyyy-mm-dd)
    datetimes: list[str] = field(default_factory=list)  # columns holding a local time (yyyy-mm-dd hh:mm)
    names: dict[str, str] = field(default_factory=dict)  # column -> Chinese text it must fit


def _width(ws: Worksheet, col: int) -> float | None:
    """The declared width of a column (a <col> element may cover several columns)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.max is not None and dim.min <= col <= dim.max and dim.customWidth:
            return float(dim.width)
    return None


def _check_sheet(ws: Worksheet, spec: Sheet) -> None:
    h = spec.header_row
    headers = [c.value for c in ws[h] if c.value is not None]
    assert headers, (spec.title, "no header row")
    n = len(headers)
    # The header row is frozen (the rows above it scroll away with it) and carries the auto-filter.
    assert ws.freeze_panes is not None, spec.title
    assert CellRange(f"{ws.freeze_panes}:{ws.freeze_panes}").min_row == h + 1, (spec.title, ws.freeze_panes)
    assert ws.auto_filter.ref, (spec.title, "no auto-filter")
    ref = CellRange(ws.auto_filter.ref)
    assert (ref.min_row, ref.min_col, ref.max_col) == (h, 1, n), (spec.title, ws.auto_filter.ref)
    data_rows = [r for r in ws.iter_rows(min_row=h + 1, max_col=n) if any(c.value is not None for c in r)]
    assert ref.max_row >= h + 1, (spec.title, "filter covers no data", ws.auto_filter.ref)
    # Every column is as wide as its header (plus the filter button).
    for i, header in enumerate(headers, start=1):
        width = _width(ws, i)
        assert width is not None, (spec.title, header, "no width")
        assert width >= text_width(header) + 2, (spec.title, header, width)
    index = {hd: i for i, hd in enumerate(headers)}
    for col in spec.dates + spec.datetimes:
        assert col in index, (spec.title, col, headers)
        cells = [r[index[col]] for r in data_rows if r[index[col]].value is not None]
        assert cells, (spec.title, col, "no value to check")
        for cell in cells:
            assert isinstance(cell.value, datetime), (spec.title, col, cell.value)  # a date, not text
            assert cell.is_date, (spec.title, col, cell.number_format)
            if col in spec.dates:
                assert cell.number_format == "yyyy-mm-dd", (spec.title, col, cell.number_format)
                assert cell.value.time() == datetime.min.time()
            else:
                assert cell.number_format.startswith("yyyy-mm-dd") and "hh:mm" in cell.number_format
        shown = 16 if col in spec.datetimes else 10  # "2026-05-20 04:30", "2026-05-20"
        assert (_width(ws, index[col] + 1) or 0) >= shown + 1, (spec.title, col, "would show #####")
    for col, text in spec.names.items():
        values = [r[index[col]].value for r in data_rows]
        assert text in values, (spec.title, col, values)
        width = _width(ws, index[col] + 1) or 0
        assert width >= min(text_width(text), 40), (spec.title, col, width, text)


def _check_disposition(value: str, chinese: str, ascii_name: str) -> None:
    kind, *params = [p.strip() for p in value.split(";")]
    assert kind == "attachment", value
    parsed = dict(p.split("=", 1) for p in params)
    assert parsed["filename"] == f'"{ascii_name}"', value
    assert parsed["filename*"].startswith("UTF-8''"), value
    assert parsed["filename*"].isascii()
    assert unquote(parsed["filename*"].removeprefix("UTF-8''")) == chinese, value


@pytest.fixture
def exports(db: Session, client: TestClient):  # type: ignore[no-untyped-def]
    with frozen_at(NOW):
        make_tree(db)
        ent = make_enterprise(db, name=LONG_NAME)
        admin = make_user(db, "admin")
        user = make_user(db, "enterprise", enterprise_id=ent.id)
        point = make_point(db, ent.id)
        add_measure(db, point)
        db.commit()
        h = auth_headers(client, user)
        res = client.post(
            "/api/hazards",
            json={"source": "routine", "description": "线路裸露", "place": "一车间", "category": "site"},
            headers=h,
        )
        assert res.status_code == 201, res.text
        hazard_id = res.json()["id"]
        db.execute(
            update(Hazard)
            .where(Hazard.id == hazard_id)
            .values(
                grade="major",
                major_reason="GB 35181-2017",
                deadline=date(2026, 6, 30),
                plan={"measures": "断电后重新敷设线路", "responsible": "张工", "emergency": "设警戒区"},
            )
        )
        db.commit()
        yield ent, h, auth_headers(client, admin), db.get_one(Hazard, hazard_id)


def test_every_export_opens_well_in_excel(client: TestClient, exports) -> None:  # type: ignore[no-untyped-def]
    ent, ent_h, admin_h, hazard = exports
    registered = to_local(hazard.created_at).replace(tzinfo=None)
    assert registered.date().isoformat() == TODAY  # local, not the UTC date
    report = Sheet("统计分析表", header_row=5)
    majors = Sheet("重大事故隐患", dates=["整改期限"], names={"企业": LONG_NAME})
    cases = [
        (
            "/api/enterprises/export.xlsx",
            [admin_h],
            "企业名录",
            "enterprises",
            [Sheet("企业名录", names={"企业名称": LONG_NAME})],
        ),
        (
            "/api/hazards/export.xlsx",
            [admin_h, ent_h],
            "隐患台账",
            "hazard-ledger",
            [
                Sheet(
                    "隐患台账",
                    dates=["发现日期", "整改期限"],
                    datetimes=["登记时间"],
                    names={"企业": LONG_NAME},
                )
            ],
        ),
        (
            f"/api/risks/enterprises/{ent.id}/register.xlsx",
            [admin_h, ent_h],
            f"风险清单-{LONG_NAME}",
            f"risk-register-{ent.credit_code}",
            [Sheet("风险清单", names={"风险点": "冲压车间冲床作业"})],
        ),
        (
            "/api/hazards/reports/quarterly.xlsx?year=2026&quarter=2",
            [admin_h],
            "事故隐患排查治理2026年第2季度统计分析表",
            "hazard-report-2026-q2",
            [report, majors],
        ),
        (
            "/api/hazards/reports/annual.xlsx?year=2026",
            [ent_h],
            "事故隐患排查治理2026年度统计分析表",
            "hazard-report-2026",
            [Sheet("统计分析表", header_row=5, names={"单位/区域": LONG_NAME}), majors],
        ),
    ]
    with frozen_at(NOW + timedelta(minutes=5)):
        for url, who, chinese, ascii_name, sheets in cases:
            for headers in who:
                res = client.get(url, headers=headers)
                assert res.status_code == 200, (url, res.text)
                _check_disposition(
                    res.headers["content-disposition"],
                    f"{chinese}-{TODAY}.xlsx",
                    f"{ascii_name}-{TODAY}.xlsx",
                )
                wb = load_workbook(io.BytesIO(res.content))
                assert wb.sheetnames == [s.title for s in sheets], url
                for spec in sheets:
                    _check_sheet(wb[spec.title], spec)
                if url == "/api/hazards/export.xlsx":
                    ws = wb["隐患台账"]
                    headers_row = [c.value for c in ws[1]]
                    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == hazard.id)
                    got = row[headers_row.index("登记时间")]
                    assert abs(got - registered) < timedelta(seconds=1), (got, registered)
                    assert row[headers_row.index("发现日期")] == datetime(2026, 5, 20)
                    assert row[headers_row.index("整改措施")] == "断电后重新敷设线路"
                    assert row[headers_row.index("责任人")] == "张工"


def test_report_filter_stops_at_the_table(client: TestClient, exports) -> None:  # type: ignore[no-untyped-def]
    """The 统计分析表 has title rows above and the signature line below: neither is in the filter."""
    _, ent_h, _, _ = exports
    with frozen_at(NOW):
        res = client.get("/api/hazards/reports/annual.xlsx?year=2026", headers=ent_h)
    ws = load_workbook(io.BytesIO(res.content))["统计分析表"]
    ref = CellRange(ws.auto_filter.ref)
    signed = next(c.row for row in ws.iter_rows() for c in row if c.value == "主要负责人（签字）：")
    assert ref.min_row == 5 and ref.max_row < signed, ws.auto_filter.ref
    assert ws.cell(ref.max_row, 1).value not in (None, "")  # the last table row is inside it


def test_a_hostile_enterprise_name_makes_a_safe_file_name(db: Session, client: TestClient) -> None:
    """The enterprise name in the 风险清单 file name cannot break the header or the file system."""
    make_tree(db)
    ent = make_enterprise(db, name='甲/乙:企业*?"<>|\\名称')
    admin = make_user(db, "admin")
    db.commit()
    res = client.get(f"/api/risks/enterprises/{ent.id}/register.xlsx", headers=auth_headers(client, admin))
    assert res.status_code == 200, res.text
    value = res.headers["content-disposition"]
    assert value.isascii() and "\n" not in value
    name = unquote(value.split("filename*=UTF-8''", 1)[1])
    assert not set('/\\:*?"<>|') & set(name), name
    assert name.startswith("风险清单-甲_乙_企业") and name.endswith(".xlsx"), name
