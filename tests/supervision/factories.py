"""Factories for 挂牌督办 tests: a county/city/province of inspectors, 重大 hazards, attachments."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.attachments.models import Attachment
from app.auth.models import User
from app.enterprises.models import Enterprise
from app.hazards.models import Hazard
from tests.factories import make_enterprise, make_tree, make_user


@dataclass
class World:
    ent: Enterprise
    other_ent: Enterprise
    ent_user: User
    other_ent_user: User
    county: User  # 甲一区应急管理局 (the enterprise's county)
    county_other_dept: User  # same county, another department
    county2: User  # 甲二区, a sibling county
    city: User  # 甲市应急管理局
    city_b: User  # 乙市, another city
    province: User
    township: User


def make_world(db: Session) -> World:
    make_tree(db)
    ent = make_enterprise(db, region_code="139101001", name="甲一化工有限公司")
    other = make_enterprise(db, region_code="139102", name="甲二机械有限公司")

    def insp(region: str, dept: str) -> User:
        return make_user(db, "inspector", region_code=region, department=dept, display_name=f"{dept}王某")

    world = World(
        ent=ent,
        other_ent=other,
        ent_user=make_user(db, "enterprise", enterprise_id=ent.id, display_name="企业安全员李某"),
        other_ent_user=make_user(db, "enterprise", enterprise_id=other.id),
        county=insp("139101", "甲一区应急管理局"),
        county_other_dept=insp("139101", "甲一区住房和城乡建设局"),
        county2=insp("139102", "甲二区应急管理局"),
        city=insp("139100", "甲市应急管理局"),
        city_b=insp("139200", "乙市应急管理局"),
        province=insp("139900", "测试省应急管理厅"),
        township=make_user(db, "township", region_code="139101001"),
    )
    db.commit()
    return world


def make_hazard(
    db: Session, ent: Enterprise, *, grade: str = "major", state: str = "rectifying", **kw: Any
) -> Hazard:
    hz = Hazard(
        enterprise_id=ent.id,
        source="enforcement",
        description=kw.pop("description", "液氨储罐区未设置泄漏报警装置"),
        place="储罐区",
        category="site",
        found_on=date(2026, 2, 20),
        grade=grade,
        state=state,
        deadline=date(2026, 6, 30),
        **kw,
    )
    db.add(hz)
    db.commit()  # a later refused request rolls back to here, not past it
    return hz


def make_attachment(db: Session, ent: Enterprise, uploader: User) -> int:
    att = Attachment(
        sha256="0" * 64,
        mime="image/jpeg",
        size=10,
        original_name="整改后.jpg",
        enterprise_id=ent.id,
        uploaded_by=uploader.id,
    )
    db.add(att)
    db.commit()
    return att.id
