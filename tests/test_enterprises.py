"""Enterprise register: bad input gets a clear 4xx naming the field and changes nothing."""

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.enterprises.models import Enterprise
from tests.factories import auth_headers, credit_code, make_enterprise, make_tree, make_user


@pytest.fixture
def admin_h(db, client):
    make_tree(db)
    return auth_headers(client, make_user(db, "admin"))


def _body(**kw):
    return {
        "credit_code": credit_code(),
        "name": "秦皇岛测试机械有限公司",
        "industry": "machinery",
        "lon": 118.3,
        "lat": 39.5,
        **kw,
    }


def _counts(db):
    return (
        db.scalar(select(func.count()).select_from(Enterprise)),
        db.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_create_assigns_region_from_location(client, db, admin_h):
    res = client.post("/api/enterprises", json=_body(), headers=admin_h)
    assert res.status_code == 201, res.text
    assert res.json()["region_code"] == "139101001"  # the deepest region containing the point


def test_create_accepts_the_civil_explosives_industry_by_its_chinese_name(client, db, admin_h):
    res = client.post("/api/enterprises", json=_body(industry="民用爆炸物品"), headers=admin_h)
    assert res.status_code == 201, res.text
    assert res.json()["industry"] == "civil_explosives"


def test_create_normalises_lower_case_full_width_code(client, db, admin_h):
    code = credit_code()
    weird = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    res = client.post("/api/enterprises", json=_body(credit_code=weird), headers=admin_h)
    assert res.status_code == 201
    assert res.json()["credit_code"] == code


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"credit_code": "91350100M000100Y42"}, "credit_code", "校验位错误"),
        ({"credit_code": "91350100M000100Y4"}, "credit_code", "应为18位"),
        ({"industry": "造船"}, "industry", "不在行业目录中"),
        ({"lon": 2.35, "lat": 48.85}, "lon", "超出中国范围"),
        ({"lon": 39.5, "lat": 118.3}, "lon", "填反"),
        ({"lon": 100.0, "lat": 30.0}, "lon", "不在任何已导入的行政区内"),
        ({"township_code": "139101001", "lon": 118.5, "lat": 40.5}, "township_code", "不在所填乡镇"),
        ({"township_code": "139101999"}, "township_code", "不存在"),
        ({"lon": "东经118度"}, "lon", "应为数字"),
        ({"name": ""}, "name", "过短"),
        ({"name": "长" * 201}, "name", "过长"),
        ({"status": "倒闭"}, "status", "取值无效"),
    ],
)
def test_bad_input_names_field_and_writes_nothing(client, db, admin_h, change, field, words):
    before = _counts(db)
    res = client.post("/api/enterprises", json=_body(**change), headers=admin_h)
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["field"] == field
    assert words in body["detail"]
    assert _counts(db) == before


def test_duplicate_credit_code_is_conflict(client, db, admin_h):
    ent = make_enterprise(db)
    res = client.post("/api/enterprises", json=_body(credit_code=ent.credit_code), headers=admin_h)
    assert res.status_code == 409 and res.json()["field"] == "credit_code"


def test_stale_version_is_conflict(client, db, admin_h):
    ent = make_enterprise(db)
    read_version = ent.version  # both editors read the same version
    first = client.patch(
        f"/api/enterprises/{ent.id}", json={"version": read_version, "address": "一号"}, headers=admin_h
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/enterprises/{ent.id}", json={"version": read_version, "address": "二号"}, headers=admin_h
    )
    assert second.status_code == 409
    assert "已被他人修改" in second.json()["detail"]
    assert client.get(f"/api/enterprises/{ent.id}", headers=admin_h).json()["address"] == "一号"


def test_gcj02_input_is_converted(client, db, admin_h):
    from app.regions.gcj02 import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(118.3, 39.5)
    res = client.post(
        "/api/enterprises", json=_body(lon=float(glon), lat=float(glat), crs="gcj02"), headers=admin_h
    )
    assert res.status_code == 201
    assert res.json()["lon"] == pytest.approx(118.3, abs=1e-5)
    assert res.json()["lat"] == pytest.approx(39.5, abs=1e-5)
