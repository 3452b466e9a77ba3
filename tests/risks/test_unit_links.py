"""Risk points linked to their 重大危险源 辨识单元: API, 直接判定, pages, 风险清单 (SQLite and PostgreSQL)."""

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.risks import service
from app.risks.models import RiskPoint
from app.risks.register import COLUMNS
from app.risks.schemas import UnitUpdate
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.risks.factories import assess, make_point, make_unit

LOW = {"L": 1, "S": 2}  # LS 2 → blue unless 直接判定 applies


def test_link_and_unlink_only_own_units(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent, other = make_enterprise(db), make_enterprise(db)
    unit, foreign = make_unit(db, ent.id), make_unit(db, other.id)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    url = f"/api/risks/enterprises/{ent.id}/points"
    body = {"name": "液氯装卸作业", "point_type": "作业活动", "responsible_person": "赵工"}
    refused = client.post(url, json={**body, "major_hazard_unit_id": foreign.id}, headers=h)
    assert refused.status_code == 422 and refused.json()["field"] == "major_hazard_unit_id"
    assert db.scalar(select(RiskPoint).where(RiskPoint.enterprise_id == ent.id)) is None
    res = client.post(url, json={**body, "major_hazard_unit_id": unit.id}, headers=h)
    assert res.status_code == 201, res.text
    point = res.json()
    assert point["major_hazard_unit_id"] == unit.id
    detail = client.get(f"/api/risks/points/{point['id']}", headers=h).json()
    assert detail["major_hazard_unit"] == {
        "id": unit.id,
        "name": "液氯储罐区",
        "is_major": True,
        "grade": 1,
        "is_active": True,
    }
    patch_url = f"/api/risks/points/{point['id']}"
    moved = client.patch(
        patch_url, json={"version": point["version"], "major_hazard_unit_id": foreign.id}, headers=h
    )
    assert moved.status_code == 422 and moved.json()["field"] == "major_hazard_unit_id"
    assert "不属于本企业" in moved.json()["detail"]
    # Leaving the field out keeps the link; null removes it.
    kept = client.patch(patch_url, json={"version": point["version"], "post": "装卸工"}, headers=h).json()
    assert kept["major_hazard_unit_id"] == unit.id
    cleared = client.patch(
        patch_url, json={"version": kept["version"], "major_hazard_unit_id": None}, headers=h
    )
    assert cleared.status_code == 200 and cleared.json()["major_hazard_unit_id"] is None
    assert client.get(patch_url, headers=h).json()["major_hazard_unit"] is None
    last = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "risk_point", AuditEntry.entity_id == str(point["id"]))
        .order_by(AuditEntry.id.desc())
    ).first()
    assert last is not None and last.before is not None and last.after is not None
    assert (last.before["major_hazard_unit_id"], last.after["major_hazard_unit_id"]) == (unit.id, None)


def test_major_source_unit_makes_the_point_red(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    unit = make_unit(db, ent.id)
    point = make_point(db, ent.id, accident_types=["中毒和窒息"], major_hazard_unit_id=unit.id)
    red = assess(db, point, method="ls", inputs=LOW)
    assert (red.level, red.is_direct, red.inputs["direct"]["involves_major_hazard_source"]) == (
        "red",
        True,
        True,
    )
    assert red.trace[0]["step"] == "重大危险源"
    assert "液氯储罐区" in red.trace[0]["detail"] and "一级重大危险源" in red.trace[0]["detail"]
    assert any("涉及重大危险源" in t["detail"] and "直接判定为重大风险" in t["detail"] for t in red.trace)
    assert db.get(RiskPoint, point.id).level == "red"  # type: ignore[union-attr]
    # The assessor's explicit "no" wins over the register.
    stated = assess(db, point, method="ls", inputs=LOW, direct={"involves_major_hazard_source": False})
    assert (stated.level, stated.is_direct) == ("blue", False)
    assert all(t["step"] != "重大危险源" for t in stated.trace)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    page = client.get(f"/risks/points/{point.id}", headers=h)
    assert page.status_code == 200 and "液氯储罐区（一级重大危险源）" in page.text
    board = client.get(f"/api/risks/enterprises/{ent.id}/board", headers=h).json()
    assert board["major_hazard_sources"][0]["points"] == ["冲压车间冲床作业"]
    assert "冲压车间冲床作业" in client.get(f"/risks/enterprises/{ent.id}/board", headers=h).text
    # Once the unit is retired it no longer counts.
    service.update_unit(db, SYSTEM, unit.id, UnitUpdate(version=unit.version, is_active=False))
    retired = assess(db, point, method="ls", inputs=LOW)
    assert (retired.level, retired.is_direct) == ("blue", False)


def test_unit_that_is_not_a_major_source_does_not_trigger(db: Session) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    unit = make_unit(db, ent.id, major=False)
    assert not unit.is_major
    point = make_point(db, ent.id, major_hazard_unit_id=unit.id)
    result = assess(db, point, method="ls", inputs=LOW)
    assert (result.level, result.is_direct) == ("blue", False)
    assert "involves_major_hazard_source" not in result.inputs.get("direct", {})


def _sheet(rows: list[dict[str, object]], headers: list[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_register_unit_column_round_trip(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    unit = make_unit(db, ent.id)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    url = f"/api/risks/enterprises/{ent.id}/import"
    headers = [c.header for c in COLUMNS]
    base = {"类型": "作业活动", "责任人": "孙队长", "评价方法": "LS", "L": 1, "S": 2}
    unknown = _sheet([{**base, "风险点": "液氯装卸", "所属重大危险源": "液氨罐区"}], headers)
    res = client.post(url, files={"file": ("r.xlsx", unknown)}, headers=h)
    assert res.status_code == 422
    assert [(e["row"], e["column"]) for e in res.json()["errors"]] == [(2, "所属重大危险源")]
    assert "液氨罐区" in res.json()["errors"][0]["message"]
    good = _sheet(
        [{**base, "风险点": "液氯装卸", "所属重大危险源": "液氯储罐区"}, {**base, "风险点": "办公区"}],
        headers,
    )
    res = client.post(url, files={"file": ("r.xlsx", good)}, headers=h)
    assert res.status_code == 200 and res.json()["created"] == 2, res.text
    points = {p.name: p for p in db.scalars(select(RiskPoint).where(RiskPoint.enterprise_id == ent.id))}
    assert (points["液氯装卸"].major_hazard_unit_id, points["办公区"].major_hazard_unit_id) == (unit.id, None)
    exported = client.get(f"/api/risks/enterprises/{ent.id}/register.xlsx", headers=h).content
    ws = load_workbook(io.BytesIO(exported)).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    column = [row[header.index("所属重大危险源")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert column == ["液氯储罐区", None]
    again = client.post(url, files={"file": ("r.xlsx", exported)}, headers=h).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), again
    # A file made before the column existed leaves the links alone.
    old = _sheet([{**base, "风险点": "液氯装卸"}], [x for x in headers if x != "所属重大危险源"])
    res = client.post(url, files={"file": ("r.xlsx", old)}, headers=h).json()
    assert res["unchanged"] == 1, res
    assert db.get(RiskPoint, points["液氯装卸"].id).major_hazard_unit_id == unit.id  # type: ignore[union-attr]
    # An empty cell in the column unlinks.
    emptied = _sheet([{**base, "风险点": "液氯装卸", "所属重大危险源": None}], headers)
    res = client.post(url, files={"file": ("r.xlsx", emptied)}, headers=h).json()
    assert res["updated"] == 1, res
    assert db.get(RiskPoint, points["液氯装卸"].id).major_hazard_unit_id is None  # type: ignore[union-attr]
