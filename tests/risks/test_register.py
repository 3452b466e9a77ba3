"""Risk register through the API and the services (SQLite and PostgreSQL)."""

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.errors import BadInput
from app.grading import enterprise as grading
from app.grading.models import EnterpriseLevel
from app.risks import service
from app.risks.models import RiskAssessment, RiskPoint, UnitEvent
from app.risks.register import COLUMNS
from app.risks.schemas import AccidentIn
from app.timeutil import local_today
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.risks.factories import add_measure, assess, make_point


def test_point_assessment_history_and_residual(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    h = auth_headers(client, user)
    body = {
        "name": "液氨储罐区",
        "point_type": "场所区域",
        "responsible_person": "赵工",
        "hazard_factors": ["22", "明火"],
        "accident_types": ["中毒和窒息", "其他爆炸"],
        "exposed_people": 3,
    }
    res = client.post(f"/api/risks/enterprises/{ent.id}/points", json=body, headers=h)
    assert res.status_code == 201, res.text
    point = res.json()
    assert point["hazard_factors"] == ["22", "2109"]
    assert point["accident_types"] == ["中毒和窒息", "其它爆炸"]
    url = f"/api/risks/points/{point['id']}/assessments"
    first = client.post(url, json={"method": "lec", "inputs": {"L": 3, "E": 6, "C": 15}}, headers=h)
    assert first.status_code == 201, first.text
    assert (first.json()["score"], first.json()["level"]) == (270, "orange")
    assert first.json()["rule_set"].startswith("lec-national@")
    second = client.post(
        url,
        json={"method": "lec", "inputs": {"L": 6, "E": 6, "C": 15}, "residual": {"L": 1, "E": 6, "C": 7}},
        headers=h,
    )
    assert second.status_code == 201, second.text
    data = second.json()
    assert (data["score"], data["level"], data["residual_score"], data["residual_level"]) == (
        540,
        "red",
        42,
        "blue",
    )
    history = client.get(url, headers=h).json()
    assert [a["is_current"] for a in history] == [True, False]
    assert [a["level"] for a in history] == ["red", "orange"]
    detail = client.get(f"/api/risks/points/{point['id']}", headers=h).json()
    assert detail["level"] == "blue"  # the residual level is what counts once controls are in place
    assert detail["current_assessment"]["id"] == data["id"]
    level = client.get(f"/api/risks/enterprises/{ent.id}/level", headers=h).json()
    assert level["current"]["level"] == "blue"
    assert [h_["level"] for h_ in level["history"]] == ["blue", "orange"]
    assert any("基础等级" in line for line in level["current"]["explanation"])


def test_unpublished_values_and_unknown_lists_are_refused(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    base = {"name": "配电室", "point_type": "场所区域", "responsible_person": "电工甲"}
    bad_type = client.post(
        f"/api/risks/enterprises/{ent.id}/points", json={**base, "accident_types": ["雷击"]}, headers=h
    )
    assert bad_type.status_code == 422 and bad_type.json()["field"] == "accident_types"
    assert "雷击" in bad_type.json()["detail"]
    bad_factor = client.post(
        f"/api/risks/enterprises/{ent.id}/points", json={**base, "hazard_factors": ["9999"]}, headers=h
    )
    assert bad_factor.status_code == 422 and bad_factor.json()["field"] == "hazard_factors"
    bad_kind = client.post(
        f"/api/risks/enterprises/{ent.id}/points", json={**base, "point_type": "车间"}, headers=h
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "point_type"
    point = client.post(f"/api/risks/enterprises/{ent.id}/points", json=base, headers=h).json()
    res = client.post(
        f"/api/risks/points/{point['id']}/assessments",
        json={"method": "lec", "inputs": {"L": 4, "E": 6, "C": 15}},
        headers=h,
    )
    assert res.status_code == 422 and res.json()["field"] == "inputs.L"
    no_person = client.post(
        f"/api/risks/points/{point['id']}/measures",
        json={"kind": "管理", "description": "持证上岗", "responsible_person": "  ", "check_frequency": "月"},
        headers=h,
    )
    assert no_person.status_code == 422 and no_person.json()["field"] == "responsible_person"
    bad_freq = client.post(
        f"/api/risks/points/{point['id']}/measures",
        json={
            "kind": "管理",
            "description": "持证上岗",
            "responsible_person": "甲",
            "check_frequency": "每小时",
        },
        headers=h,
    )
    assert bad_freq.status_code == 422 and bad_freq.json()["field"] == "check_frequency"
    assert db.scalar(select(func.count()).select_from(RiskAssessment)) == 0


def test_measure_level_defaults_by_risk_level(db: Session) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    point = make_point(db, ent.id)
    assess(db, point)  # 270 → orange
    measure = add_measure(db, point)
    assert (measure.control_level, measure.check_frequency, measure.kind) == (
        "workshop",
        "daily",
        "engineering",
    )
    explicit = add_measure(db, point, kind="个体防护", control_level="岗位", description="佩戴防护手套")
    assert explicit.control_level == "post"
    audited = db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "control_measure")
    )
    assert audited == 2


def test_scopes(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    other = make_enterprise(db, region_code="139201")
    point = make_point(db, ent.id)
    stranger = auth_headers(client, make_user(db, "enterprise", enterprise_id=other.id))
    assert client.get(f"/api/risks/points/{point.id}", headers=stranger).status_code == 404
    town = auth_headers(client, make_user(db, "township", region_code="139101001"))
    assert client.get(f"/api/risks/points/{point.id}", headers=town).status_code == 200
    res = client.post(
        f"/api/risks/points/{point.id}/assessments",
        json={"method": "ls", "inputs": {"L": 3, "S": 4}},
        headers=town,
    )
    assert res.status_code == 403
    inspector = auth_headers(client, make_user(db, "inspector", region_code="139101"))
    res = client.post(
        f"/api/risks/points/{point.id}/assessments",
        json={"method": "ls", "inputs": {"L": 3, "S": 4}},
        headers=inspector,
    )
    assert res.status_code == 201, res.text
    assert res.json()["level"] == "yellow"
    edit = client.patch(
        f"/api/risks/points/{point.id}", json={"version": 1, "name": "改名"}, headers=inspector
    )
    assert edit.status_code == 403
    far = auth_headers(client, make_user(db, "inspector", region_code="139200"))
    assert client.get(f"/api/risks/points/{point.id}", headers=far).status_code == 404


def test_stale_point_update_conflicts(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    point = make_point(db, ent.id)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    version = point.version
    assert (
        client.patch(
            f"/api/risks/points/{point.id}", json={"version": version, "post": "甲"}, headers=h
        ).status_code
        == 200
    )
    stale = client.patch(f"/api/risks/points/{point.id}", json={"version": version, "post": "乙"}, headers=h)
    assert stale.status_code == 409


def test_major_hazard_unit_grading_events_and_enterprise_level(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    url = f"/api/risks/enterprises/{ent.id}/units"
    small = {
        "name": "液氯储罐区",
        "unit_type": "储存单元",
        "substances": [{"name": "液氯", "quantity_t": 2}],
        "exposed_people": 60,
    }
    res = client.post(url, json=small, headers=h)
    assert res.status_code == 201, res.text
    unit = res.json()
    assert (unit["is_major"], unit["grade"], unit["s"]) == (False, None, 0.4)
    assert unit["trace"] and unit["rule_set"].startswith("gb18218")
    changed = client.patch(
        f"/api/risks/units/{unit['id']}",
        json={
            "version": unit["version"],
            "substances": [{"name": "液氯", "quantity_t": 100}],
            "exposed_people": 200,
        },
        headers=h,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["is_major"], changed.json()["grade"]) == (True, 1)
    events = client.get(f"/api/risks/units/{unit['id']}/events", headers=h).json()
    assert [e["kind"] for e in events] == ["identified", "status_changed"]
    assert events[1]["to_grade"] == 1
    level = client.get(f"/api/risks/enterprises/{ent.id}/level", headers=h).json()["current"]
    assert level["level"] == "orange"
    assert any("重大危险源" in line for line in level["explanation"])
    for bad, field in (
        ({"name": "液氯", "quantity_t": -1}, "substances[0].quantity_t"),
        ({"name": "液氯"}, "substances[0].quantity_t"),
    ):
        res = client.post(url, json={**small, "substances": [bad]}, headers=h)
        assert res.status_code == 422 and res.json()["field"] == field, res.text
    assert db.scalar(select(func.count()).select_from(UnitEvent)) == 2


def test_accidents_feed_direct_determination_and_policy(db: Session) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    point = make_point(db, ent.id)
    assess(db, point, method="ls")  # 3 × 4 = 12 → yellow
    assert grading.recompute_enterprise_level(db, ent.id).level == "yellow"
    with pytest.raises(BadInput) as bad:
        bad_type = AccidentIn(occurred_on=local_today(), accident_type="雷击")
        service.record_accident(db, SYSTEM, ent.id, bad_type)
    assert bad.value.field == "accident_type"
    service.record_accident(
        db,
        SYSTEM,
        ent.id,
        AccidentIn(occurred_on=local_today() - timedelta(days=30), accident_type="机械伤害", deaths=1),
    )
    current = db.scalar(
        select(EnterpriseLevel).where(
            EnterpriseLevel.enterprise_id == ent.id, EnterpriseLevel.is_current.is_(True)
        )
    )
    assert current is not None and current.level == "red"
    assert any("死亡事故" in t["detail"] for t in current.trace)
    # Re-assessing the point now applies 直接判定 from the accident record…
    again = assess(db, point, method="ls")
    assert (again.level, again.is_direct) == ("red", True)
    assert again.trace[0]["step"] == "事故记录"
    # …unless the assessor states the conditions no longer exist.
    cleared = assess(db, point, method="ls", direct={"accident_conditions_persist": False})
    assert (cleared.level, cleared.is_direct) == ("yellow", False)


def test_level_row_only_when_changed_and_bulk_matches_single(db: Session) -> None:
    make_tree(db)
    ents = [make_enterprise(db) for _ in range(3)]
    for i, ent in enumerate(ents):
        point = make_point(db, ent.id)
        assess(db, point, method="ls", inputs={"L": [1, 3, 5][i], "S": [2, 4, 5][i]})
    before = db.scalar(select(func.count()).select_from(EnterpriseLevel))
    result = grading.recompute_all(db)
    assert result["changed"] == 0 and result["enterprises"] >= 3
    assert db.scalar(select(func.count()).select_from(EnterpriseLevel)) == before
    # A change made behind the service's back is picked up by the nightly run.
    point = db.scalar(select(RiskPoint).where(RiskPoint.enterprise_id == ents[0].id))
    assert point is not None
    point.level = "red"
    db.flush()
    assert grading.recompute_all(db)["changed"] == 1
    levels = {
        e: lvl
        for e, lvl in db.execute(
            select(EnterpriseLevel.enterprise_id, EnterpriseLevel.level).where(
                EnterpriseLevel.is_current.is_(True)
            )
        )
    }
    assert [levels[e.id] for e in ents] == ["red", "yellow", "red"]
    current_rows = db.scalar(
        select(func.count())
        .select_from(EnterpriseLevel)
        .where(EnterpriseLevel.enterprise_id == ents[0].id, EnterpriseLevel.is_current.is_(True))
    )
    assert current_rows == 1


def test_export_register_xlsx(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    point = make_point(db, ent.id)
    assess(db, point)
    add_measure(db, point)
    add_measure(db, point, kind="培训教育", description="岗前安全培训")
    add_measure(db, point, kind="培训教育", description="每月安全例会")
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    res = client.get(f"/api/risks/enterprises/{ent.id}/register.xlsx", headers=h)
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:3] == ["风险点", "类型", "位置"]
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["风险点"] == "冲压车间冲床作业"
    assert row["类型"] == "作业活动"
    assert row["危险有害因素"] == "2101 设备、设施、工具、附件缺陷、2102 防护缺陷"
    assert row["事故类型"] == "机械伤害、物体打击"
    assert (row["评价方法"], row["L"], row["E"], row["C"], row["分值"], row["等级"]) == (
        "LEC",
        3,
        6,
        15,
        270,
        "较大风险",
    )
    assert row["工程技术措施"] == "冲床加装光电保护装置"
    assert row["培训教育措施"] == "岗前安全培训\n每月安全例会"
    assert (row["管控层级"], row["责任人"]) == ("车间", "王班长")


def _sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header or [c.header for c in COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(**kw: object) -> list[object]:
    values: dict[str, object] = {
        "风险点": "叉车作业",
        "类型": "作业活动",
        "危险有害因素": "2108 运动物危害",
        "事故类型": "车辆伤害",
        "接触人数": 2,
        "评价方法": "LS",
        "L": 4,
        "S": 4,
        "工程技术措施": "叉车加装倒车雷达",
        "管理措施": "持证上岗；限速5公里",
        "责任人": "孙队长",
        "排查频次": "周",
    }
    values.update(kw)
    return [values.get(c.header) for c in COLUMNS]


def test_import_register_and_reimport_is_idempotent(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    url = f"/api/risks/enterprises/{ent.id}/import"
    content = _sheet(
        [_row(), _row(风险点="危化品库房", 类型="场所区域", 评价方法="LEC", L=3, E=6, C=40, S=None)]
    )
    res = client.post(url, files={"file": ("风险清单.xlsx", content)}, headers=h)
    assert res.status_code == 200, res.text
    assert (res.json()["created"], res.json()["error_count"]) == (2, 0)
    points = {p.name: p for p in db.scalars(select(RiskPoint).where(RiskPoint.enterprise_id == ent.id))}
    assert (points["叉车作业"].level, points["危化品库房"].level) == ("orange", "red")
    forklift = client.get(f"/api/risks/points/{points['叉车作业'].id}", headers=h).json()
    assert sorted(m["description"] for m in forklift["measures"]) == [
        "叉车加装倒车雷达",
        "持证上岗",
        "限速5公里",
    ]
    assert {m["check_frequency"] for m in forklift["measures"]} == {"weekly"}
    assert {m["control_level"] for m in forklift["measures"]} == {"workshop"}  # orange → 车间 by default
    # The exported register imports back without changes.
    exported = client.get(f"/api/risks/enterprises/{ent.id}/register.xlsx", headers=h).content
    again = client.post(url, files={"file": ("风险清单.xlsx", exported)}, headers=h).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), again
    assert db.scalar(select(func.count()).select_from(RiskAssessment)) == 2


def test_import_bad_rows_writes_nothing(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    url = f"/api/risks/enterprises/{ent.id}/import"
    content = _sheet(
        [
            _row(),
            _row(风险点="焊接作业", L=7),
            _row(风险点="高处作业", 事故类型="坠落"),
            _row(风险点="叉车作业"),
            _row(风险点="配电", 责任人=None),
        ]
    )
    res = client.post(url, files={"file": ("r.xlsx", content)}, headers=h)
    assert res.status_code == 422
    errors = {(e["row"], e["column"]) for e in res.json()["errors"]}
    assert errors == {(3, "L"), (4, "事故类型"), (5, "风险点"), (6, "责任人")}
    assert db.scalar(select(func.count()).select_from(RiskPoint)) == 0
    bad_header = _sheet([_row()], header=[c.header for c in COLUMNS if c.header != "责任人"] + ["备注"])
    res = client.post(url, files={"file": ("r.xlsx", bad_header)}, headers=h)
    assert res.status_code == 422 and res.json()["field"] == "header"
    assert "备注" in res.json()["detail"] and "责任人" in res.json()["detail"]
    partial = client.post(
        url, files={"file": ("r.xlsx", content)}, data={"valid_rows_only": "true"}, headers=h
    )
    assert partial.status_code == 200 and partial.json()["created"] == 1


def test_import_infinite_numbers_are_row_errors(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    content = _sheet(
        [_row(接触人数="inf"), _row(风险点="焊接作业", E="inf"), _row(风险点="叉车作业", C="nan")]
    )
    res = client.post(
        f"/api/risks/enterprises/{ent.id}/import", files={"file": ("r.xlsx", content)}, headers=h
    )
    assert res.status_code == 422, res.text
    assert {(e["row"], e["column"]) for e in res.json()["errors"]} >= {(2, "接触人数")}
    assert len({e["row"] for e in res.json()["errors"]}) == 3, res.text
    assert db.scalar(select(func.count()).select_from(RiskPoint)) == 0


def test_notice_card_and_board(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    point = make_point(db, ent.id)
    assess(db, point, inputs={"L": 6, "E": 6, "C": 15})  # 540 → red
    add_measure(db, point)
    low = make_point(db, ent.id, name="办公区")
    assess(db, low, method="ls", inputs={"L": 1, "S": 2})
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    card = client.get(f"/risks/points/{point.id}/card", headers=h)
    assert card.status_code == 200
    html = card.text
    for text in (
        "岗位风险告知卡",
        "重大风险",
        "机械伤害",
        "冲床加装光电保护装置",
        "0335-1234567",
        "@page",
        "<svg",
    ):
        assert text in html
    assert "http" not in html.split("<svg", 1)[0].split("</style>", 1)[0].replace("https://testserver", "")
    board = client.get(f"/api/risks/enterprises/{ent.id}/board", headers=h).json()
    assert board["counts"] == {"red": 1, "orange": 0, "yellow": 0, "blue": 1}
    assert [p["name"] for p in board["red_orange_points"]] == ["冲压车间冲床作业"]
    page = client.get(f"/risks/enterprises/{ent.id}/board", headers=h)
    assert page.status_code == 200 and "安全风险公告栏" in page.text and "冲压车间冲床作业" in page.text


def test_method_choices_list_published_values(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "enterprise", enterprise_id=ent.id))
    res = client.get("/api/risks/methods", params={"enterprise_id": ent.id}, headers=h).json()
    lec = next(s for s in res["lec"]["rule_sets"] if s["default"])
    assert [c["value"] for c in lec["choices"]["L"]] == [10, 6, 3, 1, 0.5, 0.2, 0.1]
    assert res["mes"]["default"] is None and res["mes"]["rule_sets"]
    cats = client.get("/api/risks/catalogues", headers=h).json()
    assert len(cats["accident_types"]["items"]) == 20
    assert cats["default_control_levels"]["levels"]["red"] == "company"
