"""执法 pages: the inspector's list, the phone-friendly inspection page (checklist results as cards, one
form), and the public 双随机 results page (no login, only public facts)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import DbSession
from app.documents import service as documents
from app.enforcement import schemas as s
from app.enforcement import service
from app.enforcement.models import RESULTS
from app.errors import NotFound
from app.fields import Id
from app.timeutil import local_today
from app.web.common import (
    FORM_ERROR,
    Form,
    MaybeUser,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    page,
    redirect,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/enforcement/inspections")
def inspections(request: Request, session: DbSession, user: PageUser) -> Response:
    rows = service.list_inspections(session, user, limit=100)
    return page(request, session, "enforcement_inspections.html", user, rows=rows)


def _inspection_page(
    request: Request, session: DbSession, user: Any, inspection_id: int, errors: dict[str, str] | None = None
) -> Response:
    insp = service.get_readable(session, user, inspection_id)
    data = service.to_dict(session, insp)
    docs = [documents.metadata(d) for d in documents.for_subject(session, user, "inspection", insp.id)]
    can_record = insp.state == "open" and (user.is_admin or user.id in (insp.inspector_ids or []))
    return page(
        request,
        session,
        "enforcement_inspection.html",
        user,
        insp=data,
        docs=docs,
        can_record=can_record,
        RESULTS=RESULTS,
        errors=errors or {},
        status_code=422 if errors else 200,
    )


@router.get("/enforcement/inspections/{inspection_id}")
def inspection(request: Request, session: DbSession, user: PageUser, inspection_id: Id) -> Response:
    return _inspection_page(request, session, user, inspection_id)


@router.post("/enforcement/inspections/{inspection_id}/results")
def save_results(
    request: Request, session: DbSession, user: PageUser, form: Form, inspection_id: Id
) -> Response:
    check_csrf(request, form)
    results = []
    for key, value in form.multi_items():
        if key.startswith("result_") and isinstance(value, str) and value:
            item_id = key[len("result_") :]
            note = form.get(f"note_{item_id}")
            results.append(
                {
                    "item_id": item_id,
                    "result": value,
                    **({"note": note} if isinstance(note, str) and note else {}),
                }
            )
    if not results:
        return _inspection_page(request, session, user, inspection_id, {FORM_ERROR: "请至少填写一项检查结果"})
    _, errors = attempt(
        session,
        lambda: service.record_results(
            session, user, inspection_id, s.InspectionResultsIn.model_validate({"results": results})
        ),
    )
    if errors:
        return _inspection_page(request, session, user, inspection_id, errors)
    return redirect(f"/enforcement/inspections/{inspection_id}")


@router.get("/public/random-results")
def public_random_results(
    request: Request, session: DbSession, user: MaybeUser, month: str | None = None
) -> Response:
    key = month or local_today().strftime("%Y-%m")
    results, missing = None, None
    try:
        date.fromisoformat(key + "-01")
        results = service.public_results(session, key)
    except ValueError:
        missing = "月份格式应为 年-月，如 2026-03"
    except NotFound as exc:
        missing = exc.detail
    return page(
        request, session, "enforcement_public_results.html", None, month=key, results=results, missing=missing
    )
