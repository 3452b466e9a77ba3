"""The scope matrix: each role × each resource × read and write, including other people's ids."""

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from tests.factories import auth_headers, make_enterprise, make_tree, make_user


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
    return {"e1": e1, "e2": e2, "e3": e3, "headers": headers}


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
