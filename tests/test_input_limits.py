"""Hostile input at the edge: huge ids, control characters, PATCH nulls, inf, oversized bodies → clear 4xx."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.risks.models import ControlMeasure, RiskPoint
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.risks.factories import add_measure, make_point

BIG_IDS = [2**31, 2**63, 10**30]


@pytest.fixture
def ent_h(db: Session, client: TestClient) -> tuple[int, dict[str, str]]:
    make_tree(db)
    ent = make_enterprise(db)
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    db.commit()  # a refused request rolls the session back
    return ent.id, auth_headers(client, user)


@pytest.mark.parametrize("big", BIG_IDS)
def test_ids_and_cursors_beyond_the_column_are_refused(client: TestClient, ent_h, big: int) -> None:
    ent_id, h = ent_h
    for url in (
        f"/api/enterprises/{big}",
        f"/api/hazards/{big}",
        f"/api/risks/points/{big}",
        f"/api/enterprises?cursor={big}",
        f"/api/notifications?cursor={big}",
        f"/api/risks/enterprises/{ent_id}/points?cursor={big}",
    ):
        res = client.get(url, headers=h)
        assert res.status_code in (404, 422), (url, res.status_code, res.text)
        assert res.json()["detail"], url
    res = client.post(
        "/api/hazards",
        json={
            "source": "routine",
            "description": "x",
            "place": "y",
            "category": "site",
            "risk_point_id": big,
        },  # noqa: E501
        headers=h,
    )
    assert res.status_code == 422, res.text
    assert res.json()["field"] == "risk_point_id"
    assert "应不大于" in res.json()["detail"]


def test_nul_and_control_characters_are_refused_naming_the_field(client: TestClient, ent_h) -> None:
    _, h = ent_h
    body = {"source": "routine", "place": "一车间", "category": "site"}
    for description in ("泄漏\x00", "泄漏\x01"):
        res = client.post("/api/hazards", json={**body, "description": description}, headers=h)
        assert res.status_code == 422, res.text
        assert res.json()["field"] == "description"
        assert "控制字符" in res.json()["detail"]
    # A single-line field refuses a line break; a multi-line description keeps it.
    res = client.post("/api/hazards", json={**body, "description": "x", "place": "一\n车间"}, headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "place"), res.text
    res = client.post("/api/hazards", json={**body, "description": "第一行\n第二行\t完"}, headers=h)
    assert res.status_code == 201, res.text
    assert res.json()["description"] == "第一行\n第二行\t完"
    res = client.get("/api/enterprises?q=%00abc", headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "q"), res.text


def test_patch_null_is_refused_for_required_fields_and_clears_optional_ones(
    db: Session, client: TestClient, ent_h
) -> None:
    ent_id, h = ent_h
    point = make_point(db, ent_id, location="东厂区")
    measure = add_measure(db, point)
    db.commit()  # a refused request rolls the session back
    for field in ("description", "kind", "is_active"):
        res = client.patch(f"/api/risks/measures/{measure.id}", json={field: None}, headers=h)
        assert res.status_code == 422, res.text
        assert res.json()["field"] == field
        assert "null" in res.json()["detail"]
    res = client.patch(
        f"/api/risks/points/{point.id}", json={"version": point.version, "accident_types": None}, headers=h
    )
    assert (res.status_code, res.json()["field"]) == (422, "accident_types"), res.text
    res = client.patch(
        f"/api/risks/points/{point.id}", json={"version": point.version, "location": None}, headers=h
    )
    assert res.status_code == 200, res.text
    assert db.scalar(select(RiskPoint.location).where(RiskPoint.id == point.id)) is None
    assert db.scalar(select(ControlMeasure.is_active).where(ControlMeasure.id == measure.id)) is True


def test_patch_null_scale_of_an_enterprise(db: Session, client: TestClient) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    h = auth_headers(client, make_user(db, "admin"))
    db.commit()
    res = client.patch(f"/api/enterprises/{ent.id}", json={"version": ent.version, "scale": None}, headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "scale"), res.text


def test_infinite_numbers_are_refused(client: TestClient, ent_h) -> None:
    ent_id, h = ent_h
    body = {"name": "储罐区", "point_type": "场所区域", "responsible_person": "赵工", "lon": "inf"}
    res = client.post(f"/api/risks/enterprises/{ent_id}/points", json=body, headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "lon"), res.text
    assert "有限" in res.json()["detail"]
    unit = {
        "name": "液氨罐区",
        "unit_type": "storage",
        "substances": [{"name": "氨", "quantity_t": "Infinity"}],
    }
    res = client.post(f"/api/risks/enterprises/{ent_id}/units", json=unit, headers=h)
    assert res.status_code == 422, res.text
    assert res.json()["field"].startswith("substances.0.quantity_t")


def test_request_body_size_is_limited(client: TestClient, ent_h, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings

    _, h = ent_h
    monkeypatch.setattr(get_settings(), "max_body_kb", 64)
    big = {"source": "routine", "description": "x" * 70_000, "place": "y", "category": "site"}
    res = client.post("/api/hazards", json=big, headers=h)
    assert res.status_code == 413, res.text
    assert "请求内容过大" in res.json()["detail"]

    def chunks():  # no Content-Length: counted while it arrives
        for _ in range(100):
            yield b" " * 1024

    res = client.post("/api/hazards", content=chunks(), headers={**h, "Content-Type": "application/json"})
    assert res.status_code == 413, res.text


def test_yes_no_answers_and_query_dates_take_their_literal_form(
    db: Session, client: TestClient, ent_h
) -> None:
    """0/1 is not a yes/no answer and a bare number is not a date: a 422 naming the field."""
    ent_id, h = ent_h
    point = make_point(db, ent_id)
    measure = add_measure(db, point)
    db.commit()
    res = client.patch(f"/api/risks/measures/{measure.id}", json={"is_active": 0}, headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "is_active"), res.text
    assert "true 或 false" in res.json()["detail"]
    assert db.scalar(select(ControlMeasure.is_active).where(ControlMeasure.id == measure.id)) is True
    res = client.patch(f"/api/risks/measures/{measure.id}", json={"is_active": False}, headers=h)
    assert res.status_code == 200, res.text
    res = client.get("/api/risks/methods?on=0", headers=h)
    assert (res.status_code, res.json()["field"]) == (422, "on"), res.text
    assert "YYYY-MM-DD" in res.json()["detail"]
    assert client.get("/api/risks/methods?on=2026-12-01", headers=h).status_code == 200


@pytest.mark.parametrize("big", [-(2**63) - 1, -(2**31), 2**31, 2**63])
def test_every_integer_parameter_refuses_numbers_beyond_the_column(db: Session, client: TestClient, big: int):
    """Each integer in a path or query of every GET operation, taken from the OpenAPI document: a 4xx."""
    from app.main import create_app

    make_tree(db)
    h = auth_headers(client, make_user(db, "admin"))
    db.commit()
    samples = {"integer": "1", "string": "130300"}
    checked = 0
    for path, item in create_app().openapi()["paths"].items():
        params = item.get("get", {}).get("parameters", [])
        for target in params:
            schema = target["schema"].get("anyOf", [target["schema"]])[0]
            if schema.get("type") != "integer":
                continue
            url, query = path, {}
            for p in params:
                s = p["schema"].get("anyOf", [p["schema"]])[0]
                value = str(big) if p is target else s.get("enum", [samples.get(s.get("type"), "1")])[0]
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", str(value))
                elif p is target or p.get("required"):
                    query[p["name"]] = value
            res = client.get(url, params=query, headers=h)
            assert 400 <= res.status_code < 500, (url, query, res.status_code, res.text)
            checked += 1
    assert checked > 30
