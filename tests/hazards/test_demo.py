from sqlalchemy import func, select

from app.hazards.demo import load_demo_hazards
from app.hazards.models import Hazard, HazardReport
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
