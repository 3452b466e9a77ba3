"""Public pages, no login: the 举报 form. (The 公告 page is served by app.supervision at
/public/announcements and linked from every page.)"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.errors import TooManyRequests
from app.hazards import schemas as s
from app.hazards import tips
from app.regions import service as regions
from app.web.common import Errors, Form, MaybeUser, PageRoute, attempt, fields, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TIP_FIELDS = ("description", "place", "region_code", "enterprise_name", "credit_code", "contact")


def _region_choices(session: Session) -> list[tuple[str, str]]:
    """Counties and townships, each named with its parent, for a plain <select> (works without JS)."""
    names = {r.code: r.name for r in regions.list_regions(session)}
    out = []
    for level in ("county", "township"):
        for r in regions.list_regions(session, level=level):
            parent = names.get(r.parent_code or "", "")
            out.append((r.code, f"{parent} {r.name}".strip()))
    return sorted(out)


def _form(
    request: Request, session: Session, user: Any, values: dict[str, Any], errors: Errors, done: bool = False
) -> Response:
    return page(
        request,
        session,
        "report.html",
        user,
        regions=_region_choices(session),
        values=values,
        errors=errors,
        done=done,
    )


@router.get("/report")
def report_form(request: Request, session: DbSession, user: MaybeUser) -> Response:
    return _form(request, session, user, {}, {})


@router.post("/report")
def submit_report(request: Request, session: DbSession, user: MaybeUser, form: Form) -> Response:
    # No login and no session cookie, so no CSRF token: the submission only creates a 举报 that a
    # regulator triages, and tips.submit rate-limits each address.
    values = fields(form, *TIP_FIELDS)
    address = request.client.host if request.client else None

    def write() -> Any:
        data = s.TipIn.model_validate({k: v for k, v in values.items() if v is not None})
        return tips.submit(session, data, address)

    try:
        _, errors = attempt(session, write)
    except TooManyRequests as exc:
        errors = {"_form": exc.detail}
    if errors:
        return _form(request, session, user, values, errors)
    return _form(request, session, user, {}, {}, done=True)
