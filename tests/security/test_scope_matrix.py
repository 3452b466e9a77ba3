"""One readable-rows rule everywhere: region subtree and, for a limited inspector, the industries.

Two enterprises in the same 街道: 甲 (危险化学品) and 乙 (机械), each with an open 重大事故隐患, a
重大危险源 and an audit row carrying a marker text. Every GET operation of the API without path
parameters (enumerated from the OpenAPI document, so a new one is covered on its own), the audit log and
the map document are requested as each role; 乙's marker may appear only for those who may read 乙.
"""

import pytest

from app.audit import service as audit
from app.auth.principal import SYSTEM
from app.mapping import providers
from app.risks.models import MajorHazardUnit
from tests.factories import auth_headers, make_enterprise, make_tree, make_user, principal
from tests.mapping.test_layers import _hazard

MARK_A, MARK_B = "甲标记化工", "乙标记机械"


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    make_tree(db)
    out = {}
    for key, industry, mark in (("a", "hazardous_chemicals", MARK_A), ("b", "machinery", MARK_B)):
        ent = make_enterprise(db, "139101001", industry=industry, name=f"{mark}有限公司")
        h = _hazard(db, ent, "major", "rectifying")
        h.description = f"{mark}隐患"
        db.add(
            MajorHazardUnit(enterprise_id=ent.id, name=f"{mark}罐区", unit_type="storage", substances=[],
                            is_major=True, grade=2, rule_set="gb18218@2018", trace=[], is_active=True)
        )  # fmt: skip
        after = {"contact_name": f"{mark}联系人"}
        audit.record(db, SYSTEM, "update", "enterprise", ent.id, enterprise_id=ent.id, after=after)
        out[key] = ent
    db.flush()
    users = {
        "enterprise_a": make_user(db, "enterprise", enterprise_id=out["a"].id),
        "enterprise_b": make_user(db, "enterprise", enterprise_id=out["b"].id),
        "inspector_chem": make_user(
            db, "inspector", region_code="139101", industries=["hazardous_chemicals"]
        ),
        "inspector": make_user(db, "inspector", region_code="139101"),
        "township": make_user(db, "township", region_code="139101001"),
        "admin": make_user(db, "admin"),
    }
    return out, users


SEES_B = {"enterprise_b", "inspector", "township", "admin"}


def _get_operations(client) -> list[str]:  # type: ignore[no-untyped-def]
    paths = client.get("/openapi.json").json()["paths"]
    return sorted(p for p, ops in paths.items() if "get" in ops and "{" not in p)


def test_no_role_sees_rows_outside_its_scope_on_any_list(client, db, world):
    _, users = world
    operations = _get_operations(client)
    assert "/api/audit" in operations and "/api/hazards" in operations
    for role, user in users.items():
        headers = auth_headers(client, user)
        for path in operations:
            res = client.get(path, headers=headers)
            assert res.status_code < 500, (role, path, res.text)
            if role not in SEES_B and res.status_code == 200:
                assert MARK_B not in res.text, (role, path)


def test_industry_limited_inspector_on_audit_and_map_layers(client, db, world):
    ents, users = world
    who = users["inspector_chem"]
    headers = auth_headers(client, who)
    rows = client.get("/api/audit", params={"entity": "enterprise"}, headers=headers).json()
    assert {r["enterprise_id"] for r in rows} == {ents["a"].id}
    path = "139900/139100/139101/"
    hazards = providers.major_hazard_points(db, principal(db, who), path)
    sources = providers.major_source_points(db, principal(db, who), path)
    assert [MARK_A in p["label"] for p in hazards + sources] == [True, True]
    everyone = providers.major_hazard_points(db, principal(db, users["inspector"]), path)
    assert len(everyone) == 2
    document = client.get("/maps/region/139101/map.html", headers=headers)
    assert document.status_code == 200 and MARK_A in document.text and MARK_B not in document.text
    # The unrestricted inspector of the same county sees both.
    full = client.get("/maps/region/139101/map.html", headers=auth_headers(client, users["inspector"]))
    assert MARK_A in full.text and MARK_B in full.text
