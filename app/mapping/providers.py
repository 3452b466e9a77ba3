"""Extra point layers that other domains fill in. Each provider takes (session, user, region_path) and returns
plain dicts for the points inside that region subtree that the user may read (the enterprise rule:
region subtree and an inspector's industries, app.enterprises.service.owned_by_readable):

    {"lon": float, "lat": float,          # WGS84; a point without them is counted as 无坐标, not drawn
     "label": str,                        # e.g. the hazard's title or the source's name
     "detail": str | None,                # one line shown under the label (enterprise, state, grade…)
     "url": str | None,                   # a page of this service, e.g. "/hazards/12"
     "is_demo": bool}                     # marks the map 演示数据

The defaults return [] so the map works before those domains exist. The owning module replaces the
module attribute when it is imported:

    app.hazards  sets  app.mapping.providers.major_hazard_points  (open 重大事故隐患 and 挂牌督办 cases)
    app.risks    sets  app.mapping.providers.major_source_points  (重大危险源)

Callers must look the attribute up at call time (providers.major_hazard_points(...)), never import
the function by name, so that the replacement is seen.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.auth.principal import Principal

PointProvider = Callable[[Session, Principal, str], list[dict[str, Any]]]


def major_hazard_points(session: Session, user: Principal, region_path: str) -> list[dict[str, Any]]:
    """Open 重大 hazards / 挂牌督办 cases under region_path; replaced by app.hazards."""
    return []


def major_source_points(session: Session, user: Principal, region_path: str) -> list[dict[str, Any]]:
    """重大危险源 under region_path; replaced by app.risks."""
    return []
