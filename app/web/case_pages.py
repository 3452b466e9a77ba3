"""挂牌督办 pages: the board, listing a 重大事故隐患, a case with its allowed actions, one form per action.
Everything goes through app.supervision.service (same scoping and checks as the API)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.errors import NotFound
from app.hazards import service as hazards
from app.regions import service as regions
from app.supervision import service
from app.supervision import transitions as t
from app.supervision.models import ENFORCEMENT_KINDS, LEVELS, STATES
from app.supervision.schemas import ActionIn, CaseIn
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    fields,
    page,
    qs,
    redirect,
    save_photo,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
CONFIRM = {
    "pass_verification": "确认核查通过并摘牌销号？此操作不能撤回。",
    "revoke": "确认撤销督办？此操作不能撤回。",
    "escalate": "确认提级督办？将以本部门名义重新编号发文。",
    "apply_closure": "确认已完成整改并申请销号？",
    "record_enforcement": "确认记录逾期处置？",
}
# Which inputs each action's form shows.
ACTION_INPUTS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("note",),
    "report_progress": ("note", "photo"),
    "request_extension": ("note", "new_deadline"),
    "approve_extension": ("new_deadline", "note"),
    "refuse_extension": ("note",),
    "apply_closure": ("note", "photo"),
    "assign_verifier": ("verifier_id", "note"),
    "pass_verification": ("note", "photo"),
    "fail_verification": ("note", "new_deadline"),
    "revoke": ("note",),
    "escalate": ("note", "level", "department"),
    "record_enforcement": ("kind", "note", "photo"),
}
NOTE_LABELS = {
    "acknowledge": "签收意见（可不填）",
    "report_progress": "整改进展",
    "request_extension": "延期理由",
    "refuse_extension": "不予延期的理由",
    "apply_closure": "整改验收报告（整改完成情况）",
    "pass_verification": "核查意见",
    "fail_verification": "核查不通过的理由和整改要求",
    "revoke": "撤销理由",
    "record_enforcement": "处置情况（文书内容）",
}


@router.get("/supervision")
def board(
    request: Request,
    session: DbSession,
    user: PageUser,
    state: str | None = None,
    level: str | None = None,
    after_id: int | None = None,
) -> Response:
    data = service.board(session, user)
    listing: list[dict[str, Any]] = []
    if user.role != "enterprise":
        listing = service.list_cases(
            session,
            user,
            state=state if state in STATES else None,
            level=level if level in LEVELS else None,
            after_id=after_id,
            limit=PAGE_SIZE,
        )
    return page(
        request,
        session,
        "case_board.html",
        user,
        board=data,
        listing=listing,
        state=state,
        level=level,
        query=qs(state=state, level=level),
        next_after=listing[-1]["id"] if len(listing) == PAGE_SIZE else None,
        STATES=STATES,
        LEVELS=LEVELS,
    )


# ---------------------------------------------------------------- listing a hazard


def _new_form(
    request: Request,
    session: Session,
    user: Principal,
    hazard_id: int,
    values: dict[str, Any],
    errors: Errors,
) -> Response:
    hazard = hazards.detail(session, user, hazard_id)
    own_level = regions.get_region(session, user.region_code).level if user.region_code else None
    return page(
        request,
        session,
        "case_new.html",
        user,
        h=hazard,
        levels=[(k, v) for k, v in LEVELS.items() if k == own_level] or list(LEVELS.items()),
        values={"level": own_level, **values},
        errors=errors,
    )


@router.get("/supervision/new")
def new_case(request: Request, session: DbSession, user: PageUser, hazard_id: int) -> Response:
    return _new_form(request, session, user, hazard_id, {}, {})


@router.post("/supervision/new")
def create_case(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    raw = text(form, "hazard_id") or ""
    if not raw.isdigit():
        raise NotFound("隐患不存在")
    values = fields(form, "level", "responsible_unit", "requirements", "deadline")
    data = {k: v for k, v in values.items() if v is not None}

    def write() -> Any:
        return service.list_case(session, user, CaseIn.model_validate({**data, "subject_id": int(raw)}))

    case, errors = attempt(session, write)
    if errors or case is None:
        return _new_form(request, session, user, int(raw), values, errors)
    return redirect(f"/supervision/cases/{case.id}")


# ---------------------------------------------------------------- a case and its actions


@router.get("/supervision/cases/{case_id:int}")
def case_detail(request: Request, session: DbSession, user: PageUser, case_id: int) -> Response:
    case = service.detail(session, user, case_id)
    return page(request, session, "case.html", user, case=case, CONFIRM=CONFIRM)


def _action_form(
    request: Request,
    session: Session,
    user: Principal,
    case_id: int,
    action: str,
    values: dict[str, Any],
    errors: Errors,
) -> Response:
    if action not in ACTION_INPUTS:
        raise NotFound(f"未知操作 {action}")
    case = service.detail(session, user, case_id)
    return page(
        request,
        session,
        "case_action.html",
        user,
        case=case,
        action=action,
        label=t.label(action),
        allowed=action in case["allowed_actions"],
        inputs=ACTION_INPUTS[action],
        note_label=NOTE_LABELS.get(action, "说明"),
        confirm=CONFIRM.get(action),
        verifiers=service.verifier_candidates(session, user, case_id) if action == "assign_verifier" else [],
        KINDS=ENFORCEMENT_KINDS,
        LEVELS=LEVELS,
        values={"verifier_id": user.id, **values},
        errors=errors,
    )


@router.get("/supervision/cases/{case_id:int}/act/{action}")
def action_page(request: Request, session: DbSession, user: PageUser, case_id: int, action: str) -> Response:
    return _action_form(request, session, user, case_id, action, {}, {})


@router.post("/supervision/cases/{case_id:int}/act/{action}")
def take_action(
    request: Request, session: DbSession, user: PageUser, form: Form, case_id: int, action: str
) -> Response:
    check_csrf(request, form)
    if action not in ACTION_INPUTS:
        raise NotFound(f"未知操作 {action}")
    case = service.get_readable(session, user, case_id)
    inputs = ACTION_INPUTS[action]
    values = fields(form, "version", *[i for i in inputs if i != "photo"])

    def write() -> Any:
        photos = save_photo(session, user, form, "photo", case.enterprise_id) if "photo" in inputs else []
        body = ActionIn.model_validate(
            {**{k: v for k, v in values.items() if v is not None}, "attachments": photos}
        )
        return service.act(session, user, case_id, action, body)

    _, errors = attempt(session, write, rename={"attachments": "photo"})
    if errors:
        return _action_form(request, session, user, case_id, action, values, errors)
    return redirect(f"/supervision/cases/{case_id}")
