"""Inspectors (and townships, read-only): jurisdiction home, enterprise pages, the 举报 triage inbox, and
the published 双随机 plans."""

import contextlib
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.enforcement import random_draw
from app.enterprises import service as enterprises
from app.errors import NotFound
from app.hazards import schemas as s
from app.hazards import tips
from app.hazards.models import CATEGORIES, GRADES
from app.regions import service as regions
from app.risks import service as risks
from app.risks.models import POINT_TYPES
from app.rules_engine import explain
from app.supervision import service as supervision
from app.timeutil import local_today
from app.web import accident_pages, enterprise_field, hazard_pages
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    fields,
    page,
    redirect,
    validation_errors,
)
from app.web.enterprise_pages import OPEN_STATES, hazard_count, level_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TIP_STATUSES = {"pending": "待处理", "accepted": "已受理", "dismissed": "不予受理"}
PAGE_SIZE = 50


def home_context(session: Session, user: Principal) -> dict[str, Any]:
    board = supervision.board(session, user)
    regulator = user.role in ("inspector", "admin")
    return {
        "by_state": [],
        "open_hazards": sum(hazard_count(session, user, state=s) for s in OPEN_STATES),
        "overdue": hazard_count(session, user, overdue=True),
        "major_open": sum(hazard_count(session, user, state=s, grade="major") for s in OPEN_STATES),
        "board": board,
        "pending_tips": len(tips.inbox(session, user, "pending", None, 200)) if regulator else None,
    }


def enterprise_context(session: Session, user: Principal, enterprise_id: int) -> dict[str, Any]:
    """What the enterprise page shows besides the registry facts (all through scoped service reads)."""
    return {
        "level": level_of(session, enterprise_id, user),
        "open_hazards": sum(
            hazard_count(session, user, enterprise_id=enterprise_id, state=s) for s in OPEN_STATES
        ),
        "overdue": hazard_count(session, user, enterprise_id=enterprise_id, overdue=True),
        "points": risks.list_points(session, user, enterprise_id, limit=200),
        "units": risks.list_units(session, user, enterprise_id),
        "POINT_TYPES": POINT_TYPES,
        **accident_pages.enterprise_section(session, user, enterprise_id),
    }


# ---------------------------------------------------------------- 举报 inbox


def _inbox(
    request: Request,
    session: Session,
    user: Principal,
    status: str,
    cursor: int | None,
    errors: dict[int, Errors],
    values: dict[str, Any],
) -> Response:
    items = tips.inbox(session, user, status or None, cursor, PAGE_SIZE)
    places: dict[str, str] = {}
    named: dict[int, str] = {}  # the enterprise a 举报 names, as the picker's starting value
    for tip in items:
        if tip.region_code not in places:
            path = regions.region_path(session, tip.region_code)
            places[tip.region_code] = " ".join(r.name for r in path if r.level != "province")
        if tip.enterprise_id and tip.status == "pending":
            with contextlib.suppress(NotFound):
                named[tip.id] = enterprise_field.label(
                    enterprises.get_readable(session, user, tip.enterprise_id)
                )
    return page(
        request,
        session,
        "tips.html",
        user,
        items=items,
        status=status,
        next_cursor=items[-1].id if len(items) == PAGE_SIZE else None,
        enterprise_names=enterprise_field.choices(session, user) if status == "pending" else [],
        places=places,
        named=named,
        tip_errors=errors,
        values=values,
        TIP_STATUSES=TIP_STATUSES,
        CATEGORIES=CATEGORIES,
        GRADES=GRADES,
    )


@router.get("/tips")
def tip_inbox(
    request: Request, session: DbSession, user: PageUser, status: str = "pending", cursor: int | None = None
) -> Response:
    return _inbox(request, session, user, status if status in TIP_STATUSES else "", cursor, {}, {})


@router.post("/tips/{tip_id:int}/{decision}")
def decide_tip(
    request: Request, session: DbSession, user: PageUser, form: Form, tip_id: int, decision: str
) -> Response:
    check_csrf(request, form)
    if decision not in ("accept", "dismiss"):
        raise NotFound(f"未知操作 {decision}")
    values = fields(
        form, "version", "reason", "enterprise", "enterprise_id", "category", "grade", "major_reason"
    )
    picked: Errors = {}
    if decision == "accept" and not values["enterprise_id"]:
        # The picker sends a name or credit code (or the datalist's "名称（代码）"); resolve it in scope.
        found, message, shown = enterprise_field.resolve(session, user, values["enterprise"])
        values["enterprise"] = shown
        values["enterprise_id"] = str(found) if found else None
        if message:
            picked["enterprise"] = message

    def accept_data() -> dict[str, Any]:
        return {k: v for k, v in values.items() if k not in ("reason", "enterprise") and v is not None}

    def write() -> Any:
        if decision == "dismiss":
            body = s.TipDismiss.model_validate({"version": values["version"], "reason": values["reason"]})
            return tips.dismiss(session, user, tip_id, body)
        return tips.accept(session, user, tip_id, s.TipAccept.model_validate(accept_data()))

    if decision == "accept":
        # Every problem in one round: the 重大 reason and the fields' limits beside the enterprise's.
        picked.update(hazard_pages.major_problems(user, values))
        if picked:
            try:  # the enterprise is checked above; a stand-in id lets the schema check the rest
                s.TipAccept.model_validate({**accept_data(), "enterprise_id": values["enterprise_id"] or 1})
            except ValidationError as exc:
                for key, message in validation_errors(exc).items():
                    picked.setdefault(key, message)
    if picked:
        result, errors = None, picked
    else:
        result, errors = attempt(session, write, rename={"enterprise_id": "enterprise"})
    if errors or result is None:
        return _inbox(request, session, user, "pending", None, {tip_id: errors}, values)
    if decision == "accept":
        return redirect(f"/hazards/{result.id}")
    return redirect("/tips")


# ---------------------------------------------------------------- 双随机 plans


@router.get("/plans")
def inspection_plans(
    request: Request, session: DbSession, user: PageUser, month: str | None = None
) -> Response:
    key = month or local_today().strftime("%Y-%m")
    plan, missing = None, None
    try:
        date.fromisoformat(key + "-01")
        plan = random_draw.public_plan(session, key)
    except ValueError:
        missing = "月份格式应为 年-月，如 2025-03"
    except NotFound as exc:
        missing = exc.detail
    name = explain.rule_set_name(str(plan["rule_set"])) if plan else None
    return page(
        request, session, "plans.html", user, month=key, plan=plan, missing=missing, rule_set_name=name
    )
