"""The four-colour map's layer of open 重大事故隐患 (app.mapping.providers.major_hazard_points)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.hazards.models import FINISHED, STATES, Hazard
from app.mapping import providers
from app.regions.models import Region


def open_major_hazards(session: Session, user: Principal, region_path: str) -> list[dict[str, Any]]:
    stmt = (
        select(Hazard.id, Hazard.description, Hazard.state, Hazard.deadline, Enterprise)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .join(Region, Region.code == Enterprise.region_code)
        .where(Hazard.grade == "major", Hazard.state.not_in(FINISHED), Region.path.like(f"{region_path}%"))
        .order_by(Hazard.id)
    )
    rows = session.execute(enterprises.owned_by_readable(stmt, Hazard.enterprise_id, user)).all()
    return [
        {
            "lon": ent.lon,
            "lat": ent.lat,
            "label": f"重大事故隐患：{description[:30]}",
            "detail": f"{ent.name} · {STATES[state]}"
            + (f" · 期限 {deadline.isoformat()}" if deadline else ""),
            "url": f"/hazards/{hazard_id}",
            "is_demo": ent.is_demo,
        }
        for hazard_id, description, state, deadline, ent in rows
    ]


def install() -> None:
    providers.major_hazard_points = open_major_hazards
