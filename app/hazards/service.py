"""Hazard register: create (idempotent), the lifecycle transitions, 双报告. No HTTP here."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import scope_copy
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.grading import enterprise as enterprise_grading
from app.hazards import create_sql
from app.hazards import schemas as s
from app.hazards import transitions as t
from app.hazards.models import (
    FINISHED,
    GRADES,
    INSPECTOR_SOURCES,
    OTHER_ITEM,
    OTHER_ITEM_LABEL,
    SOURCES,
    STATES,
    Hazard,
    HazardEvent,
    HazardExtension,
    HazardReport,
)
from app.regions.models import Region
from app.risks.models import ControlMeasure, RiskPoint
from app.rules_engine import RuleInputError, applicable_catalogues, evaluate_major_hidden_hazard, get_registry
from app.timeutil import local_today, utcnow

AUDITED = [
    "state",
    "grade",
    "major_item",
    "major_reason",
    "major_basis_standard",
    "major_basis_clause",
    "major_unconfirmed",
    "rectify_mode",
    "deadline",
    "funds",
    "rectifier_id",
    "closed_on",
    "description",
    "place",
    "category",
    "source",
]


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """Hazards of the enterprises the caller may read (the enterprise scoping rule, on the hazard's copy
    of its enterprise's region and industry so that one index serves each scope)."""
    return scope_copy.readable(stmt, Hazard, user)


def get_readable(session: Session, user: Principal, hazard_id: int) -> Hazard:
    hazard = session.scalar(readable(select(Hazard).where(Hazard.id == hazard_id), user))
    if hazard is None:
        raise NotFound(f"隐患 {hazard_id} 不存在")
    return hazard


def is_open(session: Session, hazard_id: int) -> bool:
    """True while the hazard is neither 已销号 nor 已撤销 (for other domains, e.g. 挂牌督办)."""
    state = session.scalar(select(Hazard.state).where(Hazard.id == hazard_id))
    if state is None:
        raise NotFound(f"隐患 {hazard_id} 不存在")
    return state not in FINISHED


def _region_path(session: Session, ent: Enterprise) -> str | None:
    return (
        session.scalar(select(Region.path).where(Region.code == ent.region_code)) if ent.region_code else None
    )


def _writer(user: Principal) -> None:
    if user.role == "township":
        raise Forbidden("乡镇(街道)用户为只读权限")


# ---------------------------------------------------------------- 重大事故隐患


def major_items(
    session: Session, user: Principal, enterprise_id: int, found_on: date | None = None
) -> list[dict[str, str]]:
    """The 重大事故隐患 items that apply to this enterprise's industry, each 判定标准 in the version in
    force on found_on (default today), then “其他（依据…）” for a call no item fits."""
    ent = enterprises.get_readable(session, user, enterprise_id)
    registry = get_registry()
    try:
        _, entry = applicable_catalogues(ent.industry, on=found_on, registry=registry)
    except RuleInputError as exc:
        raise BadInput(exc.detail.split(": ", 1)[-1], field="found_on") from exc
    out = []
    for catalogue_id in entry.catalogues:
        try:
            loaded = registry.select("major_hidden_hazard", on=found_on, ids=[catalogue_id])
        except RuleInputError:
            continue  # none in force that day (a standard issued later, or GB 35181-2017 after 2025-10-31)
        cat = loaded.model
        for item in cat.items:
            if ent.industry in cat.item_industries(item):
                out.append(
                    {
                        "code": item.code,
                        "clause": item.clause,
                        "text": item.text,
                        "catalogue": cat.id,
                        "title": cat.title,
                        "rule_set": loaded.ref,
                    }
                )
    out.append(
        {
            "code": OTHER_ITEM,
            "clause": "",
            "text": f"{OTHER_ITEM_LABEL}：没有适用条目时填写依据的标准和条款，待监管部门确认",
            "catalogue": "",
            "title": OTHER_ITEM_LABEL,
            "rule_set": "",
        }
    )
    return out


@dataclass
class MajorCall:
    """What a request says about why a hazard is 重大 (the same fields on create and change_grade)."""

    item: str | None
    reason: str | None
    basis_standard: str | None = None
    basis_clause: str | None = None


def _determine_major(user: Principal, ent: Enterprise, found_on: date, call: MajorCall) -> dict[str, Any]:
    """Fields that record why a hazard is 重大: an item of the 判定标准 version in force on found_on
    confirmed by the engine, “其他（依据…）” awaiting a regulator, or a regulator's reasoned call."""
    item = call.item.upper() if call.item else None
    if item == OTHER_ITEM:
        if not call.basis_standard:
            raise BadInput(f"选择“{OTHER_ITEM_LABEL}”须填写依据的标准或规定", field="major_basis_standard")
        if not call.basis_clause:
            raise BadInput(f"选择“{OTHER_ITEM_LABEL}”须填写依据的条款", field="major_basis_clause")
        return {
            **_NOT_MAJOR,
            "major_item": OTHER_ITEM,
            "major_reason": call.reason,
            "major_basis_standard": call.basis_standard,
            "major_basis_clause": call.basis_clause,
            "major_unconfirmed": True,
        }
    if call.basis_standard or call.basis_clause:
        field = "major_basis_standard" if call.basis_standard else "major_basis_clause"
        raise BadInput(f"只有选择“{OTHER_ITEM_LABEL}”时才填写依据的标准和条款", field=field)
    if item:
        try:
            decision = evaluate_major_hidden_hazard({"industry": ent.industry, "item": item}, on=found_on)
        except RuleInputError as exc:
            raise BadInput(exc.detail.split(": ", 1)[-1], field="major_item") from exc
        found = decision.to_dict()
        cited = next(
            (step["source"] for step in found["trace"] if step["source"]["entry"].startswith("items.")), None
        )
        return {
            **_NOT_MAJOR,
            "major_item": item,
            "major_citation": cited,
            "major_rule_set": found["rule_set"],
            "major_trace": found["trace"],
            "major_reason": call.reason,
        }
    if user.role not in t.REGULATOR:
        raise BadInput(
            f"企业认定重大事故隐患须选择适用的判定标准条目；没有适用条目时选“{OTHER_ITEM_LABEL}”并填写依据",
            field="major_item",
        )
    if not call.reason:
        raise BadInput("监管人员认定重大事故隐患须选择判定标准条目或写明理由", field="major_reason")
    return {**_NOT_MAJOR, "major_reason": call.reason}


def _set_grade(hazard: Hazard, grade: str, fields: dict[str, Any]) -> None:
    hazard.grade = grade
    for key, value in fields.items():
        setattr(hazard, key, value)


_NOT_MAJOR: dict[str, Any] = {
    **dict.fromkeys(
        (
            "major_item",
            "major_citation",
            "major_rule_set",
            "major_trace",
            "major_reason",
            "major_basis_standard",
            "major_basis_clause",
        )
    ),
    "major_unconfirmed": False,
}


# ---------------------------------------------------------------- create


def body_hash(data: BaseModel) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Created:
    hazard: Hazard
    created: bool


def create_hazard(
    session: Session,
    user: Principal,
    data: s.HazardIn,
    *,
    idempotency_key: str | None = None,
) -> Created:
    """Record a hazard. With an idempotency key, a retry of the same body returns the first hazard."""
    _writer(user)
    digest = None  # only a retry with the same key compares it
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 100:
            raise BadInput("Idempotency-Key 长度应为 1–100 个字符", field="Idempotency-Key")
        digest = body_hash(data)
        earlier = _by_key(session, user, idempotency_key, digest)
        if earlier:
            return Created(earlier, False)
    enterprise_id = user.enterprise_id if user.role == "enterprise" else data.enterprise_id
    if enterprise_id is None:
        raise BadInput("请选择企业", field="enterprise_id")
    if user.role == "enterprise" and data.enterprise_id not in (None, user.enterprise_id):
        raise NotFound(f"企业 {data.enterprise_id} 不存在")
    ent, region_path = _enterprise_for_create(session, user, enterprise_id)
    if data.source in INSPECTOR_SOURCES and user.role not in t.REGULATOR:
        raise BadInput(f"隐患来源“{SOURCES[data.source]}”只能由监管部门登记", field="source")
    today = local_today()
    found_on = data.found_on or today
    if found_on > today:
        raise BadInput("发现日期不能晚于今天", field="found_on")
    hazard = Hazard(
        enterprise_id=ent.id,
        **scope_copy.values(region_path, ent.industry),
        source=data.source,
        description=data.description,
        place=data.place,
        category=data.category,
        photo_ids=attachments.check_ids(session, user, data.photos, ent.id, field="photos"),
        found_by=user.id or None,
        found_on=found_on,
        state="reported",
        created_by=user.id or None,
        idempotency_key=idempotency_key,
        body_hash=digest,
        risk_point_id=data.risk_point_id,
        control_measure_id=data.control_measure_id,
    )
    _check_links(session, ent.id, data.risk_point_id, data.control_measure_id)
    if data.grade == "major":
        call = MajorCall(
            data.major_item, data.major_reason, data.major_basis_standard, data.major_basis_clause
        )
        _set_grade(hazard, "major", _determine_major(user, ent, found_on, call))
    elif data.major_item or data.major_reason or data.major_basis_standard or data.major_basis_clause:
        raise BadInput("一般隐患不填写重大事故隐患条目、理由或依据", field="major_item")
    create_sql.apply_defaults(hazard)
    grade = {"grade": hazard.grade}
    first = _new_event(user, hazard, "create", None, hazard.state, None, hazard.photo_ids, grade)
    entry = audit.entry(
        user,
        "create",
        "hazard",
        None,  # the new id, filled in by the insert
        after=audit.snapshot(hazard, AUDITED),
        enterprise_id=ent.id,
        region_path=region_path,
    )
    if not create_sql.insert_created(session, hazard, first, entry):
        # The key was used by a request that raced this one: answer with its hazard.
        earlier = _by_key(session, user, idempotency_key or "", digest or "")
        if earlier is None:
            raise Conflict("该 Idempotency-Key 的请求正在处理，请稍后重试", field="Idempotency-Key")
        return Created(earlier, False)
    if _counts_for_level(hazard):
        enterprise_grading.recompute_enterprise_level(session, ent.id, user, region_path=region_path)
    return Created(hazard, True)


def _enterprise_for_create(
    session: Session, user: Principal, enterprise_id: int
) -> tuple[Enterprise, str | None]:
    """The enterprise (scoped like enterprises.get_readable) and its region path, in one query."""
    row = session.execute(
        enterprises.readable(
            select(Enterprise, Region.path)
            .outerjoin(Region, Region.code == Enterprise.region_code)
            .where(Enterprise.id == enterprise_id),
            user,
        )
    ).first()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在")  # out of scope answers like unknown
    return row[0], row[1]


def _check_links(session: Session, enterprise_id: int, point_id: int | None, measure_id: int | None) -> None:
    """A linked risk point / control measure must be the same enterprise's (and the measure the point's)."""
    if measure_id is not None:
        owner = session.execute(
            select(ControlMeasure.risk_point_id, RiskPoint.enterprise_id)
            .join(RiskPoint, RiskPoint.id == ControlMeasure.risk_point_id)
            .where(ControlMeasure.id == measure_id)
        ).first()
        if owner is None or owner.enterprise_id != enterprise_id:
            raise BadInput(f"管控措施 {measure_id} 不存在", field="control_measure_id")
        if point_id is not None and owner.risk_point_id != point_id:
            raise BadInput("管控措施不属于所选风险点", field="control_measure_id")
    if point_id is not None:
        ent = session.scalar(select(RiskPoint.enterprise_id).where(RiskPoint.id == point_id))
        if ent != enterprise_id:
            raise BadInput(f"风险点 {point_id} 不存在", field="risk_point_id")


def _by_key(session: Session, user: Principal, key: str, digest: str) -> Hazard | None:
    earlier = session.scalar(
        select(Hazard).where(Hazard.created_by == (user.id or None), Hazard.idempotency_key == key)
    )
    if earlier is not None and earlier.body_hash != digest:
        raise Conflict("该 Idempotency-Key 已用于内容不同的请求", field="Idempotency-Key")
    return earlier


# ---------------------------------------------------------------- transitions


def _event(
    session: Session,
    user: Principal,
    hazard: Hazard,
    action: str,
    from_state: str | None,
    to_state: str,
    note: str | None,
    atts: list[int],
    data: dict[str, Any] | None = None,
) -> None:
    session.add(_new_event(user, hazard, action, from_state, to_state, note, atts, data))


def _new_event(
    user: Principal,
    hazard: Hazard,
    action: str,
    from_state: str | None,
    to_state: str,
    note: str | None,
    atts: list[int],
    data: dict[str, Any] | None = None,
) -> HazardEvent:
    return HazardEvent(
        hazard_id=hazard.id,
        at=utcnow(),
        actor_id=user.id or None,
        actor_name=user.display_name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        attachments=atts,
        data=data,
    )


@dataclass
class Effect:
    note: str | None = None
    attachments: list[int] | None = None
    data: dict[str, Any] | None = None


def _future_date(day: date, field: str, what: str) -> None:
    if day < local_today():
        raise BadInput(f"{what}不能早于今天（{local_today().isoformat()}）", field=field)


def _check_deadline(hazard: Hazard, day: date, field: str) -> None:
    if day < hazard.found_on:
        raise BadInput(f"整改期限不能早于发现日期 {hazard.found_on.isoformat()}", field=field)
    _future_date(day, field, "整改期限")


MAJOR_PLAN = {
    "responsible": "责任人",
    "funds": "资金",
    "emergency_plan": "应急预案",
    "governance": "治理方案（16号令第十五条六项内容）",
}


def plan_problems(hazard: Hazard, deadline: date | None, given: dict[str, Any]) -> dict[str, str]:
    """Everything a 整改方案 lacks or gets wrong, all at once ({"plan.<field>": message}); `_start`
    raises the first, and the page shows the rest beside the schema's own errors."""
    out: dict[str, str] = {}
    if deadline is not None:
        try:
            _check_deadline(hazard, deadline, "plan.deadline")
        except BadInput as exc:
            out["plan.deadline"] = exc.detail
    if hazard.grade == "major":
        for key, label in MAJOR_PLAN.items():
            if given.get(key) in (None, "", {}):
                out[f"plan.{key}"] = f"重大事故隐患须落实{label}"
    return out


def _start(ctx: t.Ctx, body: s.StartRectification) -> Effect:
    plan, hazard = body.plan, ctx.hazard
    problems = plan_problems(hazard, plan.deadline, plan.model_dump())
    if problems:
        key = next(iter(problems))
        raise BadInput(problems[key], field=key)
    hazard.rectify_mode = "deadline"
    hazard.plan = plan.model_dump(mode="json")
    hazard.funds = plan.funds
    hazard.deadline = plan.deadline
    hazard.rectifier_id = ctx.user.id or None
    return Effect(body.note, [], {"deadline": plan.deadline.isoformat()})


def _fix_on_spot(ctx: t.Ctx, body: s.FixOnSpot) -> Effect:
    ctx.hazard.rectify_mode = "on_spot"
    ctx.hazard.plan = {"measures": body.measures}
    ctx.hazard.rectifier_id = ctx.user.id or None
    return Effect(body.note or body.measures, body.attachments)


def _request_extension(ctx: t.Ctx, body: s.RequestExtension) -> Effect:
    hazard = ctx.hazard
    _future_date(body.new_deadline, "new_deadline", "延期后的期限")
    if hazard.deadline is not None and body.new_deadline <= hazard.deadline:
        raise BadInput(f"延期后的期限须晚于当前期限 {hazard.deadline.isoformat()}", field="new_deadline")
    ctx.session.add(
        HazardExtension(
            hazard_id=hazard.id,
            requested_by=ctx.user.id or None,
            requested_at=utcnow(),
            reason=body.reason,
            old_deadline=hazard.deadline or hazard.found_on,
            new_deadline=body.new_deadline,
        )
    )
    return Effect(body.reason, [], {"new_deadline": body.new_deadline.isoformat()})


def _decide_extension(ctx: t.Ctx, body: s.DecideExtension) -> Effect:
    ext = t.pending_extension(ctx.session, ctx.hazard.id)
    assert ext is not None  # the guard checked
    ext.status = "approved" if body.approve else "rejected"
    ext.decided_by = ctx.user.id or None
    ext.decided_at = utcnow()
    ext.decision_note = body.note
    if body.approve:
        ctx.hazard.deadline = ext.new_deadline
    return Effect(body.note, [], {"extension_id": ext.id, "approved": body.approve})


def _with_photos(ctx: t.Ctx, note: str | None, ids: list[int]) -> Effect:
    return Effect(note, ids)


def _submit(ctx: t.Ctx, body: s.SubmitForAcceptance) -> Effect:
    ctx.hazard.rectifier_id = ctx.user.id or None
    return Effect(body.note, body.attachments)


def _accept(ctx: t.Ctx, body: s.Accept) -> Effect:
    ctx.hazard.closed_on = local_today()
    return Effect(body.note, body.attachments)


def _reject(ctx: t.Ctx, body: s.Reject) -> Effect:
    if body.deadline is not None:
        _check_deadline(ctx.hazard, body.deadline, "deadline")
        ctx.hazard.deadline = body.deadline
    elif ctx.hazard.deadline is None:
        raise BadInput("即查即改未通过验收，须给出整改期限", field="deadline")
    return Effect(body.reason, body.attachments)


def _reopen(ctx: t.Ctx, body: s.Reopen) -> Effect:
    if body.deadline is not None:
        _check_deadline(ctx.hazard, body.deadline, "deadline")
        ctx.hazard.deadline = body.deadline
    ctx.hazard.closed_on = None
    return Effect(body.reason)


def _change_grade(ctx: t.Ctx, body: s.ChangeGrade) -> Effect:
    hazard, before = ctx.hazard, ctx.hazard.grade
    if body.grade == "major":
        ent = ctx.session.get_one(Enterprise, hazard.enterprise_id)
        call = MajorCall(body.major_item, body.reason, body.major_basis_standard, body.major_basis_clause)
        fields = _determine_major(ctx.user, ent, hazard.found_on, call)
        if before == "major" and fields["major_item"] == hazard.major_item and not body.reason:
            raise BadInput("隐患等级和判定条目均未变化", field="grade")
        _set_grade(hazard, "major", fields)
    else:
        if before == "general":
            raise BadInput("隐患已是一般隐患", field="grade")
        _downgrade(hazard, body.reason)
    return Effect(body.reason, [], {"from": before, "to": body.grade, "major_item": hazard.major_item})


def _downgrade(hazard: Hazard, reason: str | None) -> None:
    if not reason:
        raise BadInput("降为一般隐患须写明理由", field="reason")
    _set_grade(hazard, "general", _NOT_MAJOR)


def _review_major(ctx: t.Ctx, body: s.ReviewMajor) -> Effect:
    """A regulator decides a “其他（依据…）” call: confirmed 重大, or 一般 with the reason recorded."""
    hazard = ctx.hazard
    basis = {"standard": hazard.major_basis_standard, "clause": hazard.major_basis_clause}
    if body.confirm:
        hazard.major_unconfirmed = False
        return Effect(body.reason, [], {"confirmed": True, "basis": basis})
    _downgrade(hazard, body.reason)
    return Effect(body.reason, [], {"confirmed": False, "from": "major", "to": "general", "basis": basis})


def _file_report(ctx: t.Ctx, body: s.FileReport) -> Effect:
    hazard = ctx.hazard
    done = ctx.session.scalar(
        select(HazardReport.id).where(
            HazardReport.hazard_id == hazard.id, HazardReport.recipient == body.recipient
        )
    )
    if done:
        raise Conflict("该报告已填报", field="recipient")
    ctx.session.add(
        HazardReport(
            hazard_id=hazard.id,
            recipient=body.recipient,
            reported_at=utcnow(),
            reported_by=ctx.user.id or None,
            status_and_cause=body.status_and_cause,
            harm_and_difficulty=body.harm_and_difficulty,
            governance_plan=body.governance_plan,
        )
    )
    if body.recipient == "supervisor":
        _notify_regulators(ctx.session, hazard, body)
    return Effect(None, [], {"recipient": body.recipient})


def _notify_regulators(session: Session, hazard: Hazard, body: s.FileReport) -> None:
    from app.assessment.responsibilities import major_hazard_recipients
    from app.notifications.service import inspectors_for, notify

    ent = session.get_one(Enterprise, hazard.enterprise_id)
    if not ent.region_code:
        return  # an enterprise without a region has no regulator to tell
    # The county's 责任清单 names the department told; without an entry, every inspector as before.
    fallback = inspectors_for(session, ent.region_code, ent.industry)
    notify(
        session,
        user_ids=major_hazard_recipients(session, ent, fallback),
        kind="major_hazard_report",
        title=f"重大事故隐患报告：{ent.name}",
        body=f"{hazard.place}：{hazard.description}\n现状及原因：{body.status_and_cause}",
        link=f"/hazards/{hazard.id}",
        enterprise_id=ent.id,
    )


def _regulator_close(ctx: t.Ctx, body: s.RegulatorClose) -> Effect:
    ctx.hazard.closed_on = local_today()
    return Effect(body.note, body.attachments)


EFFECTS: dict[str, Any] = {
    "start_rectification": _start,
    "fix_on_spot": _fix_on_spot,
    "request_extension": _request_extension,
    "decide_extension": _decide_extension,
    "add_progress": lambda ctx, b: _with_photos(ctx, b.note, b.attachments),
    "submit_for_acceptance": _submit,
    "accept": _accept,
    "reject": _reject,
    "withdraw": lambda ctx, b: Effect(b.reason),
    "reopen": _reopen,
    "change_grade": _change_grade,
    "review_major": _review_major,
    "file_report": _file_report,
    "regulator_close": _regulator_close,
}


def _counts_for_level(hazard: Hazard) -> bool:
    """Only open 重大 and overdue hazards enter the enterprise level policy; others need no regrade."""
    return hazard.state not in FINISHED and (hazard.grade == "major" or hazard.is_overdue)


def transition(session: Session, user: Principal, hazard_id: int, body: Any) -> Hazard:
    """Apply one action of the table; 409 with the allowed actions when it is not allowed now."""
    _writer(user)
    hazard = get_readable(session, user, hazard_id)
    if body.version != hazard.version:
        raise Conflict(
            f"隐患已被他人修改（当前版本 {hazard.version}），请刷新后重试",
            field="version",
            extra={"current_version": hazard.version},
        )
    ctx = t.Ctx(session, hazard, user)
    reason = t.refusal(ctx, body.action)
    if reason:
        raise Conflict(
            reason, field="action", extra={"state": hazard.state, "allowed_actions": t.allowed_actions(ctx)}
        )
    next_state = t.WORKFLOW.next_state(hazard.state, body.action)
    before = audit.snapshot(hazard, AUDITED)
    counted_before = _counts_for_level(hazard)
    from_state = hazard.state
    effect: Effect = EFFECTS[body.action](ctx, body)
    ids = attachments.check_ids(session, user, effect.attachments or [], hazard.enterprise_id)
    hazard.state = next_state
    session.flush()  # bumps the version; a concurrent writer that got here first makes this a 409
    _event(session, user, hazard, body.action, from_state, next_state, effect.note, ids, effect.data)
    ent = session.get_one(Enterprise, hazard.enterprise_id)
    audit.record(
        session,
        user,
        body.action,
        "hazard",
        hazard.id,
        before=before,
        after=audit.snapshot(hazard, AUDITED),
        enterprise_id=hazard.enterprise_id,
        region_path=_region_path(session, ent),
        note=effect.note,
    )
    if counted_before or _counts_for_level(hazard):
        enterprise_grading.recompute_enterprise_level(session, hazard.enterprise_id, user)
    return hazard


def close_by_regulator(session: Session, actor: Principal, hazard_id: int, note: str) -> Hazard:
    """销号 after the regulator's verification (called e.g. by 挂牌督办 when its case is closed)."""
    hazard = get_readable(session, actor, hazard_id)
    body = s.RegulatorClose(action="regulator_close", version=hazard.version, note=note)
    return transition(session, actor, hazard_id, body)


def allowed_actions(session: Session, user: Principal, hazard: Hazard) -> list[str]:
    if user.role == "township":
        return []
    return t.allowed_actions(t.Ctx(session, hazard, user))


# ---------------------------------------------------------------- reading


def enterprise_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(list(session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))))


# The output fields read straight off the row (the rest are computed below), resolved once: a ledger
# page builds fifty of these.
_DERIVED = {"enterprise_name", "source_label", "grade_label", "state_label", "is_overdue", "days_overdue"}
_COPIED = [c for c in s.HazardOut.model_fields if c not in _DERIVED and hasattr(Hazard, c)]


def to_out(hazard: Hazard, name: str | None) -> dict[str, Any]:
    out = s.HazardOut.model_validate(
        {
            **{c: getattr(hazard, c) for c in _COPIED},
            "enterprise_name": name,
            "source_label": SOURCES.get(hazard.source, hazard.source),
            "grade_label": GRADES[hazard.grade],
            "state_label": STATES[hazard.state],
            "is_overdue": hazard.is_overdue,
            "days_overdue": hazard.days_overdue,
        }
    )
    return out.model_dump()


def detail(session: Session, user: Principal, hazard_id: int) -> s.HazardDetail:
    hazard = get_readable(session, user, hazard_id)
    name = enterprise_names(session, {hazard.enterprise_id}).get(hazard.enterprise_id)
    events = session.scalars(
        select(HazardEvent).where(HazardEvent.hazard_id == hazard.id).order_by(HazardEvent.id)
    )
    extensions = session.scalars(
        select(HazardExtension).where(HazardExtension.hazard_id == hazard.id).order_by(HazardExtension.id)
    )
    reports = session.scalars(
        select(HazardReport).where(HazardReport.hazard_id == hazard.id).order_by(HazardReport.id)
    )
    return s.HazardDetail.model_validate(
        {
            **to_out(hazard, name),
            "major_trace": hazard.major_trace,
            "allowed_actions": allowed_actions(session, user, hazard),
            "events": [s.EventOut.model_validate(e) for e in events],
            "extensions": [s.ExtensionOut.model_validate(e) for e in extensions],
            "reports": [s.ReportOut.model_validate(r) for r in reports],
        }
    )
