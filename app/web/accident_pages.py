"""事故 and 应急 pages: the region's board of overdue reports, investigations, evaluations, 备案 and
drills (phone card tables), an accident's page, the enterprise page's section, the 应急物资/装备 list and
the 专家库 search."""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accidents import emergency, resources
from app.accidents import service as accidents
from app.accidents.models import (
    AVAILABILITY,
    DRILL_FORMS,
    EXPERT_FIELDS,
    PLAN_KINDS,
    RESOURCE_CATEGORIES,
    REVIEW_KINDS,
    SPECIAL_KINDS,
)
from app.accidents.schemas import AccidentReportIn, DrillIn, EmergencyPlanIn, ResourceIn
from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.errors import BadInput, NotFound
from app.fields import REGION_CODE, Id
from app.timeutil import SHANGHAI
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt_all,
    check_csrf,
    in_future,
    page,
    parse_date,
    redirect,
    text,
)

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
        "resource_rows": resources.list_resources(session, user, enterprise_id=enterprise_id),
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


def _choice(value: str, choices: dict[str, str], field: str) -> None:
    if value and value not in choices:
        raise BadInput(f"{field} 取值无效，应为 {'、'.join(choices)} 之一", field=field)


@router.get("/emergency/resources")
def resource_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    category: Annotated[str, Query(max_length=20)] = "",
    expiring: bool = False,
) -> Response:
    # A form sends "" for 全部, so the choices are checked here rather than by a Literal.
    _choice(category, RESOURCE_CATEGORIES, "category")
    rows = resources.list_resources(session, user, category=category or None, expiring=expiring)
    return page(
        request,
        session,
        "emergency_resources.html",
        user,
        rows=rows,
        category=category,
        expiring=expiring,
        CATEGORIES=RESOURCE_CATEGORIES,
        days=resources.expiry_days(),
    )


@router.get("/emergency/experts")
def expert_search(
    request: Request,
    session: DbSession,
    user: PageUser,
    field: Annotated[str, Query(max_length=30)] = "",
    region: Annotated[str, Query(max_length=12)] = "",
    available: bool = False,
) -> Response:
    _choice(field, EXPERT_FIELDS, "field")
    if region and not re.fullmatch(REGION_CODE, region):
        raise BadInput("行政区划代码应为 6、9 或 12 位数字", field="region")
    rows = resources.search_experts(
        session, user, field=field or None, region=region or None, available_only=available
    )
    return page(
        request,
        session,
        "emergency_experts.html",
        user,
        rows=rows,
        field=field,
        region=region,
        available=available,
        FIELDS=EXPERT_FIELDS,
        AVAILABILITY=AVAILABILITY,
    )


# ---------------------------------------------------------------- entry forms of one enterprise

# The fields of each entry form, as the API body takes them (empty fields are left out).
FORMS: dict[str, tuple[str, ...]] = {
    "accident": (
        "occurred_at",
        "place",
        "accident_type",
        "special_kind",
        "deaths",
        "serious_injuries",
        "minor_injuries",
        "direct_loss_yuan",
        "summary",
    ),
    "plan": ("kind", "title", "version", "review_kind", "reviewed_on", "published_on"),
    "drill": ("held_on", "form", "scenario", "participants", "evaluation", "improvements"),
    "resource": ("name", "category", "storage_place", "quantity", "unit", "expires_on", "lon", "lat", "note"),
}


def _entry_page(
    request: Request,
    session: Session,
    user: Principal,
    enterprise_id: int,
    which: str = "",
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
) -> Response:
    ent = enterprises.get_readable(session, user, enterprise_id)
    plans = [p for p in emergency.list_plans(session, user, ent.id) if p["is_current"] and p["published_on"]]
    return page(
        request,
        session,
        "emergency_new.html",
        user,
        ent=ent,
        plans=plans,
        which=which,
        values=values or {},
        errors=errors or {},
        PLAN_KINDS=PLAN_KINDS,
        REVIEW_KINDS=REVIEW_KINDS,
        DRILL_FORMS=DRILL_FORMS,
        SPECIAL_KINDS=SPECIAL_KINDS,
        CATEGORIES=RESOURCE_CATEGORIES,
        status_code=422 if errors else 200,
    )


@router.get("/enterprises/{enterprise_id:int}/emergency/new")
def entry_forms(request: Request, session: DbSession, user: PageUser, enterprise_id: Id) -> Response:
    return _entry_page(request, session, user, enterprise_id)


@router.post("/enterprises/{enterprise_id:int}/emergency/new/{which}")
def submit_entry(
    request: Request, session: DbSession, user: PageUser, form: Form, enterprise_id: Id, which: str
) -> Response:
    """One entry form (事故报告, 应急预案, 演练 or 应急物资) through the same services as the API."""
    check_csrf(request, form)
    if which not in FORMS:
        raise BadInput("未知的登记表", field="which")
    ent = enterprises.get_readable(session, user, enterprise_id)
    values = {k: v for k, v in ((k, text(form, k)) for k in FORMS[which]) if v is not None}
    body = {**values, "enterprise_id": ent.id}
    if which == "accident" and "occurred_at" in values:
        body["occurred_at"] = f"{values['occurred_at']}:00+08:00"  # datetime-local is Shanghai time
    builds: dict[str, Callable[[], Any]] = {
        "accident": lambda: AccidentReportIn.model_validate(body),
        "plan": lambda: EmergencyPlanIn.model_validate(body),
        "drill": lambda: DrillIn.model_validate(values),
        "resource": lambda: ResourceIn.model_validate(body),
    }
    saves: dict[str, Callable[[Any], int]] = {
        "accident": lambda data: accidents.report(session, user, data).id,
        "plan": lambda data: emergency.create_plan(session, user, data).id,
        "drill": lambda data: emergency.add_drill(session, user, plan_id, data).id,
        "resource": lambda data: resources.create_resource(session, user, data).id,
    }
    problems, plan_id = _date_problems(which, values), 0
    if which == "drill":
        try:
            plan_id = _plan_id(session, user, form, ent.id)
        except BadInput as exc:
            problems["plan_id"] = exc.detail
    new_id, errors = attempt_all(session, builds[which], saves[which], problems)
    if errors:
        kept = values | {"plan_id": text(form, "plan_id")}
        return _entry_page(request, session, user, ent.id, which, kept, errors)
    if which == "accident":
        return redirect(f"/accidents/{new_id}")
    anchor = {"plan": "plans", "drill": "drills", "resource": "resources"}[which]
    return redirect(f"/enterprises/{ent.id}#{anchor}")


def _date_problems(which: str, values: dict[str, str]) -> Errors:
    """The services' date checks (nothing in the future, 公布 not before 评审), found by the page so one
    submit shows them with the schema's messages."""
    problems: Errors = {}
    if which == "accident":
        try:
            occurred = datetime.fromisoformat(values.get("occurred_at", "")).replace(tzinfo=SHANGHAI)
        except ValueError:
            occurred = None
        if occurred is not None and occurred > datetime.now(SHANGHAI):
            problems["occurred_at"] = "事故发生时间不能晚于现在"
    elif which == "plan":
        reviewed, published = parse_date(values.get("reviewed_on")), parse_date(values.get("published_on"))
        if in_future(values.get("reviewed_on")):
            problems["reviewed_on"] = "评审（论证）日期不能晚于今天"
        if reviewed and not values.get("review_kind"):
            problems["review_kind"] = "请选择评审或论证"
        if in_future(values.get("published_on")):
            problems["published_on"] = "公布日期不能晚于今天"
        elif reviewed and published and published < reviewed:
            problems["published_on"] = "公布日期不能早于评审（论证）日期"
    elif which == "drill" and in_future(values.get("held_on")):
        problems["held_on"] = "演练日期不能晚于今天"
    return problems


def _plan_id(session: Session, user: Principal, form: Any, enterprise_id: int) -> int:
    """The chosen plan, which must be one of this enterprise's."""
    value = text(form, "plan_id") or ""
    plan_id = int(value) if value.isdigit() and len(value) <= 9 else 0
    try:
        if plan_id and emergency.get_readable(session, user, plan_id).enterprise_id == enterprise_id:
            return plan_id
    except NotFound:
        pass
    raise BadInput("请选择本企业已公布的应急预案", field="plan_id")
