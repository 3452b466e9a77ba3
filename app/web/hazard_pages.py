"""隐患 pages: the ledger, reporting a hazard (photo from the phone camera), its detail, and one page per
workflow action (the 五落实 plan among them). Everything goes through app.hazards' service functions."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.auth.deps import DbSession, ReadSession
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.errors import BadInput, NotFound
from app.hazards import exporter, ledger, next_steps, service, transitions
from app.hazards import schemas as s
from app.hazards.models import (
    CATEGORIES,
    GRADES,
    INSPECTOR_SOURCES,
    OTHER_ITEM,
    OTHER_ITEM_LABEL,
    REPORT_RECIPIENTS,
    SOURCES,
    STATES,
)
from app.hazards.transitions import ACTION_LABELS, OPEN
from app.supervision import service as supervision
from app.web import enterprise_field, region_field
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    done_notice,
    fields,
    forget_done,
    keep_photos,
    page,
    parse_date,
    qs,
    redirect_done,
    text,
    validation_errors,
)
from app.web.enterprise_pages import shows_basis

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
TRANSITION = TypeAdapter(s.TransitionIn)
# Actions that close, reopen, regrade, decide or report (and cannot be undone by the one who takes
# them): the form states the consequence next to its button and site.js asks before it is sent.
CONFIRM = {
    "accept": "验收通过后隐患即销号，不能撤回（只有监管部门可以重新打开）。确认验收通过？",
    "withdraw": "撤销后该隐患不再整改，不能恢复。确认撤销？",
    "regulator_close": "核查销号后隐患即关闭，不能撤回（只有监管部门可以重新打开）。确认核查销号？",
    "reopen": "重新打开后隐患回到“整改中”，企业须重新整改并申请验收；重新打开记入流转记录，不能撤回。"
    "确认重新打开？",
    "change_grade": "变更等级将改变该隐患的管理要求（重大事故隐患须双报告，可挂牌督办），"
    "并重新计算企业整体风险等级；变更记入流转记录，不能撤回。确认变更隐患等级？",
    "review_major": "审核意见记入流转记录，不能撤回；降为一般隐患将重新计算企业整体风险等级。确认提交？",
    "file_report": "报告提交后即送达报告对象（监管部门会收到通知），不能撤回或修改。确认提交？",
    "decide_extension": "审批意见提交后不能撤回，同意时整改期限即改为申请的日期。确认提交？",
}
DONE = {"created": "隐患已上报。"}
DATE_ORDER = ledger.DATE_ORDER


def done_message(key: str) -> str | None:
    if key in DONE:
        return DONE[key]
    return f"已完成“{ACTION_LABELS[key]}”。" if key in ACTION_LABELS else None


# Text fields each action's form shows (besides the version), and whether it takes a photo.
ACTION_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "start_rectification": ((), False),
    "fix_on_spot": (("measures", "note"), True),
    "request_extension": (("reason", "new_deadline"), False),
    "decide_extension": (("approve", "note"), False),
    "add_progress": (("note",), True),
    "submit_for_acceptance": (("note",), True),
    "accept": (("note",), True),
    "reject": (("reason", "deadline"), True),
    "withdraw": (("reason",), False),
    "reopen": (("reason", "deadline"), False),
    "change_grade": (("grade", "major_item", "reason", "major_basis_standard", "major_basis_clause"), False),
    "review_major": (("confirm", "reason"), False),
    "file_report": (("recipient", "status_and_cause", "harm_and_difficulty", "governance_plan"), False),
    "regulator_close": (("note",), True),
}
PLAN_FIELDS = ("measures", "responsible", "funds", "deadline", "emergency_plan")
GOVERNANCE_FIELDS = tuple(s.GovernancePlan.model_fields)
PHOTO_FIELDS = {"photos": "photo", "attachments": "photo"}


# ---------------------------------------------------------------- ledger


@router.get("/hazards")
def hazard_ledger(
    request: Request,
    session: ReadSession,
    user: PageUser,
    state: str | None = None,
    grade: str | None = None,
    source: str | None = None,
    overdue: str | None = None,
    unconfirmed: str | None = None,
    enterprise_id: int | None = None,
    region: str | None = None,
    county: str | None = None,
    township: str | None = None,
    industry: str | None = None,
    found_from: str | None = None,
    found_to: str | None = None,
    cursor: str | None = None,
) -> Response:
    params: dict[str, Any] = {
        "state": state if state in STATES else None,
        "grade": grade if grade in GRADES else None,
        "source": source if source in SOURCES else None,
        "overdue": "true" if overdue == "true" else None,
        "unconfirmed": "true" if unconfirmed == "true" else None,
        "enterprise_id": enterprise_id,
        "region": None,
        "industry": industry or None,
        "found_from": parse_date(found_from),
        "found_to": parse_date(found_to),
    }
    picked = (
        region_field.choices(session, user) if user.role != "enterprise" else region_field.RegionChoices()
    )
    region_values = {"region": (region or "").strip()[:100], "county": county, "township": township}
    params["region"], errors = region_field.resolve_filter(session, user, picked, region_values)
    if params["found_from"] and params["found_to"] and params["found_from"] > params["found_to"]:
        errors["found_from"] = DATE_ORDER
    items: list[Any] = []
    next_cursor = None
    if not errors:
        f = ledger.Filters(
            **{
                **params,
                "overdue": True if params["overdue"] else None,
                "unconfirmed": True if params["unconfirmed"] else None,
            }
        )
        items, next_cursor = ledger.page(session, user, f, cursor or None, PAGE_SIZE)
    query = qs(**params)
    return page(
        request,
        session,
        "hazards.html",
        user,
        items=items,
        params=params,
        query=query,
        next_cursor=next_cursor,
        first_page=not cursor,
        STATES=STATES,
        GRADES=GRADES,
        SOURCES=SOURCES,
        industries=enterprises.industries(),
        regions=picked,
        region_values=region_values,
        errors=errors,
    )


# ---------------------------------------------------------------- report a hazard


def _target_enterprise(session: Session, user: Principal, enterprise_id: int | None) -> int | None:
    if user.role == "enterprise":
        return user.enterprise_id
    if enterprise_id is None:
        return None
    return enterprises.get_readable(session, user, enterprise_id).id


def _report_form(
    request: Request,
    session: Session,
    user: Principal,
    enterprise_id: int | None,
    values: dict[str, Any],
    errors: Errors,
    photos: list[int] | None = None,
) -> Response:
    ent = enterprises.get_readable(session, user, enterprise_id) if enterprise_id else None
    choices = [] if ent else enterprise_field.choices(session, user)
    sources = {k: v for k, v in SOURCES.items() if user.role != "enterprise" or k not in INSPECTOR_SOURCES}
    return page(
        request,
        session,
        "hazard_new.html",
        user,
        ent=ent,
        choices=choices,
        major_items=service.major_items(session, user, ent.id, parse_date(values.get("found_on")))
        if ent
        else [],
        sources=sources,
        CATEGORIES=CATEGORIES,
        values=values,
        errors=errors,
        kept_photos=photos or [],
    )


@router.get("/hazards/new")
def new_hazard(
    request: Request,
    session: DbSession,
    user: PageUser,
    enterprise_id: int | None = None,
    enterprise: str | None = None,
    found_on: str | None = None,
) -> Response:
    """A regulator first picks the enterprise (name or credit code, `enterprise`), then reports."""
    errors: Errors = {}
    if enterprise_id is None and enterprise is not None and user.role != "enterprise":
        enterprise_id, message, enterprise = enterprise_field.resolve(session, user, enterprise[:200])
        if message:
            errors["enterprise"] = message
    target = _target_enterprise(session, user, enterprise_id)
    day = parse_date(found_on)
    values = {
        "source": "routine",
        "category": "site",
        "grade": "general",
        "found_on": day.isoformat() if day else "",
        "enterprise": enterprise,
    }
    return _report_form(request, session, user, target, values, errors)


@router.post("/hazards/new")
def create_hazard(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    raw_id = text(form, "enterprise_id")
    target = _target_enterprise(session, user, int(raw_id) if raw_id and raw_id.isdigit() else None)
    if target is None:
        raise NotFound("请先选择企业")
    values = fields(
        form,
        "source",
        "description",
        "place",
        "category",
        "found_on",
        "grade",
        "major_item",
        "major_reason",
        "major_basis_standard",
        "major_basis_clause",
    )

    photos, errors = keep_photos(session, user, form, "photo", target)
    data: s.HazardIn | None = None
    try:
        data = s.HazardIn.model_validate(
            {**values, "enterprise_id": target, "photos": photos, "grade": values["grade"] or "general"}
        )
    except ValidationError as exc:
        for key, message in validation_errors(exc).items():
            errors.setdefault(PHOTO_FIELDS.get(key, key), message)
    for key, message in major_problems(user, values).items():
        errors.setdefault(key, message)
    hazard = None
    if data is not None:
        valid = data

        def write() -> Any:
            created = service.create_hazard(session, user, valid).hazard
            _refuse_if(errors)  # the service's own checks ran too; now roll the hazard back
            return created

        hazard, found = attempt(session, write, rename=PHOTO_FIELDS)
        for key, message in found.items():
            errors.setdefault(key, message)
    if errors or hazard is None:
        return _report_form(request, session, user, target, values, errors, photos)
    return redirect_done(f"/hazards/{hazard.id}", "created")


def _refuse_if(errors: Errors) -> None:
    """Inside attempt(): problems found before the write roll it back (attempt keeps the first)."""
    if errors:
        key = next(iter(errors))
        raise BadInput(errors[key], field=key)


def major_problems(user: Principal, values: dict[str, Any]) -> Errors:
    """What a 重大 report is missing, all at once (the service checks again, one at a time)."""
    if values.get("grade") != "major":
        return {}
    item = (values.get("major_item") or "").upper()
    out: Errors = {}
    if item == OTHER_ITEM:
        if not values.get("major_basis_standard"):
            out["major_basis_standard"] = f"选择“{OTHER_ITEM_LABEL}”须填写依据的标准或规定"
        if not values.get("major_basis_clause"):
            out["major_basis_clause"] = f"选择“{OTHER_ITEM_LABEL}”须填写依据的条款"
    elif not item:
        if user.role == "enterprise":
            out["major_item"] = (
                f"企业认定重大事故隐患须选择适用的判定标准条目；没有适用条目时选“{OTHER_ITEM_LABEL}”并填写依据"
            )
        elif not values.get("major_reason"):
            out["major_reason"] = "监管人员认定重大事故隐患须选择判定标准条目或写明理由"
    return out


# ---------------------------------------------------------------- detail and actions


@router.get("/hazards/{hazard_id:int}")
def hazard_detail(request: Request, session: DbSession, user: PageUser, hazard_id: int) -> Response:
    detail = service.detail(session, user, hazard_id)
    case = supervision.open_case_for(session, "hazard", hazard_id)
    # The service decides (list_case checks level, scope, state again); the page only hides the button.
    can_list = user.role == "inspector" and detail.grade == "major" and case is None and detail.state in OPEN
    response = page(
        request,
        session,
        "hazard.html",
        user,
        h=detail,
        next=next_steps.describe(session, user, service.get_readable(session, user, hazard_id)),
        done=done_notice(request, done_message),
        major_basis=exporter.major_basis(detail) if detail.grade == "major" else None,
        show_basis=shows_basis(user),
        case=case,
        can_list=can_list,
        ACTION_LABELS=ACTION_LABELS,
        CONFIRM=CONFIRM,
        REPORT_RECIPIENTS=REPORT_RECIPIENTS,
    )
    return forget_done(request, response)


def _action_form(
    request: Request,
    session: Session,
    user: Principal,
    hazard_id: int,
    action: str,
    values: dict[str, Any],
    errors: Errors,
    photos: list[int] | None = None,
) -> Response:
    detail = service.detail(session, user, hazard_id)
    if action not in ACTION_FIELDS:
        raise NotFound(f"未知操作 {action}")
    return page(
        request,
        session,
        "hazard_action.html",
        user,
        h=detail,
        action=action,
        label=ACTION_LABELS[action],
        allowed=action in detail.allowed_actions,
        refusal=None if action in detail.allowed_actions else _refusal(session, user, hazard_id, action),
        confirm=CONFIRM.get(action),
        with_photo=ACTION_FIELDS[action][1],
        major_items=service.major_items(session, user, detail.enterprise_id, detail.found_on)
        if action == "change_grade"
        else [],
        GRADES=GRADES,
        REPORT_RECIPIENTS=REPORT_RECIPIENTS,
        values=values,
        errors=errors,
        kept_photos=photos or [],
    )


def _refusal(session: Session, user: Principal, hazard_id: int, action: str) -> str:
    """Why the viewer may not take this action now, in the table's words."""
    if user.role == "township":
        return "乡镇(街道)用户为只读权限"
    return (
        transitions.refusal(
            transitions.Ctx(session, service.get_readable(session, user, hazard_id), user), action
        )
        or ""
    )


@router.get("/hazards/{hazard_id:int}/act/{action}")
def action_page(
    request: Request, session: DbSession, user: PageUser, hazard_id: int, action: str
) -> Response:
    return _action_form(request, session, user, hazard_id, action, {}, {})


def _body(action: str, form: FormData, photos: list[int]) -> dict[str, Any]:
    names, with_photo = ACTION_FIELDS[action]
    body: dict[str, Any] = {k: v for k, v in fields(form, *names).items() if v is not None}
    body["action"] = action
    body["version"] = text(form, "version")
    if action == "start_rectification":
        plan: dict[str, Any] = {k: v for k, v in fields(form, *PLAN_FIELDS).items() if v is not None}
        governance = {k: v for k, v in fields(form, *GOVERNANCE_FIELDS).items() if v is not None}
        if governance:
            plan["governance"] = governance
        body["plan"] = plan
    if action == "decide_extension":
        body["approve"] = body.get("approve") == "yes"
    if action == "review_major":
        body["confirm"] = {"yes": True, "no": False}.get(body.get("confirm") or "")
    if with_photo:
        body["attachments"] = photos
    return body


@router.post("/hazards/{hazard_id:int}/act/{action}")
def take_action(
    request: Request, session: DbSession, user: PageUser, form: Form, hazard_id: int, action: str
) -> Response:
    check_csrf(request, form)
    if action not in ACTION_FIELDS:
        raise NotFound(f"未知操作 {action}")
    hazard = service.get_readable(session, user, hazard_id)

    photos: list[int] = []
    photo_errors: Errors = {}
    if ACTION_FIELDS[action][1]:
        photos, photo_errors = keep_photos(session, user, form, "photo", hazard.enterprise_id)

    def write() -> Any:
        body = TRANSITION.validate_python(_body(action, form, photos))
        done = service.transition(session, user, hazard_id, body)
        _refuse_if(photo_errors)
        return done

    # Pydantic reports a union member's errors under its tag ("start_rectification.plan.deadline").
    _, errors = attempt(
        session,
        write,
        strip=(f"{action}.plan.governance.", f"{action}.plan.", f"{action}.", "plan."),
        rename=PHOTO_FIELDS,
    )
    errors = {**photo_errors, **errors}
    if errors and action == "start_rectification":
        # The schema stops before the service's plan checks: name those problems in the same round.
        plan = _body(action, form, photos)["plan"]
        for key, message in service.plan_problems(hazard, parse_date(plan.get("deadline")), plan).items():
            errors.setdefault(key.removeprefix("plan."), message)
    if errors:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _action_form(request, session, user, hazard_id, action, values, errors, photos)
    return redirect_done(f"/hazards/{hazard_id}", action)
