"""The map's extra layers come from the hazard register and the 重大危险源 register."""

from datetime import date

from app.auth.principal import SYSTEM
from app.hazards.models import Hazard
from app.mapping import providers
from app.risks.models import MajorHazardUnit
from tests.factories import make_enterprise, make_tree


def _hazard(db, ent, grade: str, state: str) -> Hazard:
    h = Hazard(
        enterprise_id=ent.id,
        source="routine",
        description=f"{grade}{state}隐患",
        place="车间",
        category="site",
        found_on=date(2026, 11, 1),
        grade=grade,
        state=state,
    )
    db.add(h)
    db.flush()
    return h


def test_open_major_hazards_layer(db):
    make_tree(db)
    inside = make_enterprise(db, "139101001")
    outside = make_enterprise(db, "139201", lon=120.0, lat=40.0)
    shown = _hazard(db, inside, "major", "rectifying")
    _hazard(db, inside, "major", "closed")
    _hazard(db, inside, "general", "reported")
    _hazard(db, outside, "major", "reported")
    points = providers.major_hazard_points(db, SYSTEM, "139900/139100/")
    assert [p["url"] for p in points] == [f"/hazards/{shown.id}"]
    assert points[0]["lon"] == inside.lon and "整改中" in points[0]["detail"]


def test_major_sources_layer(db):
    make_tree(db)
    ent = make_enterprise(db, "139101001")
    for name, major, active in (
        ("液氯储罐区", True, True),
        ("甲醇罐区", False, True),
        ("旧罐区", True, False),
    ):
        db.add(
            MajorHazardUnit(
                enterprise_id=ent.id,
                name=name,
                unit_type="storage",
                substances=[],
                is_major=major,
                grade=2 if major else None,
                rule_set="gb18218@2018",
                trace=[],
                is_active=active,
            )
        )
    db.flush()
    points = providers.major_source_points(db, SYSTEM, "139900/")
    assert [p["label"] for p in points] == ["重大危险源：液氯储罐区（二级）"]
