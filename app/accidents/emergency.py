"""应急预案 (综合/专项/现场处置方案): 评审/论证, 公布, 备案 within 20 working days (应急管理部令第2号
第二十六条), 评估 every three years for the listed units (第三十五条), and 演练 (第三十三条)."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accidents.models import DRILL_FORMS, PLAN_KINDS, REVIEW_KINDS, EmergencyDrill, EmergencyPlan
from app.accidents.schemas import DrillIn, EmergencyPlanIn, PlanEvaluateIn, PlanFileIn, PlanPublishIn
from app.accidents.service import add_limit
from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.rules_engine.accidents import accident_rules
from app.timeutil import local_today

AUDITED = [
    "kind",
    "title",
    "version",
    "published_on",
    "filing_due",
    "filed_on",
    "last_evaluated_on",
    "evaluation_due",
]
BOARD_ROWS = 50


def readable(stmt: SelectT, user: Principal) -> SelectT:
    return enterprises.owned_by_readable(stmt, EmergencyPlan.enterprise_id, user)


def get_readable(session: Session, user: Principal, plan_id: int) -> EmergencyPlan:
    plan = session.scalar(readable(select(EmergencyPlan).where(EmergencyPlan.id == plan_id), user))
    if plan is None:
        raise NotFound(f"应急预案 {plan_id} 不存在")
    return plan


def _may_write(user: Principal) -> None:
    if user.role not in ("enterprise", "inspector", "admin"):
        raise Forbidden("当前角色无权维护应急预案")


def _audit(
    session: Session, user: Principal, action: str, plan: EmergencyPlan, before: dict[str, Any] | None
) -> None:
    audit.record(
        session,
        user,
        action,
        "emergency_plan",
        plan.id,
        before=before,
        after=audit.snapshot(plan, AUDITED),
        enterprise_id=plan.enterprise_id,
    )


def _apply_published(plan: EmergencyPlan, published: date) -> None:
    if published > local_today():
        raise BadInput("公布日期不能晚于今天", field="published_on")
    if plan.reviewed_on and published < plan.reviewed_on:
        raise BadInput("公布日期不能早于评审（论证）日期", field="published_on")
    plan.published_on = published
    plan.filing_due = add_limit(published, "plan_filing")
    plan.evaluation_due = add_limit(published, "plan_evaluation") if plan.evaluation_required else None


def create_plan(session: Session, user: Principal, data: EmergencyPlanIn) -> EmergencyPlan:
    _may_write(user)
    ent = enterprises.get_readable(session, user, data.enterprise_id)
    if data.reviewed_on and data.reviewed_on > local_today():
        raise BadInput("评审（论证）日期不能晚于今天", field="reviewed_on")
    if data.reviewed_on and not data.review_kind:
        raise BadInput("请选择评审或论证", field="review_kind")
    files = attachments.check_ids(session, user, list(data.attachments), ent.id)
    policy = accident_rules().model
    plan = EmergencyPlan(
        enterprise_id=ent.id,
        kind=data.kind,
        title=data.title,
        version=data.version,
        is_current=True,
        review_kind=data.review_kind,
        reviewed_on=data.reviewed_on,
        evaluation_required=ent.industry in policy.plan_evaluation_scope.industries,
        attachments=files,
    )
    if data.published_on:
        _apply_published(plan, data.published_on)
    earlier = list(
        session.scalars(
            select(EmergencyPlan).where(
                EmergencyPlan.enterprise_id == ent.id,
                EmergencyPlan.kind == data.kind,
                EmergencyPlan.title == data.title,
                EmergencyPlan.is_current.is_(True),
            )
        )
    )
    if any(p.version == data.version for p in earlier):
        raise Conflict(f"{data.title} 已有版本 {data.version}", field="version")
    for p in earlier:
        p.is_current = False
    session.add(plan)
    session.flush()
    _audit(session, user, "create", plan, None)
    return plan


def publish(session: Session, user: Principal, plan_id: int, data: PlanPublishIn) -> EmergencyPlan:
    _may_write(user)
    plan = get_readable(session, user, plan_id)
    if plan.published_on:
        raise Conflict(f"该预案已于 {plan.published_on} 公布", field="published_on")
    before = audit.snapshot(plan, AUDITED)
    _apply_published(plan, data.published_on)
    _audit(session, user, "publish", plan, before)
    session.flush()
    return plan


def file_plan(session: Session, user: Principal, plan_id: int, data: PlanFileIn) -> EmergencyPlan:
    """备案: recorded by the department that accepts it (or the enterprise with its 备案登记表)."""
    _may_write(user)
    plan = get_readable(session, user, plan_id)
    if not plan.published_on:
        raise Conflict("预案须先经主要负责人签署公布，才能备案", field="filed_on")
    if plan.filed_on:
        raise Conflict(f"该预案已于 {plan.filed_on} 备案", field="filed_on")
    if data.filed_on < plan.published_on or data.filed_on > local_today():
        raise BadInput("备案日期须在公布日期和今天之间", field="filed_on")
    before = audit.snapshot(plan, AUDITED)
    plan.filed_on, plan.filed_with = data.filed_on, data.filed_with
    _audit(session, user, "file", plan, before)
    session.flush()
    return plan


def evaluate_plan(session: Session, user: Principal, plan_id: int, data: PlanEvaluateIn) -> EmergencyPlan:
    _may_write(user)
    plan = get_readable(session, user, plan_id)
    if not plan.published_on:
        raise Conflict("预案尚未公布，不能评估", field="evaluated_on")
    if data.evaluated_on < plan.published_on or data.evaluated_on > local_today():
        raise BadInput("评估日期须在公布日期和今天之间", field="evaluated_on")
    before = audit.snapshot(plan, AUDITED)
    plan.last_evaluated_on = data.evaluated_on
    plan.evaluation_note = data.note
    plan.evaluation_due = (
        add_limit(data.evaluated_on, "plan_evaluation") if plan.evaluation_required else None
    )
    _audit(session, user, "evaluate", plan, before)
    session.flush()
    return plan


def add_drill(session: Session, user: Principal, plan_id: int, data: DrillIn) -> EmergencyDrill:
    _may_write(user)
    plan = get_readable(session, user, plan_id)
    if not plan.published_on:
        raise Conflict("预案尚未公布，不能登记演练", field="held_on")
    if data.held_on > local_today():
        raise BadInput("演练日期不能晚于今天", field="held_on")
    photos = attachments.check_ids(session, user, list(data.photos), plan.enterprise_id, field="photos")
    drill = EmergencyDrill(
        plan_id=plan.id,
        enterprise_id=plan.enterprise_id,
        held_on=data.held_on,
        form=data.form,
        scenario=data.scenario,
        participants=data.participants,
        evaluation=data.evaluation,
        improvements=data.improvements,
        photos=photos,
    )
    session.add(drill)
    session.flush()
    audit.record(
        session,
        user,
        "drill",
        "emergency_plan",
        plan.id,
        after={"drill_id": drill.id, "held_on": data.held_on.isoformat(), "form": data.form},
        enterprise_id=plan.enterprise_id,
    )
    return drill


# ---------------------------------------------------------------- status


def _last_drills(session: Session, plan_ids: list[int]) -> dict[int, date]:
    if not plan_ids:
        return {}
    rows = session.execute(
        select(EmergencyDrill.plan_id, func.max(EmergencyDrill.held_on))
        .where(EmergencyDrill.plan_id.in_(plan_ids))
        .group_by(EmergencyDrill.plan_id)
    )
    return {pid: day for pid, day in rows}


def drill_due(plan: EmergencyPlan, last: date | None) -> date | None:
    """When the next drill of this plan is due: 现场处置方案 every six months, 综合/专项 yearly."""
    start = last or plan.published_on
    if start is None:
        return None
    return add_limit(start, "drill_onsite" if plan.kind == "onsite" else "drill_comprehensive")


def status(plan: EmergencyPlan, last_drill: date | None, today: date) -> dict[str, Any]:
    flags: list[str] = []
    if plan.published_on and not plan.filed_on and plan.filing_due and today > plan.filing_due:
        flags.append(f"逾期未备案（应于 {plan.filing_due} 前备案）")
    if plan.filed_on and plan.filing_due and plan.filed_on > plan.filing_due:
        flags.append(f"备案超过时限（应于 {plan.filing_due} 前）")
    if plan.evaluation_due and today > plan.evaluation_due:
        flags.append(f"应急预案评估逾期（应于 {plan.evaluation_due} 前）")
    due = drill_due(plan, last_drill) if plan.is_current else None
    if due and today > due:
        what = "半年" if plan.kind == "onsite" else "一年"
        flags.append(f"超过{what}未演练（应于 {due} 前演练）")
    return {"drill_due": due.isoformat() if due else None, "flags": flags}


def to_out(
    plan: EmergencyPlan, last_drill: date | None, today: date, name: str | None = None
) -> dict[str, Any]:
    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "id": plan.id,
        "enterprise_id": plan.enterprise_id,
        "enterprise_name": name,
        "kind": plan.kind,
        "kind_label": PLAN_KINDS[plan.kind],
        "title": plan.title,
        "version": plan.version,
        "is_current": plan.is_current,
        "review_kind": plan.review_kind,
        "review_label": REVIEW_KINDS.get(plan.review_kind or ""),
        "reviewed_on": iso(plan.reviewed_on),
        "published_on": iso(plan.published_on),
        "filing_due": iso(plan.filing_due),
        "filed_on": iso(plan.filed_on),
        "filed_with": plan.filed_with,
        "evaluation_required": plan.evaluation_required,
        "last_evaluated_on": iso(plan.last_evaluated_on),
        "evaluation_due": iso(plan.evaluation_due),
        "last_drill_on": iso(last_drill),
        **status(plan, last_drill, today),
    }


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
    return {ent_id: name for ent_id, name in rows}


def list_plans(
    session: Session, user: Principal, enterprise_id: int | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    stmt = readable(select(EmergencyPlan), user)
    if enterprise_id is not None:
        enterprises.get_readable(session, user, enterprise_id)
        stmt = stmt.where(EmergencyPlan.enterprise_id == enterprise_id)
    plans = list(
        session.scalars(
            stmt.order_by(EmergencyPlan.enterprise_id, EmergencyPlan.kind, EmergencyPlan.id).limit(500)
        )
    )
    last = _last_drills(session, [p.id for p in plans])
    names = _names(session, {p.enterprise_id for p in plans})
    day = today or local_today()
    return [to_out(p, last.get(p.id), day, names.get(p.enterprise_id)) for p in plans]


def drills_of(session: Session, user: Principal, plan_id: int) -> list[dict[str, Any]]:
    plan = get_readable(session, user, plan_id)
    return [
        {
            "id": d.id,
            "held_on": d.held_on.isoformat(),
            "form": d.form,
            "form_label": DRILL_FORMS[d.form],
            "scenario": d.scenario,
            "participants": d.participants,
            "evaluation": d.evaluation,
            "improvements": d.improvements,
            "photos": d.photos or [],
        }
        for d in session.scalars(
            select(EmergencyDrill)
            .where(EmergencyDrill.plan_id == plan.id)
            .order_by(EmergencyDrill.held_on.desc())
        )
    ]


def detail(session: Session, user: Principal, plan_id: int) -> dict[str, Any]:
    plan = get_readable(session, user, plan_id)
    last = _last_drills(session, [plan.id]).get(plan.id)
    out = to_out(plan, last, local_today(), _names(session, {plan.enterprise_id}).get(plan.enterprise_id))
    out["evaluation_note"] = plan.evaluation_note
    out["drills"] = drills_of(session, user, plan_id)
    return out


def overdue_plans(session: Session, user: Principal, today: date | None = None) -> list[dict[str, Any]]:
    """Current plans with an overdue 备案, 评估 or drill."""
    stmt = readable(select(EmergencyPlan), user).where(EmergencyPlan.is_current.is_(True))
    plans = list(session.scalars(stmt.order_by(EmergencyPlan.id).limit(2000)))
    last = _last_drills(session, [p.id for p in plans])
    names = _names(session, {p.enterprise_id for p in plans})
    day = today or local_today()
    outs = [to_out(p, last.get(p.id), day, names.get(p.enterprise_id)) for p in plans]
    return [o for o in outs if o["flags"]][:BOARD_ROWS]
