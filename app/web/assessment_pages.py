"""考核 pages for regulators: the scorecards of a region's child regions, one region's card with its
trace, the drill-down to the records behind a figure (phone card tables), and 报送 (requirements with
each region's status; the form to set one; the filing form of a region that must file)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.assessment import bulletins, reports, service, submissions
from app.assessment.schemas import FileIn, RequirementIn
from app.auth.deps import DbSession, ReadSession
from app.auth.principal import Principal
from app.errors import BadInput
from app.fields import Id
from app.regions.models import Region
from app.web.common import (
    Form,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    done_notice,
    page,
    redirect_done,
    text,
)

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


# ---------------------------------------------------------------- 报送

DONE = {"created": "报送要求已设置，须报送的地区登录后即可报送。", "filed": "已报送。"}


def _children(session: Session, user: Principal) -> list[Region]:
    """The regions the caller may require to file: the child regions of the caller's region."""
    if not (user.is_admin or user.role == "inspector") or not user.region_code:
        return []
    return list(service.region_children(session, user, user.region_code))


def _list_page(
    request: Request, session: DbSession, user: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return page(
        request,
        session,
        "assessment_submissions.html",
        user,
        items=submissions.list_requirements(session, user),
        children=_children(session, user),
        values=values,
        errors=errors,
        notice=done_notice(request, DONE.get),
    )


@router.get("/assessment/submissions")
def submission_list(request: Request, session: DbSession, user: PageUser) -> Response:
    return _list_page(request, session, user, {"regions": []}, {})


@router.post("/assessment/submissions")
def submission_create(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {
        k: text(form, k) for k in ("title", "period", "due_on", "note", "department")
    } | {"regions": [r for r in form.getlist("regions") if isinstance(r, str)]}

    def write() -> Any:
        data = RequirementIn.model_validate(
            {
                "title": values["title"] or "",
                "period": values["period"] or "",
                "due_on": values["due_on"] or "",
                "note": values["note"],
                "targets": [{"region": r, "department": values["department"]} for r in values["regions"]],
            }
        )
        return submissions.create(session, user, data)

    req, errors = attempt(session, write, strip=("targets.0.", "targets."))
    if req is None:
        return _list_page(request, session, user, values, errors)
    return redirect_done(f"/assessment/submissions/{req.id}", "created")


def _detail_page(
    request: Request, session: DbSession, user: Principal, requirement_id: int, errors: dict[str, str]
) -> Response:
    data = submissions.detail(session, user, requirement_id)
    return page(
        request,
        session,
        "assessment_submission.html",
        user,
        req=data,
        errors=errors,
        notice=done_notice(request, DONE.get),
    )


@router.get("/assessment/submissions/{requirement_id}")
def submission_page(request: Request, session: DbSession, user: PageUser, requirement_id: Id) -> Response:
    return _detail_page(request, session, user, requirement_id, {})


@router.post("/assessment/submissions/{requirement_id}/{submission_id}")
def submission_file(
    request: Request, session: DbSession, user: PageUser, form: Form, requirement_id: Id, submission_id: Id
) -> Response:
    check_csrf(request, form)

    def write() -> Any:
        version = text(form, "version") or ""
        body = FileIn.model_validate(
            {"version": int(version) if version.isdigit() else 0, "content": text(form, "content") or ""}
        )
        return submissions.file(session, user, submission_id, body)

    done, errors = attempt(session, write)
    if done is None:
        return _detail_page(request, session, user, requirement_id, errors)
    return redirect_done(f"/assessment/submissions/{done.requirement_id}", "filed")
