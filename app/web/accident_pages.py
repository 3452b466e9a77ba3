"""事故 and 应急 pages: the region's board of overdue reports, investigations, evaluations, 备案 and
drills (phone card tables), an accident's page, and the enterprise page's section."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accidents import emergency
from app.accidents import service as accidents
from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.fields import Id
from app.web.common import PageRoute, PageUser, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def enterprise_section(session: Session, user: Principal, enterprise_id: int) -> dict[str, Any]:
    """The enterprise page's 事故 and 应急 section (scoped reads; the page checked the enterprise)."""
    plans = emergency.list_plans(session, user, enterprise_id)
    drills = [
        {**d, "plan_title": p["title"]}
        for p in plans
        if p["last_drill_on"]
        for d in emergency.drills_of(session, user, p["id"])
    ]
    return {
        "accident_rows": accidents.list_accidents(session, user, enterprise_id, limit=20),
        "plan_rows": plans,
        "drill_rows": sorted(drills, key=lambda d: d["held_on"], reverse=True)[:20],
    }


@router.get("/accidents/board")
def board(request: Request, session: DbSession, user: PageUser) -> Response:
    rows = accidents.board_rows(session, user)
    return page(
        request, session, "accident_board.html", user, plans=emergency.overdue_plans(session, user), **rows
    )


@router.get("/accidents/{accident_id:int}")
def accident(request: Request, session: DbSession, user: PageUser, accident_id: Id) -> Response:
    return page(request, session, "accident.html", user, a=accidents.detail(session, user, accident_id))
