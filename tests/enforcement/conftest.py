from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from app.auth.models import User
from app.enterprises.models import Enterprise
from app.timeutil import SHANGHAI, freeze, unfreeze
from tests.factories import make_enterprise, make_tree, make_user


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Monday 2 March 2026, inside the holiday calendar's data.
    freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    yield
    unfreeze()


@dataclass
class World:
    ent: Enterprise  # 甲一街道 (township 139101001), 甲一区
    far_ent: Enterprise  # 乙一区, another city
    ent_user: User
    a: User  # 甲一区应急管理局 inspectors
    b: User
    far: User  # 乙市 inspector
    grid: User  # 甲一街道 网格员 (township role)


def make_world(db: Session) -> World:
    make_tree(db)
    ent = make_enterprise(db, region_code="139101001", name="甲一机械有限公司", industry="machinery")
    far = make_enterprise(db, region_code="139201", name="乙一机械有限公司", industry="machinery")
    dept = "甲一区应急管理局"
    return World(
        ent=ent,
        far_ent=far,
        ent_user=make_user(db, "enterprise", enterprise_id=ent.id, display_name="企业安全员"),
        a=make_user(db, "inspector", region_code="139101", department=dept, display_name="执法员甲"),
        b=make_user(db, "inspector", region_code="139101", department=dept, display_name="执法员乙"),
        far=make_user(db, "inspector", region_code="139200", department="乙市应急管理局", display_name="乙"),
        grid=make_user(db, "township", region_code="139101001", display_name="网格员丙"),
    )


@pytest.fixture
def world(db: Session) -> World:
    return make_world(db)
