"""Bulk import and export of enterprises (.xlsx and CSV)."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app import spreadsheets
from app.audit.models import AuditEntry
from app.enterprises.columns import COLUMNS
from app.enterprises.models import Enterprise
from tests.factories import auth_headers, credit_code, make_tree, make_user

HEADERS = [c.header for c in COLUMNS if not c.export_only]


def _row(**kw):
    base = {
        "统一社会信用代码": credit_code(),
        "企业名称": "测试导入有限公司",
        "行业": "机械",
        "规模": "规上",
        "地址": "甲一街道1号",
        "经度": 118.3,
        "纬度": 39.5,
        "坐标系": "WGS84",
        "所属乡镇(街道)代码": "",
        "监管部门": "甲市应急管理局",
        "联系人": "王工",
        "联系电话": "0335-1234567",
        "状态": "在营",
    }
    base.update(kw)
    return [base[h] for h in HEADERS]


def _xlsx(rows, headers=HEADERS, merge=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(rows, encoding="utf-8", headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def admin_h(db, client):
    make_tree(db)
    return auth_headers(client, make_user(db, "admin"))


def _post(client, h, content: bytes, name="e.xlsx", **data):
    return client.post("/api/enterprises/import", files={"file": (name, content)}, data=data, headers=h)


def _count(db, model=Enterprise):
    return db.scalar(select(func.count()).select_from(model))


def test_xlsx_import_creates_and_reimport_is_idempotent(client, db, admin_h):
    rows = [_row(企业名称=f"导入企业{i}") for i in range(5)]
    content = _xlsx(rows)
    res = _post(client, admin_h, content)
    assert res.status_code == 200, res.text
    assert res.json()["created"] == 5
    audits = _count(db, AuditEntry)
    again = _post(client, admin_h, content)
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 5
    assert _count(db, AuditEntry) == audits  # nothing changed, nothing audited
    rows[0][HEADERS.index("联系电话")] = "0335-7777777"
    third = _post(client, admin_h, _xlsx(rows))
    assert third.json()["updated"] == 1
    assert _count(db, AuditEntry) == audits + 1


def test_ten_thousand_rows_three_bad_all_or_nothing(client, db, admin_h):
    rows = [_row(企业名称=f"批量企业{i}") for i in range(10_000)]
    rows[10][HEADERS.index("统一社会信用代码")] = "91350100M000100Y42"
    rows[5000][HEADERS.index("经度")] = "abc"
    rows[9999][HEADERS.index("行业")] = "造船"
    before = (_count(db), _count(db, AuditEntry))
    res = _post(client, admin_h, _xlsx(rows))
    assert res.status_code == 422
    body = res.json()
    assert body["written"] is False
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {(12, "统一社会信用代码"), (5002, "经度"), (10001, "行业")}
    assert (_count(db), _count(db, AuditEntry)) == before


def test_valid_rows_only_imports_the_rest(client, db, admin_h):
    rows = [_row(企业名称=f"部分导入{i}") for i in range(20)]
    rows[3][HEADERS.index("纬度")] = 118.3  # swapped with longitude
    rows[3][HEADERS.index("经度")] = 39.5
    res = _post(client, admin_h, _xlsx(rows), valid_rows_only="true")
    assert res.status_code == 200
    body = res.json()
    assert body["created"] == 19 and body["error_count"] == 1
    assert body["errors"][0]["row"] == 5 and "填反" in body["errors"][0]["message"]


def test_gbk_csv(client, db, admin_h):
    res = _post(client, admin_h, _csv([_row(企业名称="国标编码企业")], "gbk"), name="e.csv")
    assert res.status_code == 200, res.text
    assert db.scalar(select(Enterprise.name).where(Enterprise.name == "国标编码企业")) == "国标编码企业"


def test_duplicate_code_within_file(client, db, admin_h):
    row = _row()
    res = _post(client, admin_h, _xlsx([row, list(row)]))
    assert res.status_code == 422
    assert res.json()["errors"] == [{"row": 3, "column": "统一社会信用代码", "message": "与第2行重复"}]


@pytest.mark.parametrize(
    ("headers", "merge", "words"),
    [
        ([h for h in HEADERS if h != "经度"], None, "缺少必填列：经度"),
        (HEADERS + ["备注"], None, "多余或无法识别的列：备注"),
        (HEADERS, "A1:B1", "表头为空（可能是合并单元格"),
    ],
)
def test_bad_header_rejected(client, db, admin_h, headers, merge, words):
    rows = [[*_row(), "x"][: len(headers)]]
    res = _post(client, admin_h, _xlsx(rows, headers=headers, merge=merge))
    assert res.status_code == 422
    assert words in res.json()["detail"] and res.json()["field"] == "header"
    assert _count(db) == 0


def test_upload_over_limit_is_413(client, db, admin_h, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    res = _post(client, admin_h, b"x" * (1024 * 1024 + 1), name="big.csv")
    assert res.status_code == 413
    assert "超过大小限制" in res.json()["detail"]


def test_not_a_spreadsheet(client, db, admin_h):
    assert _post(client, admin_h, b"hello", name="e.txt").status_code == 422
    res = _post(client, admin_h, b"not a zip", name="e.xlsx")
    assert res.status_code == 422
    assert "不是有效的 .xlsx" in res.json()["detail"] and "zip" not in res.json()["detail"]


def test_xlsx_bomb_refused_before_parsing(client, db, admin_h):
    """A small file whose zip directory says it inflates beyond the limit is refused unread."""
    buf = io.BytesIO(_xlsx([_row()]))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet2.xml", b" " * (40 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    res = _post(client, admin_h, buf.getvalue())
    assert res.status_code == 413, res.text
    assert "解压后超过" in res.json()["detail"]
    assert _count(db) == 0


def test_row_limit_checked_before_and_while_reading(client, db, admin_h, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = [_row(企业名称=f"导入企业{i}") for i in range(5)]
    res = _post(client, admin_h, _xlsx(rows))
    assert (res.status_code, res.json()["field"]) == (413, "file"), res.text
    assert "行数超过 3 行" in res.json()["detail"]
    csv_text = ",".join(HEADERS) + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows)
    res = _post(client, admin_h, csv_text.encode(), name="e.csv")
    assert res.status_code == 413, res.text
    assert _count(db) == 0


def test_township_user_cannot_import(client, db, admin_h):
    h = auth_headers(client, make_user(db, "township", region_code="139101001"))
    assert _post(client, h, _xlsx([_row()])).status_code == 403


def test_export_round_trips(client, db, admin_h):
    _post(client, admin_h, _xlsx([_row(企业名称="导出企业甲"), _row(企业名称="导出企业乙")]))
    res = client.get("/api/enterprises/export.xlsx", headers=admin_h)
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADERS, "所属行政区"]
    names = {r[1] for r in rows[1:]}
    assert names == {"导出企业甲", "导出企业乙"}
    assert rows[1][HEADERS.index("行业")] == "机械"
    assert rows[1][-1] == "甲一街道"
    # The exported file, as it is, imports back unchanged.
    again = _post(client, admin_h, res.content)
    assert again.json()["unchanged"] == 2
