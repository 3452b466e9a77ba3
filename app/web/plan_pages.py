"""排查计划 for enterprise staff: list the plans, make one from the enterprise's control measures
(name, frequency, assignee, measures), change it, deactivate it. Same service functions as the API."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.errors import BadInput, Conflict
from app.hazards import investigation
from app.hazards.models import FREQUENCIES
from app.web.common import (
    FORM_ERROR,
    Errors,
    Form,
    PageRoute,
    PageUser,
    check_csrf,
    done_notice,
    fields,
    forget_done,
    page,
    redirect_done,
    validation_errors,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DONE = {
    "created": "排查计划已制定，当期排查任务已生成。",
    "updated": "排查计划已修改。",
    "deactivated": "排查计划已停用。",
}


def _write(session: Session, make: Any, values: dict[str, Any]) -> tuple[Any, Errors]:
    """Run a write in a savepoint; every refused field comes back at once as {field: message}."""
    try:
        with session.begin_nested():
            return make(), {}
    except ValidationError as exc:
        errors = validation_errors(exc)
        # "measure_ids.3" (a bad id) belongs to the measure picker; an empty field is simply missing.
        out: Errors = {}
        for k, v in errors.items():
            out.setdefault(k.split(".")[0], v)
        return None, _in_form_order(
            {k: "必填" if k in values and values[k] is None else v for k, v in out.items()}
        )
    except (BadInput, Conflict) as exc:
        return None, _in_form_order(dict(exc.extra.get("errors") or {exc.field or FORM_ERROR: exc.detail}))


FORM_ORDER = ("name", "frequency", "assignee_id", "start_on", "measure_ids")


def _in_form_order(errors: Errors) -> Errors:
    """Listed at the top in the order the fields come on the form."""
    rank = {name: n for n, name in enumerate(FORM_ORDER)}
    return dict(sorted(errors.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = fields(form, "name", "frequency", "assignee_id", "start_on")
    values["measure_ids"] = [v for v in form.getlist("measure_ids") if isinstance(v, str) and v.strip()]
    return values


def _form_context(session: Session, user: Principal) -> dict[str, Any]:
    points: dict[int, dict[str, Any]] = {}
    for measure, point in investigation.enterprise_measures(session, user):
        points.setdefault(point.id, {"point": point, "measures": []})["measures"].append(measure)
    return {
        "points": list(points.values()),
        "assignees": investigation.assignable_users(session, user),
        "FREQUENCIES": FREQUENCIES,
    }


@router.get("/check-plans")
def plan_list(request: Request, session: DbSession, user: PageUser) -> Response:
    plans = investigation.list_plans(session, user)
    response = page(
        request,
        session,
        "check_plans.html",
        user,
        plans=plans,
        next_due={p.id: investigation.next_due(session, p) for p in plans},
        FREQUENCIES=FREQUENCIES,
        notice=done_notice(request, DONE.get),
    )
    return forget_done(request, response)


def _new_page(
    request: Request, session: Session, user: Principal, values: dict[str, Any], errors: Errors
) -> Response:
    ctx = _form_context(session, user)
    return page(request, session, "check_plan_new.html", user, values=values, errors=errors, **ctx)


@router.get("/check-plans/new")
def new_plan(request: Request, session: DbSession, user: PageUser) -> Response:
    return _new_page(
        request, session, user, {"frequency": "month", "assignee_id": user.id, "measure_ids": []}, {}
    )


@router.post("/check-plans/new")
def create_plan(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values = _values(form)

    def make() -> Any:
        body = investigation.PlanFromMeasuresIn.model_validate(values)
        return investigation.create_plan_from_measures(session, user, body)

    plan, errors = _write(session, make, values)
    if errors:
        return _new_page(request, session, user, values, errors)
    return redirect_done(f"/check-plans/{plan.id}", "created")


def _plan_page(
    request: Request, session: Session, user: Principal, plan_id: int, values: dict[str, Any], errors: Errors
) -> Response:
    plan, items = investigation.get_plan(session, user, plan_id)
    ctx = {"assignees": investigation.assignable_users(session, user)} if user.role == "enterprise" else {}
    response = page(
        request,
        session,
        "check_plan.html",
        user,
        plan=plan,
        items=items,
        next_due=investigation.next_due(session, plan),
        tasks=[t for t in investigation.list_tasks(session, user) if t.plan_id == plan.id][:20],
        values=values or {"name": plan.name, "frequency": plan.frequency, "assignee_id": plan.assignee_id},
        errors=errors,
        FREQUENCIES=FREQUENCIES,
        notice=done_notice(request, DONE.get),
        **ctx,
    )
    return forget_done(request, response)


@router.get("/check-plans/{plan_id:int}")
def plan_page(request: Request, session: DbSession, user: PageUser, plan_id: int) -> Response:
    return _plan_page(request, session, user, plan_id, {}, {})


@router.post("/check-plans/{plan_id:int}")
def edit_plan(request: Request, session: DbSession, user: PageUser, form: Form, plan_id: int) -> Response:
    check_csrf(request, form)
    values = fields(form, "name", "frequency", "assignee_id")

    # The form always sends all three: an emptied one is an error to show, not "leave unchanged".
    missing = {k: "必填" for k, v in values.items() if v is None}

    def make() -> Any:
        patch = investigation.PlanPatch.model_validate(values)
        if missing:
            raise BadInput("必填", field=next(iter(missing)), extra={"errors": missing})
        return investigation.update_plan(session, user, plan_id, patch)

    _, errors = _write(session, make, values)
    errors = _in_form_order({**missing, **errors}) if errors else errors
    if errors:
        return _plan_page(request, session, user, plan_id, values, errors)
    return redirect_done(f"/check-plans/{plan_id}", "updated")


@router.post("/check-plans/{plan_id:int}/deactivate")
def deactivate(request: Request, session: DbSession, user: PageUser, form: Form, plan_id: int) -> Response:
    check_csrf(request, form)
    investigation.deactivate_plan(session, user, plan_id)
    return redirect_done("/check-plans", "deactivated")
