"""挂牌督办: listing a 重大事故隐患, the workflow actions, boards, history and the public 公告."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import workdays
from app.attachments import service as attachments
from app.audit import service as audit
from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import Principal
from app.db import SelectT
from app.documents import service as documents
from app.documents.models import Document
from app.documents.numbering import Number
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.hazards import service as hazards
from app.hazards.models import FINISHED as HAZARD_FINISHED
from app.hazards.models import Hazard
from app.notifications import service as notifications
from app.regions.models import Region
from app.rules_engine import time_limit
from app.supervision import numbering
from app.supervision import transitions as t
from app.supervision.models import (
    ENFORCEMENT_KINDS,
    FINISHED,
    LEVEL_ORDER,
    LEVELS,
    OPEN_STATES,
    RUNNING,
    STATES,
    SUBJECT_TYPES,
    Announcement,
    SupervisionCase,
    SupervisionEvent,
)
from app.supervision.schemas import ActionIn, CaseIn
from app.timeutil import local_today

NOTICE_KIND = "supervision.notice"

AUDITED = [
    "state",
    "level",
    "deadline",
    "notice_number",
    "issuer_region_code",
    "issuer_department",
    "verifier_id",
    "extension_until",
    "closed_on",
]
BOARD_ROWS = 50


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """Cases of the enterprises the caller may read (the enterprise scoping rule, reused)."""
    return enterprises.owned_by_readable(stmt, SupervisionCase.enterprise_id, user)


def get_readable(session: Session, user: Principal, case_id: int) -> SupervisionCase:
    case = session.scalar(readable(select(SupervisionCase).where(SupervisionCase.id == case_id), user))
    if case is None:
        raise NotFound(f"督办事项 {case_id} 不存在")
    return case


def open_case_for(session: Session, subject_type: str, subject_id: int) -> SupervisionCase | None:
    return session.scalar(
        select(SupervisionCase).where(
            SupervisionCase.subject_type == subject_type,
            SupervisionCase.subject_id == subject_id,
            SupervisionCase.state.not_in(FINISHED),
        )
    )


def hazard_close_guard(session: Session, hazard: Any) -> str | None:
    """Registered in app.hazards.transitions.close_guards: no 销号 while the hazard is under 督办."""
    case = open_case_for(session, "hazard", hazard.id)
    if case is None:
        return None
    return f"该隐患正在挂牌督办（{case.notice_number}，{STATES[case.state]}），须经督办部门核查后摘牌销号"


# ---------------------------------------------------------------- helpers


def _limit_days(day: date, key: str) -> date:
    limit = time_limit(key)
    return workdays.add_days(day, limit.value, limit.unit)


def _event(
    session: Session,
    user: Principal,
    case: SupervisionCase,
    action: str,
    from_state: str | None,
    note: str | None = None,
    attachment_ids: list[int] | None = None,
    data: dict[str, Any] | None = None,
) -> SupervisionEvent:
    ev = SupervisionEvent(
        case_id=case.id,
        actor_id=user.id or None,
        actor_name=user.display_name,
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        attachments=attachment_ids or [],
        data=data,
    )
    session.add(ev)
    return ev


def _notify(
    session: Session, user_ids: list[int], kind: str, title: str, body: str, case: SupervisionCase
) -> None:
    if not user_ids:
        return
    notifications.notify(
        session,
        user_ids=user_ids,
        kind=kind,
        title=title,
        body=body,
        link=f"/supervision/cases/{case.id}",
        enterprise_id=case.enterprise_id,
    )


def issuer_users(session: Session, case: SupervisionCase) -> list[int]:
    """The issuing department's active inspectors (plus the one who listed the case)."""
    ids = set(
        session.scalars(
            select(User.id).where(
                User.role == "inspector",
                User.is_active.is_(True),
                User.region_code == case.issuer_region_code,
                User.department == case.issuer_department,
            )
        )
    )
    if case.issued_by:
        ids.add(case.issued_by)
    return sorted(ids)


def _announce(session: Session, case: SupervisionCase, kind: str) -> None:
    ent = session.get_one(Enterprise, case.enterprise_id)
    region = session.get_one(Region, case.region_code)
    session.add(
        Announcement(
            case_id=case.id,
            kind=kind,
            published_on=local_today(),
            enterprise_name=ent.name,
            summary=case.summary,
            level=case.level,
            region_code=region.code,
            region_name=region.name,
            region_path=region.path,
            notice_number=case.notice_number,
        )
    )


def _issue_number(session: Session, region: Region, department: str, level: str) -> tuple[str, int, int, str]:
    year = local_today().year
    prefix = numbering.notice_prefix(region.code, region.name, level, department)
    no = numbering.next_number(session, numbering.sequence_key(region.code, prefix), year)
    return prefix, year, no, numbering.format_number(prefix, year, no)


def _issue_notice(session: Session, user: Principal, case: SupervisionCase) -> None:
    """督办通知书 through the documents module: rendered once for the case's current number and stored
    (PDF + hash); the notice page shows the latest one (app/supervision/router.py notice_page)."""
    ent = session.get_one(Enterprise, case.enterprise_id)
    codes = [case.region_code, case.issuer_region_code]
    names = {r.code: r.name for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    context = {
        "case_id": case.id,
        "subject_type": case.subject_type,
        "subject_label": SUBJECT_TYPES[case.subject_type],
        "enterprise_name": ent.name,
        "addressees": notice_addressees(ent.name, case.responsible_unit),
        "summary": case.summary,
        "level_label": LEVELS[case.level],
        "issuer_department": case.issuer_department,
        "issuer_region_name": names.get(case.issuer_region_code, ""),
        "region_name": names.get(case.region_code, ""),
        "responsible_unit": case.responsible_unit,
        "requirements": case.requirements,
        "deadline": case.deadline,
    }
    key = numbering.sequence_key(case.issuer_region_code, case.notice_prefix)
    documents.issue(
        session,
        user,
        kind=NOTICE_KIND,
        title="督办通知书",
        template="supervision/notice_document.html",
        context=context,
        enterprise_id=case.enterprise_id,
        subject_type="supervision_case",
        subject_id=case.id,
        number=Number(key=key, year=case.notice_year, no=case.notice_no, prefix=case.notice_prefix),
        issuer=case.issuer_department,
    )


def notice_document(session: Session, user: Principal, case_id: int) -> Document | None:
    """The latest 督办通知书 issued for the case (None for cases listed before notices were stored)."""
    docs = documents.for_subject(session, user, "supervision_case", case_id)
    notices = [d for d in docs if d.kind == NOTICE_KIND]
    return notices[-1] if notices else None


def _summary(description: str) -> str:
    text = " ".join(description.split())
    return text if len(text) <= 120 else text[:119] + "…"


# ---------------------------------------------------------------- listing


def check_deadline(deadline: date) -> None:
    """A new case's 整改期限: later than today and within the rectification limit (pages check it early)."""
    today = local_today()
    if deadline <= today:
        raise BadInput("整改期限须晚于今天", field="deadline")
    latest = _add_limit(today, "rectification_max")
    if deadline > latest:
        raise BadInput(f"整改期限最长至 {latest.isoformat()}", field="deadline")


def list_case(session: Session, user: Principal, data: CaseIn) -> SupervisionCase:
    """挂牌督办: the inspector's department lists a 重大事故隐患 at its own level, with a numbered notice."""
    if user.role != "inspector":
        raise Forbidden("挂牌督办须由监管部门人员以本部门名义发出")
    if not user.department:
        raise BadInput("您的账号未设置所属部门，无法作为督办部门发文", field="department")
    region = session.get(Region, user.region_code) if user.region_code else None
    if region is None or region.level not in LEVELS:
        raise Forbidden("只有省、市、县（区）级监管部门可以挂牌督办")
    if data.level is not None and data.level != region.level:
        raise BadInput(
            f"督办级别须与发文部门所在行政区级别一致：{region.name}只能{LEVELS[region.level]}挂牌督办",
            field="level",
        )
    if data.subject_type == "accident_investigation":
        # The accident domain decides what may be listed (level policy, state); 404 outside scope.
        from app.accidents import service as accidents

        enterprise_id, summary = accidents.listable_subject(session, user, data.subject_id)
    else:
        hazard = hazards.get_readable(session, user, data.subject_id)  # 404 outside the inspector's region
        if hazard.grade != "major":
            raise BadInput("只有重大事故隐患可以挂牌督办", field="subject_id")
        if not hazards.is_open(session, hazard.id):
            raise Conflict("该隐患已销号或已撤销，不能挂牌督办", field="subject_id")
        enterprise_id, summary = hazard.enterprise_id, _summary(hazard.description)
    existing = open_case_for(session, data.subject_type, data.subject_id)
    if existing is not None:
        what = "该隐患" if data.subject_type == "hazard" else "该事故调查"
        raise Conflict(f"{what}已挂牌督办（{existing.notice_number}）", field="subject_id")
    check_deadline(data.deadline)
    today = local_today()
    ent = session.get_one(Enterprise, enterprise_id)
    ent_region = session.get_one(Region, ent.region_code)
    prefix, year, no, number = _issue_number(session, region, user.department, region.level)
    case = SupervisionCase(
        subject_type=data.subject_type,
        subject_id=data.subject_id,
        enterprise_id=ent.id,
        region_code=ent_region.code,
        region_path=ent_region.path,
        level=region.level,
        issuer_region_code=region.code,
        issuer_region_path=region.path,
        issuer_department=user.department,
        issued_by=user.id,
        notice_prefix=prefix,
        notice_year=year,
        notice_no=no,
        notice_number=number,
        summary=summary,
        responsible_unit=data.responsible_unit,
        requirements=data.requirements,
        listed_on=today,
        original_deadline=data.deadline,
        deadline=data.deadline,
        state="listed",
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # A concurrent listing of the same hazard got there first (partial unique index).
        raise Conflict("该隐患已挂牌督办", field="subject_id") from None
    _event(session, user, case, "list", None, data.requirements, data={"notice_number": number})
    _announce(session, case, "listing")
    _issue_notice(session, user, case)
    audit.record(
        session,
        user,
        "list",
        "supervision_case",
        case.id,
        after=audit.snapshot(case, AUDITED),
        enterprise_id=ent.id,
        region_path=ent_region.path,
    )
    _notify(
        session,
        notifications.enterprise_users(session, ent.id),
        "supervision_listed",
        f"{SUBJECT_TYPES[case.subject_type]}挂牌督办：{number}",
        f"{case.issuer_department}对贵单位{SUBJECT_TYPES[case.subject_type]}“{case.summary}”{LEVELS[case.level]}挂牌督办，"
        f"整改期限 {case.deadline.isoformat()}，请签收督办通知书并按要求整改。",
        case,
    )
    return case


def _add_limit(day: date, key: str) -> date:
    """day + a limit in months/years/days (rectification_max is in years)."""
    limit = time_limit(key)
    if limit.unit == "years":
        try:
            return day.replace(year=day.year + limit.value)
        except ValueError:  # 29 Feb
            return day.replace(year=day.year + limit.value, day=28)
    if limit.unit == "months":
        y, m = divmod(day.month - 1 + limit.value, 12)
        return date(day.year + y, m + 1, min(day.day, 28))
    return workdays.add_days(day, limit.value, limit.unit)


# ---------------------------------------------------------------- actions


@dataclass
class Effect:
    note: str | None = None
    attachments: list[int] | None = None
    data: dict[str, Any] | None = None


def _need_note(body: ActionIn, what: str) -> str:
    if not body.note:
        raise BadInput(f"请填写{what}", field="note")
    return body.note


def _acknowledge(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    return Effect(body.note or "已签收督办通知书")


def _progress(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    return Effect(_need_note(body, "整改进展"), body.attachments)


def _request_extension(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    reason = _need_note(body, "延期理由")
    if body.new_deadline is None:
        raise BadInput("请填写申请延期至的日期", field="new_deadline")
    if body.new_deadline <= case.deadline:
        raise BadInput(f"延期后的期限须晚于现整改期限 {case.deadline.isoformat()}", field="new_deadline")
    case.extension_until = body.new_deadline
    case.extension_reason = reason
    case.extension_requested_on = local_today()
    limit = time_limit("extension_decision")
    decide_by, calendar = workdays.add_days_explained(local_today(), limit.value, limit.unit)
    _notify(
        session,
        issuer_users(session, case),
        "supervision_extension_requested",
        f"督办事项延期申请：{case.notice_number}",
        f"企业申请将整改期限延至 {body.new_deadline.isoformat()}，理由：{reason}。"
        f"请于 {decide_by.isoformat()} 前作出决定。",
        case,
    )
    return Effect(
        reason,
        body.attachments,
        {
            "requested_until": body.new_deadline.isoformat(),
            "decide_by": decide_by.isoformat(),
            # Which holiday data the working-day count used (rule file, chinese-calendar or estimate).
            "decide_by_calendar": [c["detail"] for c in calendar],
        },
    )


def _approve_extension(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    assert case.extension_until is not None
    new = body.new_deadline or case.extension_until
    if new <= case.deadline:
        raise BadInput(f"新的整改期限须晚于 {case.deadline.isoformat()}", field="new_deadline")
    old = case.deadline
    case.deadline = new
    case.extension_until = case.extension_reason = case.extension_requested_on = None
    if new >= local_today():
        case.overdue_since = None
        case.escalation_suggested = False
    _notify(
        session,
        notifications.enterprise_users(session, case.enterprise_id),
        "supervision_extension_decided",
        f"延期申请已批准：{case.notice_number}",
        f"整改期限由 {old.isoformat()} 延至 {new.isoformat()}。",
        case,
    )
    return Effect(
        body.note, body.attachments, {"old_deadline": old.isoformat(), "new_deadline": new.isoformat()}
    )


def _refuse_extension(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    reason = _need_note(body, "不予延期的理由")
    requested = case.extension_until
    case.extension_until = case.extension_reason = case.extension_requested_on = None
    _notify(
        session,
        notifications.enterprise_users(session, case.enterprise_id),
        "supervision_extension_decided",
        f"延期申请未获批准：{case.notice_number}",
        f"整改期限仍为 {case.deadline.isoformat()}。理由：{reason}",
        case,
    )
    return Effect(reason, body.attachments, {"requested_until": requested.isoformat() if requested else None})


def _apply_closure(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    report = _need_note(body, "整改验收报告（整改完成情况）")
    if not body.attachments:
        raise BadInput("申请销号须附整改前后照片或验收文件", field="attachments")
    case.closure_applied_on = local_today()
    case.verification_due = _limit_days(local_today(), "verification")
    _notify(
        session,
        issuer_users(session, case),
        "supervision_closure_applied",
        f"督办事项申请销号：{case.notice_number}",
        f"企业已完成整改并申请销号，请于 {case.verification_due.isoformat()} 前组织核查。",
        case,
    )
    return Effect(report, body.attachments, {"verification_due": case.verification_due.isoformat()})


def _assign_verifier(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    if body.verifier_id is None:
        raise BadInput("请指定核查人员", field="verifier_id")
    verifier = session.get(User, body.verifier_id)
    if verifier is None or not verifier.is_active:
        raise BadInput(f"用户 {body.verifier_id} 不存在", field="verifier_id")
    if verifier.role != "inspector" or not t.has_authority(auth.principal_for(session, verifier), case):
        raise BadInput("核查人员须是督办部门或其上级部门的监管人员", field="verifier_id")
    case.verifier_id = verifier.id
    _notify(
        session,
        [verifier.id],
        "supervision_verification_assigned",
        f"督办事项核查：{case.notice_number}",
        f"请于 {case.verification_due.isoformat() if case.verification_due else ''} 前完成现场核查。",
        case,
    )
    return Effect(body.note, body.attachments, {"verifier": verifier.display_name})


def _pass(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    opinion = _need_note(body, "核查意见")
    case.closed_on = local_today()
    return Effect(opinion, body.attachments)


def _fail(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    case = ctx.case
    reasons = _need_note(body, "核查不通过的理由和整改要求")
    data: dict[str, Any] = {}
    if body.new_deadline is not None:
        if body.new_deadline <= local_today():
            raise BadInput("新的整改期限须晚于今天", field="new_deadline")
        data = {"old_deadline": case.deadline.isoformat(), "new_deadline": body.new_deadline.isoformat()}
        case.deadline = body.new_deadline
    case.closure_applied_on = case.verification_due = case.verifier_id = None
    _notify(
        session,
        notifications.enterprise_users(session, case.enterprise_id),
        "supervision_verification_failed",
        f"督办事项核查未通过：{case.notice_number}",
        f"核查未通过，请继续整改。理由：{reasons}",
        case,
    )
    return Effect(reasons, body.attachments, data or None)


def _revoke(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    return Effect(_need_note(body, "撤销理由"), body.attachments)


def _escalate(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    """提级督办: the higher department takes the case over and issues its own notice number."""
    case, user = ctx.case, ctx.user
    target_level: str
    if user.is_admin:
        if body.level is None or body.department is None:
            raise BadInput(
                "管理员提级督办须指定目标级别和督办部门",
                field="level" if body.level is None else "department",
            )
        target_level, department = body.level, body.department
    else:
        actor_region = session.get_one(Region, user.region_code)
        target_level, department = actor_region.level, user.department or ""
        if body.level is not None and body.level != target_level:
            raise BadInput(f"您只能提级为{LEVELS[target_level]}督办", field="level")
    if target_level not in LEVELS or LEVEL_ORDER.index(target_level) <= LEVEL_ORDER.index(case.level):
        raise BadInput(
            f"提级督办须由上级部门执行：当前为{LEVELS[case.level]}督办，须由更高一级部门提级", field="level"
        )
    codes = [c for c in case.issuer_region_path.split("/") if c]
    target = session.scalar(select(Region).where(Region.code.in_(codes), Region.level == target_level))
    if target is None:
        raise BadInput(f"督办部门所在行政区没有{LEVELS[target_level]}上级", field="level")
    old = {"level": case.level, "notice_number": case.notice_number, "issuer": case.issuer_department}
    prefix, year, no, number = _issue_number(session, target, department, target_level)
    case.level = target_level
    case.issuer_region_code, case.issuer_region_path = target.code, target.path
    case.issuer_department, case.issued_by = department, user.id or None
    case.notice_prefix, case.notice_year, case.notice_no, case.notice_number = prefix, year, no, number
    _issue_notice(session, user, case)
    _notify(
        session,
        notifications.enterprise_users(session, case.enterprise_id),
        "supervision_escalated",
        f"督办事项提级：{number}",
        f"原{old['notice_number']}改由{department}{LEVELS[target_level]}挂牌督办，"
        f"整改期限 {case.deadline.isoformat()}。",
        case,
    )
    new = {"level": target_level, "notice_number": number, "issuer": department}
    return Effect(body.note, body.attachments, {"from": old, "to": new})


def _enforcement(session: Session, ctx: t.Ctx, body: ActionIn) -> Effect:
    if body.kind is None:
        raise BadInput("请选择处置类别：约谈、行政处罚或停产整顿", field="kind")
    text = _need_note(body, f"{ENFORCEMENT_KINDS[body.kind]}的情况（文书内容）")
    return Effect(text, body.attachments, {"kind": body.kind, "kind_label": ENFORCEMENT_KINDS[body.kind]})


EFFECTS: dict[str, Callable[[Session, t.Ctx, ActionIn], Effect]] = {
    "acknowledge": _acknowledge,
    "report_progress": _progress,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "apply_closure": _apply_closure,
    "assign_verifier": _assign_verifier,
    "pass_verification": _pass,
    "fail_verification": _fail,
    "revoke": _revoke,
    "escalate": _escalate,
    "record_enforcement": _enforcement,
}
assert set(EFFECTS) == set(t.ACTIONS)


def act(session: Session, user: Principal, case_id: int, action: str, body: ActionIn) -> SupervisionCase:
    """Apply one action of the table; 409 with the allowed actions when it is not allowed now."""
    case = get_readable(session, user, case_id)
    ctx = t.Ctx(session, case, user)
    if action not in EFFECTS:
        raise NotFound(f"未知操作 {action}，可选：{', '.join(t.ACTIONS)}", field="action")
    if body.version != case.version:
        raise Conflict(
            f"督办事项已被他人修改（当前版本 {case.version}），请刷新后重试",
            field="version",
            extra={"current_version": case.version, "allowed_actions": allowed_actions(session, user, case)},
        )
    reason = t.refusal(ctx, action)
    if reason:
        raise Conflict(
            reason,
            field="action",
            extra={"state": case.state, "allowed_actions": allowed_actions(session, user, case)},
        )
    next_state = t.WORKFLOW.next_state(case.state, action)
    before = audit.snapshot(case, AUDITED)
    from_state = case.state
    effect = EFFECTS[action](session, ctx, body)
    ids = attachments.check_ids(session, user, effect.attachments or [], case.enterprise_id)
    case.state = next_state
    session.flush()  # bumps the version; a concurrent writer that got here first makes this a 409
    _event(session, user, case, action, from_state, effect.note, ids, effect.data)
    if action == "pass_verification":
        # The case is closed first, so the hazard's close guard lets the regulator's 销号 through.
        if case.subject_type == "hazard":
            hazards.close_by_regulator(
                session,
                user,
                case.subject_id,
                f"挂牌督办核查通过摘牌销号（{case.notice_number}）：{effect.note}",
            )
        _announce(session, case, "closure")
        _notify(
            session,
            notifications.enterprise_users(session, case.enterprise_id),
            "supervision_closed",
            f"督办事项已摘牌销号：{case.notice_number}",
            "经核查验收合格，准予摘牌销号。",
            case,
        )
    audit.record(
        session,
        user,
        action,
        "supervision_case",
        case.id,
        before=before,
        after=audit.snapshot(case, AUDITED),
        enterprise_id=case.enterprise_id,
        region_path=case.region_path,
        note=effect.note,
    )
    return case


def allowed_actions(session: Session, user: Principal, case: SupervisionCase) -> list[str]:
    if user.role == "township":
        return []
    return t.allowed_actions(t.Ctx(session, case, user))


# ---------------------------------------------------------------- overdue (daily job)


def mark_overdue(session: Session, actor: Principal, today: date | None = None) -> dict[str, int]:
    """Mark cases past their deadline, notify both sides, and suggest 提级督办 once the policy's
    grace after the deadline has passed. Idempotent: a case is marked and suggested once."""
    today = today or local_today()
    marked = suggested = 0
    rows = session.scalars(
        select(SupervisionCase)
        .where(SupervisionCase.state.in_(RUNNING), SupervisionCase.deadline < today)
        .where((SupervisionCase.overdue_since.is_(None)) | (SupervisionCase.escalation_suggested.is_(False)))
        .order_by(SupervisionCase.id)
    )
    for case in rows:
        if case.overdue_since is None:
            case.overdue_since = case.deadline + timedelta(days=1)
            marked += 1
            _event(
                session,
                actor,
                case,
                "mark_overdue",
                case.state,
                f"整改期限 {case.deadline.isoformat()} 已过，未申请销号",
            )
            _notify(
                session,
                notifications.enterprise_users(session, case.enterprise_id) + issuer_users(session, case),
                "supervision_overdue",
                f"督办事项逾期：{case.notice_number}",
                f"整改期限 {case.deadline.isoformat()} 已过，尚未申请销号。",
                case,
            )
        grace_end = _limit_days(case.deadline, "supervision_escalation_after_overdue")
        if not case.escalation_suggested and today > grace_end and case.level != LEVEL_ORDER[-1]:
            case.escalation_suggested = True
            suggested += 1
            _event(
                session,
                actor,
                case,
                "mark_overdue",
                case.state,
                f"逾期超过 {grace_end.isoformat()}，建议提级督办，并视情约谈、处罚或责令停产整顿",
                data={"escalation_suggested": True},
            )
            _notify(
                session,
                issuer_users(session, case),
                "supervision_escalation_suggested",
                f"建议提级督办：{case.notice_number}",
                "督办事项逾期未整改，建议提级督办，并视情约谈、处罚或责令停产整顿。",
                case,
            )
        audit.record(
            session,
            actor,
            "mark_overdue",
            "supervision_case",
            case.id,
            after={
                "overdue_since": case.overdue_since.isoformat(),
                "escalation_suggested": case.escalation_suggested,
            },
            enterprise_id=case.enterprise_id,
            region_path=case.region_path,
        )
    session.flush()
    return {"marked_overdue": marked, "escalation_suggested": suggested}


# ---------------------------------------------------------------- reading


def _pairs(session: Session, stmt: Any) -> dict[Any, Any]:
    # dict(result) would take the Result for a mapping (it has .keys()): build it from the rows.
    return {k: v for k, v in session.execute(stmt)}


def _names(session: Session, cases: list[SupervisionCase]) -> tuple[dict[int, str], dict[str, str]]:
    ent_ids = {c.enterprise_id for c in cases}
    codes = {c.region_code for c in cases} | {c.issuer_region_code for c in cases}
    ents = (
        _pairs(session, select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ent_ids)))
        if ent_ids
        else {}
    )
    regs = _pairs(session, select(Region.code, Region.name).where(Region.code.in_(codes))) if codes else {}
    return ents, regs


def to_out(case: SupervisionCase, ents: dict[int, str], regs: dict[str, str], today: date) -> dict[str, Any]:
    overdue = case.state in RUNNING and case.deadline < today
    return {
        "id": case.id,
        "subject_type": case.subject_type,
        "subject_id": case.subject_id,
        "enterprise_id": case.enterprise_id,
        "enterprise_name": ents.get(case.enterprise_id),
        "region_code": case.region_code,
        "region_name": regs.get(case.region_code),
        "level": case.level,
        "level_label": LEVELS[case.level],
        "issuer_region_code": case.issuer_region_code,
        "issuer_region_name": regs.get(case.issuer_region_code),
        "issuer_department": case.issuer_department,
        "notice_number": case.notice_number,
        "summary": case.summary,
        "responsible_unit": case.responsible_unit,
        "requirements": case.requirements,
        "listed_on": case.listed_on,
        "original_deadline": case.original_deadline,
        "deadline": case.deadline,
        "state": case.state,
        "state_label": STATES[case.state],
        "is_overdue": overdue,
        "days_overdue": (today - case.deadline).days if overdue else 0,
        "extension_until": case.extension_until,
        "extension_reason": case.extension_reason,
        "closure_applied_on": case.closure_applied_on,
        "verification_due": case.verification_due,
        "verifier_id": case.verifier_id,
        "escalation_suggested": case.escalation_suggested,
        "closed_on": case.closed_on,
        "version": case.version,
    }


def notice_addressees(enterprise_name: str | None, responsible_unit: str | None) -> list[str]:
    """The 督办通知书's addressees: the enterprise, then the 整改责任单位 (often the enterprise itself;
    several units are separated by 、), each once, in order."""
    out: list[str] = []
    for part in [enterprise_name or "", *(responsible_unit or "").split("、")]:
        part = " ".join(part.split())
        if part and part not in out:
            out.append(part)
    return out


def _outs(session: Session, cases: list[SupervisionCase]) -> list[dict[str, Any]]:
    ents, regs = _names(session, cases)
    today = local_today()
    return [to_out(c, ents, regs, today) for c in cases]


def events_of(session: Session, case_id: int) -> list[SupervisionEvent]:
    return list(
        session.scalars(
            select(SupervisionEvent).where(SupervisionEvent.case_id == case_id).order_by(SupervisionEvent.id)
        )
    )


def event_out(ev: SupervisionEvent) -> dict[str, Any]:
    return {
        "id": ev.id,
        "at": ev.at,
        "actor_name": ev.actor_name,
        "action": ev.action,
        "action_label": t.label(ev.action),
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "note": ev.note,
        "attachments": ev.attachments,
        "data": ev.data,
    }


def detail(session: Session, user: Principal, case_id: int) -> dict[str, Any]:
    case = get_readable(session, user, case_id)
    out = _outs(session, [case])[0]
    actions = allowed_actions(session, user, case)
    out["allowed_actions"] = actions
    out["allowed_action_labels"] = {a: t.label(a) for a in actions}
    out["events"] = [event_out(e) for e in events_of(session, case.id)]
    return out


def list_cases(
    session: Session,
    user: Principal,
    *,
    state: str | None = None,
    level: str | None = None,
    region: str | None = None,
    overdue: bool | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    stmt = readable(select(SupervisionCase), user)
    if state:
        if state not in STATES:
            raise BadInput(f"状态 {state!r} 无效，可选：{', '.join(STATES)}", field="state")
        stmt = stmt.where(SupervisionCase.state == state)
    if level:
        if level not in LEVELS:
            raise BadInput(f"级别 {level!r} 无效，可选：{', '.join(LEVELS)}", field="level")
        stmt = stmt.where(SupervisionCase.level == level)
    if region:
        stmt = stmt.where(SupervisionCase.region_path.like(_region_path(session, region) + "%"))
    if overdue:
        stmt = stmt.where(SupervisionCase.state.in_(RUNNING), SupervisionCase.deadline < local_today())
    if after_id:
        stmt = stmt.where(SupervisionCase.id > after_id)
    return _outs(session, list(session.scalars(stmt.order_by(SupervisionCase.id).limit(min(limit, 500)))))


def _region_path(session: Session, code: str) -> str:
    path = session.scalar(select(Region.path).where(Region.code == code))
    if path is None:
        raise BadInput(f"行政区 {code} 不存在", field="region")
    return path


def board(session: Session, user: Principal) -> dict[str, Any]:
    """What needs attention: the regulator's board, or the enterprise's cases with its next actions."""
    today = local_today()
    if user.role == "enterprise":
        cases = list(
            session.scalars(
                readable(select(SupervisionCase), user)
                .order_by(
                    sql_case((SupervisionCase.state.in_(FINISHED), 1), else_=0), SupervisionCase.deadline
                )
                .limit(200)
            )
        )
        outs = _outs(session, cases)
        for out, case in zip(outs, cases, strict=True):
            acts = allowed_actions(session, user, case)
            out["allowed_actions"] = acts
            out["next_steps"] = [t.label(a) for a in acts]
        return {"role": "enterprise", "cases": outs}
    soon = _limit_days(today, "supervision_due_soon")
    base = readable(select(SupervisionCase), user)
    by_state = _pairs(
        session, readable(select(SupervisionCase.state, func.count()), user).group_by(SupervisionCase.state)
    )
    running = SupervisionCase.state.in_(RUNNING)

    def rows(*where: Any, order: Any) -> dict[str, Any]:
        stmt = base.where(*where)
        total = session.scalar(readable(select(func.count(SupervisionCase.id)), user).where(*where)) or 0
        items = list(session.scalars(stmt.order_by(order, SupervisionCase.id).limit(BOARD_ROWS)))
        return {"total": total, "items": _outs(session, items)}

    return {
        "role": user.role,
        "read_only": user.role == "township",
        "today": today,
        "due_soon_until": soon,
        "by_state": {s: {"label": STATES[s], "count": by_state.get(s, 0)} for s in STATES},
        "open": sum(by_state.get(s, 0) for s in OPEN_STATES),
        "due_soon": rows(
            running,
            SupervisionCase.deadline >= today,
            SupervisionCase.deadline <= soon,
            order=SupervisionCase.deadline,
        ),
        "overdue": rows(running, SupervisionCase.deadline < today, order=SupervisionCase.deadline),
        "verification_due": rows(
            SupervisionCase.state.in_(("closure_applied", "verifying")),
            order=SupervisionCase.verification_due,
        ),
        "escalation_suggested": rows(
            running, SupervisionCase.escalation_suggested.is_(True), order=SupervisionCase.deadline
        ),
    }


def listable_hazards(session: Session, user: Principal, limit: int = BOARD_ROWS) -> dict[str, Any]:
    """Open 重大事故隐患 in the inspector's scope that are not under 督办: what the board offers to 挂牌
    (list_case checks level, scope and state again). Oldest finding first. Nobody else lists a case."""
    if user.role != "inspector":
        return {"total": 0, "items": []}
    under = (
        select(SupervisionCase.id)
        .where(
            SupervisionCase.subject_type == "hazard",
            SupervisionCase.subject_id == Hazard.id,
            SupervisionCase.state.not_in(FINISHED),
        )
        .exists()
    )
    stmt = hazards.readable(select(Hazard), user).where(
        Hazard.grade == "major", Hazard.state.not_in(HAZARD_FINISHED), ~under
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Hazard.found_on, Hazard.id).limit(limit)))
    names = hazards.enterprise_names(session, {h.enterprise_id for h in rows})
    return {"total": total, "items": [hazards.to_out(h, names.get(h.enterprise_id)) for h in rows]}


def stats(
    session: Session, user: Principal, region: str | None = None, *, open_only: bool = True
) -> dict[str, Any]:
    """Counts per child region and level under a region (default: the caller's own region)."""
    if region is None:
        if user.role == "enterprise":
            raise Forbidden("企业用户不能查看区域统计")
        region = user.region_code or session.scalar(
            select(Region.code).where(Region.parent_code.is_(None)).order_by(Region.code)
        )
        if region is None:
            return {"region": None, "rows": []}
    parent_path = _region_path(session, region)
    if user.role != "admin" and not parent_path.startswith(user.region_path or "\0"):
        raise NotFound(f"行政区 {region} 不存在")
    child = select(Region.code, Region.name, Region.path).where(Region.parent_code == region).subquery()
    stmt = (
        select(child.c.code, child.c.name, SupervisionCase.level, func.count(SupervisionCase.id))
        .join(SupervisionCase, SupervisionCase.region_path.like(child.c.path + "%"))
        .group_by(child.c.code, child.c.name, SupervisionCase.level)
    )
    stmt = readable(stmt, user)
    if open_only:
        stmt = stmt.where(SupervisionCase.state.not_in(FINISHED))
    table: dict[str, dict[str, Any]] = {}
    for code, name, level, n in session.execute(stmt):
        row = table.setdefault(
            code, {"region_code": code, "region_name": name, **{lv: 0 for lv in LEVELS}, "total": 0}
        )
        row[level] += n
        row["total"] += n
    return {
        "region": region,
        "open_only": open_only,
        "rows": sorted(table.values(), key=lambda r: r["region_code"]),
    }


# ---------------------------------------------------------------- 公告 (public)

PUBLIC_FIELDS = (
    "kind",
    "published_on",
    "enterprise_name",
    "summary",
    "level",
    "region_code",
    "region_name",
    "notice_number",
)
KIND_LABELS = {"listing": "挂牌督办", "closure": "摘牌销号"}


def announcements(
    session: Session, *, region: str | None = None, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Published listings and closures, newest publication date first (then the later one of a day);
    only public facts (no people, no user ids). `before_id`: the page after that announcement."""
    limit = max(1, min(limit, 200))
    stmt = select(Announcement)
    if region:
        stmt = stmt.where(Announcement.region_path.like(_region_path(session, region) + "%"))
    if before_id:
        # Rows are not published in id order (a case listed on an earlier date may be recorded later).
        day = session.scalar(select(Announcement.published_on).where(Announcement.id == before_id))
        earlier_that_day = Announcement.id < before_id
        stmt = stmt.where(
            earlier_that_day
            if day is None
            else (Announcement.published_on < day) | ((Announcement.published_on == day) & earlier_that_day)
        )
    order = (Announcement.published_on.desc(), Announcement.id.desc())
    rows = session.scalars(stmt.order_by(*order).limit(limit))
    return [
        {
            "id": a.id,
            **{f: getattr(a, f) for f in PUBLIC_FIELDS},
            "kind_label": KIND_LABELS[a.kind],
            "level_label": LEVELS[a.level],
        }
        for a in rows
    ]


def verifier_candidates(session: Session, user: Principal, case_id: int) -> list[tuple[int, str]]:
    """Inspectors over the case's region with authority to verify it: (user id, name and department)."""
    case = get_readable(session, user, case_id)
    people = session.scalars(
        select(User).where(User.id.in_(notifications.inspectors_for(session, case.region_code)))
    )
    return [
        (person.id, f"{person.display_name}（{person.department or '—'}）")
        for person in people
        if t.has_authority(auth.principal_for(session, person), case)
    ]
