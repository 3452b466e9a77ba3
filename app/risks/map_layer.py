"""The four-colour map's layer of 重大危险源 (app.mapping.providers.major_source_points)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.mapping import providers
from app.regions.models import Region
from app.risks.models import MajorHazardUnit

GRADE_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def major_sources(session: Session, user: Principal, region_path: str) -> list[dict[str, Any]]:
    stmt = (
        select(MajorHazardUnit.name, MajorHazardUnit.grade, MajorHazardUnit.is_demo, Enterprise)
        .join(Enterprise, Enterprise.id == MajorHazardUnit.enterprise_id)
        .join(Region, Region.code == Enterprise.region_code)
        .where(
            MajorHazardUnit.is_major.is_(True),
            MajorHazardUnit.is_active.is_(True),
            Region.path.like(f"{region_path}%"),
        )
        .order_by(MajorHazardUnit.id)
    )
    rows = session.execute(enterprises.owned_by_readable(stmt, MajorHazardUnit.enterprise_id, user)).all()
    return [
        {
            "lon": ent.lon,
            "lat": ent.lat,
            "label": f"重大危险源：{name}（{GRADE_NAMES.get(grade or 0, '未分级')}）",
            "detail": ent.name,
            "url": f"/risks/enterprises/{ent.id}/board",
            "is_demo": is_demo or ent.is_demo,
        }
        for name, grade, is_demo, ent in rows
    ]


def install() -> None:
    providers.major_source_points = major_sources
