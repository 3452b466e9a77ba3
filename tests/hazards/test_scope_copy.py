"""Hazards keep a copy of their enterprise's region and industry (for a fast scoped ledger): the copy must
give exactly the enterprise scoping rule, after creation and after an enterprise or a region moves."""

import copy
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM, Principal
from app.enterprises import service as enterprises
from app.enterprises.schemas import EnterpriseUpdate
from app.hazards import ledger
from app.hazards import service as hazards
from app.hazards.models import Hazard
from app.hazards.schemas import HazardIn
from app.regions import lookup
from app.regions.geo_import import import_geojson
from tests.conftest import DATA
from tests.factories import make_enterprise, make_tree, make_user, principal

SMALL = json.loads((DATA / "regions" / "small-wgs84.geojson").read_text(encoding="utf-8"))


def _report(db: Session, ent_id: int, text: str) -> int:
    data = HazardIn(
        enterprise_id=ent_id, source="enforcement", description=text, place="车间", category="management"
    )
    return hazards.create_hazard(db, SYSTEM, data).hazard.id


def _seen(db: Session, user: Principal) -> set[int]:
    return set(db.scalars(hazards.readable(select(Hazard.id), user)))


def _by_enterprise_rule(db: Session, user: Principal) -> set[int]:
    """What the enterprise scoping rule itself allows (the copy must agree with it)."""
    return set(db.scalars(enterprises.owned_by_readable(select(Hazard.id), Hazard.enterprise_id, user)))


def _users(db: Session) -> list[Principal]:
    ent_user = make_user(db, "enterprise", enterprise_id=db.scalar(select(Hazard.enterprise_id).limit(1)))
    return [
        principal(db, make_user(db, role, region_code=code, **extra))
        for role, code, extra in [
            ("inspector", "139900", {}),
            ("inspector", "139100", {}),
            ("inspector", "139101", {}),
            ("township", "139101001", {}),
            ("inspector", "139102", {}),
            ("inspector", "139200", {}),
            ("inspector", "139100", {"industries": ["hazardous_chemicals"]}),
        ]
    ] + [principal(db, ent_user)]


def test_township_inspector_sees_the_township_and_follows_a_moved_enterprise(db: Session) -> None:
    make_tree(db)
    town = make_enterprise(db, region_code="139101001", industry="machinery")
    other = make_enterprise(db, region_code="139102", industry="hazardous_chemicals", lon=118.3, lat=40.5)
    first = _report(db, town.id, "配电箱未接地")
    second = _report(db, other.id, "储罐区未设泄漏报警")
    users = _users(db)
    township = principal(db, make_user(db, "township", region_code="139101001"))
    chemicals = principal(
        db, make_user(db, "inspector", region_code="139100", industries=["hazardous_chemicals"])
    )
    assert _seen(db, township) == {first}
    assert _seen(db, chemicals) == {second}
    for user in users:
        assert _seen(db, user) == _by_enterprise_rule(db, user), user

    # The enterprise moves into the township (new location) and changes industry: its hazards follow.
    enterprises.update_enterprise(
        db,
        SYSTEM,
        other.id,
        EnterpriseUpdate(version=other.version, lon=118.3, lat=39.5, industry="machinery"),
    )
    assert _seen(db, township) == {first, second}
    assert _seen(db, chemicals) == set()
    items, _ = ledger.page(db, township, ledger.Filters(region="139101001"), None, 50)
    assert {i["id"] for i in items} == {first, second}
    for user in users:
        assert _seen(db, user) == _by_enterprise_rule(db, user), user


def test_a_region_moved_to_another_parent_takes_its_hazards_along(db: Session) -> None:
    import_geojson(db, copy.deepcopy(SMALL), SYSTEM, crs="wgs84")
    lookup.invalidate()
    ent = make_enterprise(db, region_code="990102", lon=100.7, lat=30.5)
    hazard_id = _report(db, ent.id, "安全出口堵塞")
    old_city = principal(db, make_user(db, "inspector", region_code="990100"))
    assert _seen(db, old_city) == {hazard_id}

    district = next(f for f in copy.deepcopy(SMALL)["features"] if f["properties"].get("adcode") == "990102")
    district["properties"]["parent_adcode"] = "990200"
    city = {
        "type": "Feature",
        "properties": {"adcode": "990200", "name": "测试新市", "level": "市", "parent_adcode": "990000"},
        "geometry": district["geometry"],
    }
    import_geojson(db, {"type": "FeatureCollection", "features": [district, city]}, SYSTEM, crs="wgs84")
    lookup.invalidate()
    new_city = principal(db, make_user(db, "inspector", region_code="990200"))
    assert _seen(db, old_city) == set()
    assert _seen(db, new_city) == {hazard_id}
    assert db.get(Hazard, hazard_id).region_path == "990000/990200/990102/"  # type: ignore[union-attr]


def test_statistics_by_region_and_industry_count_from_the_copy(db: Session) -> None:
    make_tree(db)
    a = make_enterprise(db, region_code="139101001", industry="machinery")
    b = make_enterprise(db, region_code="139102", industry="hazardous_chemicals", lon=118.3, lat=40.5)
    for ent, n in ((a, 2), (b, 3)):
        for i in range(n):
            _report(db, ent.id, f"隐患{i}")
    city = principal(db, make_user(db, "inspector", region_code="139100"))
    rows = {r["key"]: r["found"] for r in ledger.statistics(db, city, "region", ledger.Filters(), None, None)}
    assert rows == {"139101": 2, "139102": 3}
    rows = {
        r["key"]: r["found"] for r in ledger.statistics(db, city, "industry", ledger.Filters(), None, None)
    }
    assert rows == {"hazardous_chemicals": 3, "machinery": 2}
