"""考核 pages for regulators: the scorecards of a region's child regions, one region's card with its
trace, and the drill-down to the records behind a figure (phone card tables)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.assessment import bulletins, reports, service
from app.auth.deps import ReadSession
from app.errors import BadInput
from app.web.common import PageRoute, PageUser, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_PERIOD_LEN = 7


def _period(period: str | None) -> str | None:
    if period is not None and len(period) > _PERIOD_LEN:
        raise BadInput("考核期最多 7 个字符，例如 2026-11、2026-Q4 或 2026", field="period")
    return period or None


@router.get("/assessment")
def index(
    request: Request,
    session: ReadSession,
    user: PageUser,
    region: str | None = None,
    period: str | None = None,
) -> Response:
    if region is not None and (len(region) > 12 or not region.isdigit()):
        raise BadInput("行政区划代码应为 6–12 位数字", field="region")
    cards = service.scorecards(session, user, region, _period(period))
    ctx: dict[str, Any] = {
        "cards": cards,
        "bulletins": bulletins.list_bulletins(session, user, 20),
        "reports": reports.list_reports(session, user, 20),
    }
    return page(request, session, "assessment.html", user, **ctx)


@router.get("/assessment/{code:region_code}")
def card(
    request: Request, session: ReadSession, user: PageUser, code: str, period: str | None = None
) -> Response:
    data = service.scorecard(session, user, code, _period(period))
    return page(request, session, "assessment_card.html", user, data=data, row=data["card"])


@router.get("/assessment/{code:region_code}/drilldown")
def drill(
    request: Request,
    session: ReadSession,
    user: PageUser,
    code: str,
    indicator: str = "",
    part: str = "denominator",
    period: str | None = None,
) -> Response:
    if len(indicator) > 40:
        raise BadInput("指标 id 最多 40 个字符", field="indicator")
    data = service.drilldown(session, user, code, indicator, part, _period(period))
    return page(request, session, "assessment_drill.html", user, data=data)
