"""挂牌督办 pages: the board, listing a 重大事故隐患, a case with its allowed actions, one form per action.
Everything goes through app.supervision.service (same scoping and checks as the API)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.errors import BadInput, Forbidden, NotFound
from app.hazards import service as hazards
from app.regions import service as regions
from app.supervision import next_steps, service
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
    done_notice,
    fields,
    forget_done,
    keep_photos,
    page,
    parse_date,
    qs,
    redirect_done,
    refuse_if,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
# Actions that number, publish, decide or close (none can be undone): the form states the consequence
# next to its button and site.js asks before it is sent (data-confirm).
LIST_CONFIRM = "发出后将编号并公开，不能撤回。确认发出督办通知书？"
CONFIRM = {
    "pass_verification": "核查通过后即摘牌销号、隐患销号，并在督办公告中公开，不能撤回。确认核查通过？",
    "fail_verification": "核查不通过将退回企业继续整改并通知企业，不能撤回。确认核查不通过？",
    "revoke": "撤销后督办事项即终止，不能撤回。确认撤销督办？",
    "escalate": "提级后将以本部门名义重新编号发文并通知企业，不能撤回。确认提级督办？",
    "apply_closure": "申请后由督办部门组织核查，申请不能撤回。确认已完成整改并申请销号？",
    "approve_extension": "批准后整改期限即延长并通知企业，不能撤回。确认批准延期？",
    "refuse_extension": "不予延期的决定将通知企业，不能撤回。确认不予延期？",
    "record_enforcement": "处置情况记入执法全过程记录，不能撤回或修改。确认记录逾期处置？",
}


def done_message(key: str) -> str | None:
    if key == "list":
        return "督办通知书已发出：已编号，并在督办公告中公开。"
    return f"已完成“{t.label(key)}”。" if key in t.ACTION_LABELS else None


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
        listable=service.listable_hazards(session, user),
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
        confirm=LIST_CONFIRM,
        values={"level": own_level, **values},
        errors=errors,
    )


@router.get("/supervision/new")
def new_case(request: Request, session: DbSession, user: PageUser, hazard_id: int | None = None) -> Response:
    if hazard_id is None:
        # 新建挂牌督办 from the board: first choose the hazard (the form is then prefilled with it).
        if user.role != "inspector":
            raise Forbidden("挂牌督办须由监管部门人员以本部门名义发出")
        listable = service.listable_hazards(session, user, limit=200)
        return page(request, session, "case_new.html", user, h=None, listable=listable, errors={})
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
    deadline = parse_date(values["deadline"])
    if errors and deadline and "deadline" not in errors:
        # The schema stopped before the service's date check: name that problem in the same round.
        try:
            service.check_deadline(deadline)
        except BadInput as exc:
            errors["deadline"] = exc.detail
    if errors or case is None:
        return _new_form(request, session, user, int(raw), values, errors)
    return redirect_done(f"/supervision/cases/{case.id}", "list")


# ---------------------------------------------------------------- a case and its actions


@router.get("/supervision/cases/{case_id:int}")
def case_detail(request: Request, session: DbSession, user: PageUser, case_id: int) -> Response:
    case = service.detail(session, user, case_id)
    model = service.get_readable(session, user, case_id)
    response = page(
        request,
        session,
        "case.html",
        user,
        case=case,
        next=next_steps.describe(session, user, model, case["issuer_region_name"]),
        done=done_notice(request, done_message),
        label=t.label,
        CONFIRM=CONFIRM,
    )
    return forget_done(request, response)


def _action_form(
    request: Request,
    session: Session,
    user: Principal,
    case_id: int,
    action: str,
    values: dict[str, Any],
    errors: Errors,
    photos: list[int] | None = None,
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
        refusal=None if action in case["allowed_actions"] else _refusal(session, user, case_id, action),
        inputs=ACTION_INPUTS[action],
        note_label=NOTE_LABELS.get(action, "说明"),
        confirm=CONFIRM.get(action),
        verifiers=service.verifier_candidates(session, user, case_id) if action == "assign_verifier" else [],
        KINDS=ENFORCEMENT_KINDS,
        LEVELS=LEVELS,
        values={"verifier_id": user.id, **values},
        errors=errors,
        kept_photos=photos or [],
    )


def _refusal(session: Session, user: Principal, case_id: int, action: str) -> str:
    """Why the viewer may not take this action now, in the table's words."""
    if user.role == "township":
        return "乡镇(街道)用户为只读权限"
    return t.refusal(t.Ctx(session, service.get_readable(session, user, case_id), user), action) or ""


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
    # Saved before the write, so a form that comes back with errors keeps them (see keep_photos).
    photos, photo_errors = (
        keep_photos(session, user, form, "photo", case.enterprise_id) if "photo" in inputs else ([], {})
    )

    def write() -> Any:
        body = ActionIn.model_validate(
            {**{k: v for k, v in values.items() if v is not None}, "attachments": photos}
        )
        done = service.act(session, user, case_id, action, body)
        refuse_if(photo_errors)  # the service's own checks ran too; now roll the action back
        return done

    _, errors = attempt(session, write, rename={"attachments": "photo"})
    errors = {**photo_errors, **errors}
    if errors:
        return _action_form(request, session, user, case_id, action, values, errors, photos)
    return redirect_done(f"/supervision/cases/{case_id}", action)
