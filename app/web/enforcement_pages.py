"""执法 pages: the inspector's list, the month's 双随机 draw, the phone-friendly inspection page (checklist
results as cards with photos, hazards from failed items, completion with the 责令限期整改, the enterprise's
rectification report, the 复查), and the public 双随机 results page (no login, only public facts)."""

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import DbSession
from app.documents import service as documents
from app.enforcement import random_draw, service
from app.enforcement import schemas as s
from app.enforcement.models import ORDER_OPEN, RESULTS
from app.errors import AppError, BadInput, NotFound
from app.fields import Id
from app.timeutil import local_today
from app.web.common import (
    Form,
    MaybeUser,
    PageRoute,
    PageUser,
    attempt,
    attempt_all,
    check_csrf,
    fields,
    keep_photos,
    page,
    parse_date,
    redirect,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _given(form: Form, *names: str) -> dict[str, str]:
    """The filled-in fields only, so a body's defaults apply to the empty ones."""
    return {k: v for k, v in fields(form, *names).items() if v}


@router.get("/enforcement/inspections")
def inspections(request: Request, session: DbSession, user: PageUser) -> Response:
    rows = service.list_inspections(session, user, limit=100)
    return page(request, session, "enforcement_inspections.html", user, rows=rows)


def _draw_page(
    request: Request, session: DbSession, user: Any, month: str | None, errors: dict[str, str] | None = None
) -> Response:
    key = month or local_today().strftime("%Y-%m")
    plan, bad_month = None, None
    try:
        plan = service.drawn_items(session, user, key)
    except AppError as exc:
        bad_month, key = exc.detail, local_today().strftime("%Y-%m")
    return page(
        request,
        session,
        "enforcement_draw.html",
        user,
        month=key,
        plan=plan,
        can_draw=user.role in ("inspector", "admin"),
        errors={**({"month": bad_month} if bad_month else {}), **(errors or {})},
        status_code=422 if errors or bad_month else 200,
    )


@router.get("/enforcement/draw")
def draw(request: Request, session: DbSession, user: PageUser, month: str | None = None) -> Response:
    return _draw_page(request, session, user, month)


@router.post("/enforcement/draw")
def do_draw(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    month = text(form, "month") or ""
    _, errors = attempt(session, lambda: random_draw.draw_by(session, user, month))
    if errors:
        return _draw_page(request, session, user, None, errors)
    return redirect(f"/enforcement/draw?month={random_draw.month_key(month)}")


@router.post("/enforcement/inspections/new")
def open_inspection(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    """Opened from a drawn plan item (双随机) or from an inspection whose 责令限期整改 is checked (复查)."""
    check_csrf(request, form)
    data = {
        k: v for k, v in fields(form, "enterprise_id", "kind", "plan_item_id", "review_of_id").items() if v
    }
    insp, errors = attempt(
        session, lambda: service.open_inspection(session, user, s.InspectionIn.model_validate(data))
    )
    if insp is not None:
        return redirect(f"/enforcement/inspections/{insp.id}")
    review_of = data.get("review_of_id")
    if review_of and review_of.isdigit():
        return _inspection_page(request, session, user, int(review_of), errors)
    return _draw_page(request, session, user, text(form, "month"), errors)


def _inspection_page(
    request: Request,
    session: DbSession,
    user: Any,
    inspection_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str | None] | None = None,
    kept: dict[int, list[int]] | None = None,
) -> Response:
    """`values`: what a refused form had chosen and typed, shown again; `kept`: the photos its items
    already have from that submit (item id -> attachment ids)."""
    insp = service.get_readable(session, user, inspection_id)
    data = service.to_dict(session, insp)
    docs = [documents.metadata(d) for d in documents.for_subject(session, user, "inspection", insp.id)]
    can_record = insp.state == "open" and (user.is_admin or user.id in (insp.inspector_ids or []))
    # A 复查 is opened by a 监管人员 of the area once the order is open (the service checks the rest).
    can_review = data["order_state"] in ORDER_OPEN and user.role in ("inspector", "admin")
    return page(
        request,
        session,
        "enforcement_inspection.html",
        user,
        insp=data,
        docs=docs,
        can_record=can_record,
        can_hazard=can_record and user.role != "township",
        can_report=user.role == "enterprise" and data["order_state"] == "ordered",
        can_review=can_review,
        today=local_today(),
        RESULTS=RESULTS,
        errors=errors or {},
        values=values or {},
        kept=kept or {},
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
    insp = service.get_readable(session, user, inspection_id)
    items = service.to_dict(session, insp)["items"]
    rest_pass = form.get("rest_pass") == "1"  # "其余未填写的项均为符合": one tap for a long checklist
    # After an error the page shows again what was chosen and typed, and the photos already taken (saved
    # at once by keep_photos, sent back as kept_photo_<item>); every 不符合 without a note is named at once.
    typed: dict[str, str | None] = {}
    kept: dict[int, list[int]] = {}
    problems: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    for it in items:
        value = text(form, f"result_{it['id']}") or ("pass" if rest_pass and not it["result"] else None)
        note = text(form, f"note_{it['id']}")
        typed[f"result_{it['id']}"], typed[f"note_{it['id']}"] = value, note
        kept[it["id"]], photo_errors = keep_photos(
            session, user, form, f"photo_{it['id']}", insp.enterprise_id
        )
        problems.update(photo_errors)
        if value is None:
            continue
        if value == "fail" and not note:
            problems[f"note_{it['id']}"] = f"第 {it['position'] + 1} 项“不符合”须填写说明"
        photos = it["photos"] + kept[it["id"]]
        results.append({"item_id": it["id"], "result": value, "note": note, "photos": photos})

    def build() -> s.InspectionResultsIn:
        if not results:
            raise BadInput("请至少填写一项检查结果")
        return s.InspectionResultsIn.model_validate({"results": results})

    _, errors = attempt_all(
        session, build, lambda data: service.record_results(session, user, inspection_id, data), problems
    )
    if errors:
        errors = {_item_field(k, results): v for k, v in errors.items()}
        return _inspection_page(request, session, user, inspection_id, errors, typed, kept)
    return redirect(f"/enforcement/inspections/{inspection_id}")


def _item_field(key: str, results: list[dict[str, Any]]) -> str:
    """results.<n>.note / .photos (the service's n-th result) -> note_<item id> / photo_<item id>."""
    m = re.fullmatch(r"results\.(\d+)\.(note|photos)", key)
    if m is None or int(m.group(1)) >= len(results):
        return key
    name = "note" if m.group(2) == "note" else "photo"
    return f"{name}_{results[int(m.group(1))]['item_id']}"


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


@router.post("/enforcement/inspections/{inspection_id}/items/{item_id}/hazard")
def item_hazard(
    request: Request, session: DbSession, user: PageUser, form: Form, inspection_id: Id, item_id: Id
) -> Response:
    check_csrf(request, form)
    data = _given(form, "description", "place", "category", "grade")
    _, errors = attempt(
        session,
        lambda: service.hazard_from_item(
            session, user, inspection_id, item_id, s.InspectionHazardIn.model_validate(data)
        ),
    )
    if errors:  # shown under that item's form, with what was typed
        typed: dict[str, str | None] = {**data, "hazard_item": str(item_id)}
        return _inspection_page(request, session, user, inspection_id, errors, typed)
    return redirect(f"/enforcement/inspections/{inspection_id}")


@router.post("/enforcement/inspections/{inspection_id}/complete")
def complete(request: Request, session: DbSession, user: PageUser, form: Form, inspection_id: Id) -> Response:
    check_csrf(request, form)
    f = fields(form, "summary", "signer", "device", "deadline", "requirements", "review_passed")
    body: dict[str, Any] = {"summary": f["summary"]}
    if f["signer"]:
        body["signatures"] = [{"name": f["signer"], "device": f["device"]}]
    if f["deadline"] or f["requirements"]:
        body["order"] = {"deadline": f["deadline"], "requirements": f["requirements"]}
    if f["review_passed"]:
        body["review_passed"] = f["review_passed"] == "yes"
    # service.complete checks the deadline only after the schema: found here so both come at once.
    problems: dict[str, str] = {}
    deadline = parse_date(f["deadline"])
    if deadline is not None and deadline <= local_today():
        problems["order.deadline"] = "整改期限须晚于今天"
    _, errors = attempt_all(
        session,
        lambda: s.InspectionCompleteIn.model_validate(body),
        lambda data: service.complete(session, user, inspection_id, data),
        problems,
    )
    if errors:
        return _inspection_page(request, session, user, inspection_id, errors, f)
    return redirect(f"/enforcement/inspections/{inspection_id}")


@router.post("/enforcement/inspections/{inspection_id}/rectified")
def rectified(
    request: Request, session: DbSession, user: PageUser, form: Form, inspection_id: Id
) -> Response:
    check_csrf(request, form)
    body = _given(form, "note")
    _, errors = attempt(
        session,
        lambda: service.report_rectified(
            session, user, inspection_id, s.RectificationReportIn.model_validate(body)
        ),
    )
    if errors:
        return _inspection_page(request, session, user, inspection_id, errors, {"note": body.get("note")})
    return redirect(f"/enforcement/inspections/{inspection_id}")
