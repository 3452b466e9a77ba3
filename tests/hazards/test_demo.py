import pytest
from sqlalchemy import func, select

from app.hazards.demo import MAJOR_FINDINGS, _major_item, load_demo_hazards
from app.hazards.models import Hazard, HazardReport
from app.rules_engine import get_registry
from tests.factories import make_enterprise, make_tree, make_user


def test_demo_hazards_cover_every_state(db):
    make_tree(db)
    ents = [make_enterprise(db, industry="machinery", is_demo=True) for _ in range(12)]
    make_user(db, "inspector", username="inspector", region_code="139100")
    make_user(db, "enterprise", username="enterprise", enterprise_id=ents[0].id)
    assert load_demo_hazards(db) > 12
    states = set(db.scalars(select(Hazard.state).distinct()))
    assert states == {"reported", "rectifying", "awaiting_acceptance", "closed", "withdrawn"}
    assert all(d.endswith("（演示数据）") for d in db.scalars(select(Hazard.description)))
    assert db.scalar(select(func.count()).select_from(HazardReport)) > 0
    assert load_demo_hazards(db) == 0


def _item_text(rule_set: str, code: str) -> str:
    """The text of a 判定标准 item in the version a hazard cites."""
    items = {it.code: it.text for it in get_registry().get(rule_set).model.items}
    return items[code]


def test_every_demo_finding_table_entry_cites_a_fitting_item_of_its_industry():
    """The 重大 demo findings: each cites an item of a 判定标准 that applies to its industry, and the
    description shares the item's key words."""
    registry = get_registry()
    for industry, (code, _, description, _, words) in MAJOR_FINDINGS.items():
        assert _major_item(industry) == code, industry
        texts = [
            it.text
            for rs in registry.of_kind("major_hidden_hazard")
            for it in rs.model.items
            if it.code == code
        ]
        assert texts and all(words in t for t in texts), (industry, code)
        assert words in description, industry


@pytest.mark.parametrize("industry", ["road_transport", "machinery", "hazardous_chemicals", "city_gas"])
def test_demo_major_hazards_describe_what_their_item_says(db, industry):
    """Issue #15: a demo hazard “限速标志缺失” was cited as DY-3-1 无许可经营. Every demo hazard marked
    重大 now cites an item whose text names what the description says."""
    make_tree(db)
    ents = [make_enterprise(db, industry=industry, is_demo=True) for _ in range(3)]
    make_user(db, "inspector", username="inspector", region_code="139100")
    assert load_demo_hazards(db) > 0
    majors = db.scalars(select(Hazard).where(Hazard.grade == "major")).all()
    assert majors, "the first demo enterprise's first hazard is 重大"
    for h in majors:
        code, place, description, _, words = MAJOR_FINDINGS[industry]
        assert h.major_item == code and h.place == place and h.description.startswith(description)
        assert words in _item_text(h.major_rule_set, h.major_item) and words in h.description
        assert "无许可" not in _item_text(h.major_rule_set, h.major_item)
    speed = db.scalars(select(Hazard).where(Hazard.description.startswith("限速标志缺失"))).all()
    assert all(h.grade == "general" and h.major_item is None for h in speed)
    assert {h.enterprise_id for h in majors} <= {e.id for e in ents}
