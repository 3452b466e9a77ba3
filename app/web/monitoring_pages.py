"""The 重大危险源 monitoring board: the caller's points with their newest value and open alarms (an
enterprise sees its own; an inspector every enterprise of the jurisdiction). Refreshes itself every
board_refresh_seconds (default 10 s) through static/site.js, with a pause button (a meta refresh cannot
be paused: WCAG 2.2.1)."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import DbSession
from app.monitoring import alarms, service
from app.monitoring.models import ALARM_KINDS, ALARM_STATES
from app.monitoring.settings import get_monitoring_settings
from app.timeutil import fmt_local
from app.web.common import PageRoute, PageUser, page


def _local(iso: str | None) -> str:
    return fmt_local(datetime.fromisoformat(iso)) if iso else "—"


router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/monitoring")
def board(request: Request, session: DbSession, user: PageUser) -> Response:
    points = service.list_points(session, user, limit=500)
    open_alarms = alarms.list_alarms(
        session, user, state=None, open_only=True, enterprise_id=None, after_id=None, limit=200
    )
    for row in open_alarms:
        row["started_local"] = _local(row["started_at"])
        row["ack_due_local"] = _local(row["ack_due_at"])
    for row in points:
        row["last_local"] = _local(row["last_at"])
    return page(
        request,
        session,
        "monitoring_board.html",
        user,
        points=points,
        alarms=open_alarms,
        ALARM_KINDS=ALARM_KINDS,
        ALARM_STATES=ALARM_STATES,
        refresh=get_monitoring_settings().board_refresh_seconds,
    )
