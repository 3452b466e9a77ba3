"""行政处罚 cases as one transition table: 立案 → 调查取证 → 告知 (陈述、申辩; 听证 on request) → 法制审核
→ 决定 → 送达/执行 → 结案. Time limits come from rules/policies/enforcement.yaml (行政处罚法 2021 第六十条:
a decision within 90 days of 立案). Every step writes a PenaltyEvent (执法全过程记录) and an audit row."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import workdays
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.documents import service as documents
from app.enforcement import schemas as s
from app.enforcement.models import (
    EXECUTION_KINDS,
    PENALTY_FINISHED,
    PENALTY_STATES,
    Inspection,
    PenaltyCase,
    PenaltyEvent,
)
from app.enforcement.service import number_for, policy
from app.enterprises import scope_copy
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.regions.models import Region
from app.rules_engine.models import TimeLimit
from app.timeutil import local_today
from app.workflow import Transition, TransitionTable

REGULATOR = frozenset({"inspector", "admin"})
ACTION_LABELS = {
    "investigate": "开始调查取证",
    "notify": "告知拟处罚（陈述、申辩、听证权利）",
    "request_hearing": "当事人要求听证",
    "to_review": "提交法制审核",
    "return": "法制审核退回补充调查",
    "decide": "作出行政处罚决定",
    "deliver": "送达决定书",
    "close": "执行完毕，结案",
    "withdraw": "撤销立案",
}
AUDITED = ["state", "proposed_fine", "fine", "step_due", "decision_number", "execution"]


@dataclass(frozen=True)
class Ctx:
    session: Session
    case: PenaltyCase
    user: Principal

    @property
    def state(self) -> str:
        return self.case.state

    @property
    def role(self) -> str:
        return self.user.role


def limit(key: str) -> TimeLimit:
    return policy().limit(key)  # type: ignore[no-any-return]


def due_after(start: date, key: str) -> date:
    lim = limit(key)
    if lim.unit == "working_days":
        return workdays.add_days(start, lim.value, "working_days")
    return start + timedelta(days=lim.value)


def _authority(ctx: Ctx) -> str | None:
    """The department that filed the case (same department, the filing region or above), or admin."""
    user, case = ctx.user, ctx.case
    if user.is_admin:
        return None
    if user.department == case.department and (case.region_path or "").startswith(user.region_path or "\0"):
        return None
    return "只有立案的执法部门可以办理此案件"


def _statement_over(ctx: Ctx) -> str | None:
    return _authority(ctx)  # the period itself is checked with the body (a 放弃 may end it early)


def _hearing_in_time(ctx: Ctx) -> str | None:
    notified = ctx.case.notified_on
    if notified is not None and local_today() > due_after(notified, "hearing_request"):
        lim = limit("hearing_request")
        return f"听证要求须在告知后 {lim.value} 日内提出（{lim.citation.render()}），已超过期限"
    return _authority(ctx)


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("filed", "investigate"): ("investigating", REGULATOR, _authority),
    ("investigating", "notify"): ("notified", REGULATOR, _authority),
    ("notified", "request_hearing"): ("hearing", REGULATOR, _hearing_in_time),
    ("notified", "to_review"): ("legal_review", REGULATOR, _statement_over),
    ("hearing", "to_review"): ("legal_review", REGULATOR, _authority),
    ("legal_review", "return"): ("investigating", REGULATOR, _authority),
    ("legal_review", "decide"): ("decided", REGULATOR, _authority),
    ("decided", "deliver"): ("executing", REGULATOR, _authority),
    ("executing", "close"): ("closed", REGULATOR, _authority),
    ("filed", "withdraw"): ("withdrawn", REGULATOR, _authority),
    ("investigating", "withdraw"): ("withdrawn", REGULATOR, _authority),
}


def label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


WORKFLOW = TransitionTable(TABLE, "处罚案件", label)


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """The one scoping rule. 网格员 may read the cases of their area (decisions are published anyway) but
    take no step in them (the table gives them no role)."""
    return scope_copy.readable(stmt, PenaltyCase, user)  # type: ignore[no-any-return]


def get_readable(session: Session, user: Principal, case_id: int) -> PenaltyCase:
    case = session.scalar(readable(select(PenaltyCase).where(PenaltyCase.id == case_id), user))
    if case is None:
        raise NotFound(f"处罚案件 {case_id} 不存在")
    return case


# ---------------------------------------------------------------- 立案


def _event(
    session: Session,
    user: Principal,
    case: PenaltyCase,
    action: str,
    before: str | None,
    note: str | None,
    attachments: list[int] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        PenaltyEvent(
            case_id=case.id,
            actor_id=user.id or None,
            actor_name=user.display_name or user.username,
            action=action,
            from_state=before,
            to_state=case.state,
            note=note,
            attachments=attachments or [],
            data=data,
        )
    )


def file_case(session: Session, user: Principal, body: s.PenaltyCaseIn) -> PenaltyCase:
    if user.role not in REGULATOR:
        raise Forbidden("只有监管部门的执法人员可以立案")
    row = session.execute(_enterprise_stmt(user, body.enterprise_id)).first()
    if row is None:
        raise NotFound(f"企业 {body.enterprise_id} 不存在")
    ent, path = row
    if body.inspection_id is not None:
        insp = session.scalar(
            scope_copy.readable(
                select(Inspection).where(Inspection.id == body.inspection_id), Inspection, user
            )
        )
        if insp is None or insp.enterprise_id != ent.id:
            raise BadInput(f"检查 {body.inspection_id} 不存在或不是该企业的", field="inspection_id")
    today = local_today()
    department = user.department or "监管部门"
    number = number_for(session, user.region_code, path, department, "立", today.year)
    case = PenaltyCase(
        enterprise_id=ent.id,
        **scope_copy.values(path, ent.industry),
        inspection_id=body.inspection_id,
        department=department,
        issuer_region_code=user.region_code,
        case_number=number.text,
        state="filed",
        facts=body.facts,
        legal_basis=body.legal_basis,
        filed_on=today,
        decision_due=due_after(today, "decision"),
        step_due=due_after(today, "investigation"),
        created_by=user.id or None,
    )
    session.add(case)
    session.flush()
    _event(
        session,
        user,
        case,
        "file",
        None,
        body.facts[:200],
        data={"decision_due": case.decision_due.isoformat()},
    )
    audit.record(
        session, user, "create", "penalty_case", case.id, after=audit.snapshot(case, AUDITED),
        enterprise_id=ent.id, region_path=path,
    )  # fmt: skip
    session.flush()
    return case


def _enterprise_stmt(user: Principal, enterprise_id: int) -> Any:
    from app.enterprises import service as enterprises

    return enterprises.readable(
        select(Enterprise, Region.path)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(Enterprise.id == enterprise_id),
        user,
    )


# ---------------------------------------------------------------- effects


Effect = Callable[[Ctx, s.PenaltyActionIn], None]


def _notify(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    if body.proposed_fine is None:
        raise BadInput("告知须写明拟处罚的罚款数额（无罚款填 0）", field="proposed_fine")
    basis = body.legal_basis or ctx.case.legal_basis
    if not basis:
        raise BadInput("告知须写明处罚依据", field="legal_basis")
    case = ctx.case
    case.proposed_fine, case.legal_basis, case.notified_on = body.proposed_fine, basis, local_today()
    case.step_due = max(
        due_after(case.notified_on, "statement"), due_after(case.notified_on, "hearing_request")
    )


def _to_review(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    case = ctx.case
    if case.state == "notified" and not body.waived and case.notified_on is not None:
        end = due_after(case.notified_on, "statement")
        if local_today() <= end:
            lim = limit("statement")
            raise Conflict(
                f"陈述、申辩期（{lim.value} 日，至 {end.isoformat()}）未满，"
                "当事人未放弃陈述、申辩时不能提交法制审核",
                field="waived",
            )
    case.step_due = due_after(local_today(), "legal_review")


def _request_hearing(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    ctx.case.hearing_requested = True
    ctx.case.step_due = ctx.case.decision_due


def _return(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    if not body.note:
        raise BadInput("退回须写明需要补充调查的内容", field="note")
    ctx.case.step_due = ctx.case.decision_due


def _decide(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    case = ctx.case
    if body.fine is None:
        raise BadInput("决定须写明罚款数额（无罚款填 0）", field="fine")
    case.fine, case.decided_on = body.fine, local_today()
    case.step_due = due_after(case.decided_on, "delivery")
    suffix = policy().document("penalty_decision").number_suffix
    number = number_for(
        ctx.session, case.issuer_region_code, case.region_path, case.department, suffix, case.decided_on.year
    )
    case.decision_number = number.text
    documents.issue(
        ctx.session,
        ctx.user,
        kind="enforcement.penalty_decision",
        title=policy().document("penalty_decision").title,
        template="enforcement/penalty_decision.html",
        context={
            "enterprise": _ent(ctx.session, case.enterprise_id),
            "facts": case.facts,
            "legal_basis": case.legal_basis or "",
            "fine": str(case.fine),
            "payment_days": limit("payment").value,
            "case_number": case.case_number,
            "filed_on": case.filed_on,
        },
        enterprise_id=case.enterprise_id,
        subject_type="penalty_case",
        subject_id=case.id,
        number=number,
        issuer=case.department,
    )


def _ent(session: Session, enterprise_id: int) -> dict[str, Any]:
    ent = session.get(Enterprise, enterprise_id)
    assert ent is not None
    return {"name": ent.name, "credit_code": ent.credit_code, "address": ent.address}


def _deliver(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    case = ctx.case
    case.delivered_on = local_today()
    case.step_due = due_after(case.delivered_on, "payment" if case.fine else "execution")
    case.published_on = case.delivered_on  # 执法公示 with the delivery, within the policy's limit


def _close(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    if body.execution is None:
        raise BadInput(f"结案须写明执行情况，可选：{'、'.join(EXECUTION_KINDS.values())}", field="execution")
    if body.execution == "none" and ctx.case.fine:
        raise BadInput("有罚款的案件不能以“无罚款”结案", field="execution")
    ctx.case.execution, ctx.case.closed_on, ctx.case.step_due = body.execution, local_today(), None


def _nothing(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    ctx.case.step_due = (
        due_after(local_today(), "investigation") if ctx.case.state == "filed" else ctx.case.step_due
    )


def _withdraw(ctx: Ctx, body: s.PenaltyActionIn) -> None:
    if not body.note:
        raise BadInput("撤销立案须写明理由", field="note")
    ctx.case.step_due, ctx.case.closed_on = None, local_today()


EFFECTS: dict[str, Effect] = {
    "investigate": _nothing,
    "notify": _notify,
    "request_hearing": _request_hearing,
    "to_review": _to_review,
    "return": _return,
    "decide": _decide,
    "deliver": _deliver,
    "close": _close,
    "withdraw": _withdraw,
}


def act(session: Session, user: Principal, case_id: int, action: str, body: s.PenaltyActionIn) -> PenaltyCase:
    case = get_readable(session, user, case_id)
    if action not in ACTION_LABELS:
        raise NotFound(f"操作 {action!r} 不存在，可选：{'、'.join(ACTION_LABELS)}")
    ctx = Ctx(session, case, user)
    reason = WORKFLOW.refusal(ctx, action)
    if reason:
        raise Conflict(reason, field="action")
    before_state = case.state
    before = audit.snapshot(case, AUDITED)
    EFFECTS[action](ctx, body)
    case.state = WORKFLOW.next_state(before_state, action)
    case.overdue_notified = None
    _event(session, user, case, action, before_state, body.note, body.attachments,
           {"step_due": case.step_due.isoformat() if case.step_due else None})  # fmt: skip
    audit.record(
        session, user, action, "penalty_case", case.id, before=before, after=audit.snapshot(case, AUDITED),
        enterprise_id=case.enterprise_id, region_path=case.region_path, note=body.note,
    )  # fmt: skip
    session.flush()
    return case


# ---------------------------------------------------------------- read


def to_dict(session: Session, user: Principal, case: PenaltyCase) -> dict[str, Any]:
    events = session.scalars(
        select(PenaltyEvent).where(PenaltyEvent.case_id == case.id).order_by(PenaltyEvent.id)
    )
    today = local_today()
    return {
        "id": case.id,
        "enterprise_id": case.enterprise_id,
        "inspection_id": case.inspection_id,
        "case_number": case.case_number,
        "department": case.department,
        "state": case.state,
        "state_label": PENALTY_STATES[case.state],
        "facts": case.facts,
        "legal_basis": case.legal_basis,
        "proposed_fine": str(case.proposed_fine) if case.proposed_fine is not None else None,
        "fine": str(case.fine) if case.fine is not None else None,
        "hearing_requested": case.hearing_requested,
        "filed_on": case.filed_on,
        "decision_due": case.decision_due,
        "step_due": case.step_due,
        "overdue": overdue_since(case, today) is not None,
        "decision_number": case.decision_number,
        "decided_on": case.decided_on,
        "delivered_on": case.delivered_on,
        "execution": case.execution,
        "closed_on": case.closed_on,
        "allowed_actions": [a for a in WORKFLOW.allowed_actions(Ctx(session, case, user))],
        "events": [
            {
                "at": e.at,
                "actor": e.actor_name,
                "action": e.action,
                "label": label(e.action) if e.action != "file" else "立案",
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
            }
            for e in events
        ],  # fmt: skip
        "documents": [
            documents.metadata(d) for d in documents.for_subject(session, user, "penalty_case", case.id)
        ],
    }


def overdue_since(case: PenaltyCase, today: date) -> date | None:
    """The deadline this case has missed: its step's, or the 90-day decision limit before a decision."""
    if case.state in PENALTY_FINISHED:
        return None
    dues = [d for d in (case.step_due,) if d is not None]
    if case.state in ("filed", "investigating", "notified", "hearing", "legal_review"):
        dues.append(case.decision_due)
    missed = [d for d in dues if d < today]
    return min(missed) if missed else None


def list_cases(
    session: Session, user: Principal, *, state: str | None = None, limit_: int = 50
) -> list[dict[str, Any]]:
    stmt = readable(select(PenaltyCase), user)
    if state:
        if state not in PENALTY_STATES:
            raise BadInput(f"案件状态 {state!r} 不存在，可选：{'、'.join(PENALTY_STATES)}", field="state")
        stmt = stmt.where(PenaltyCase.state == state)
    rows = session.scalars(stmt.order_by(PenaltyCase.id.desc()).limit(limit_))
    return [
        {"id": c.id, "case_number": c.case_number, "state": c.state, "state_label": PENALTY_STATES[c.state],
         "enterprise_id": c.enterprise_id, "filed_on": c.filed_on, "step_due": c.step_due}
        for c in rows
    ]  # fmt: skip
