from sqlalchemy import select
from sqlalchemy.orm import Session

from app.supervision.demo import load_demo_cases
from app.supervision.models import STATES, SupervisionCase
from tests.factories import make_user
from tests.supervision.factories import make_attachment, make_hazard, make_world


def test_demo_holds_cases_in_every_state(db: Session) -> None:
    w = make_world(db)
    make_user(db, "inspector", username="inspector", region_code="139100", department="甲市应急管理局")
    for i in range(9):
        make_hazard(db, w.ent if i % 2 else w.other_ent, description=f"演示重大隐患{i}")
    make_attachment(db, w.ent, w.ent_user)
    make_attachment(db, w.other_ent, w.other_ent_user)
    assert load_demo_cases(db) == 9
    assert load_demo_cases(db) == 0  # idempotent
    cases = db.scalars(select(SupervisionCase)).all()
    assert {c.state for c in cases} == set(STATES)
    assert any(c.overdue_since for c in cases) and any(c.extension_until for c in cases)
