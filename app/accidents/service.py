"""事故报告, 逐级上报 with due times and 迟报/漏报/瞒报 flags, 续报, and the investigation workflow."""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accidents import transitions as t
from app.accidents.models import (
    OPEN_INVESTIGATION,
    SOURCES,
    SPECIAL_KINDS,
    STATES,
    Accident,
    AccidentEvent,
    AccidentMeasure,
    AccidentReportStep,
    AccidentUpdate,
)
from app.accidents.schemas import (
    AccidentActionIn,
    AccidentReportIn,
    AccidentUpdateIn,
    MeasureDoneIn,
    ReportStepIn,
)
from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.principal import SYSTEM, Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.grading import enterprise as grading
from app.notifications import service as notifications
from app.regions.models import Region
from app.risks import catalogues
from app.rules_engine.accidents import (
    TIER_LABELS,
    accident_limit,
    accident_rules,
    at_least,
    evaluate_accident,
    tiers_for,
)
from app.rules_engine.models import ACCIDENT_LEVEL_LABELS
from app.timeutil import local_today, to_local, utcnow

AUDITED = [
    "state",
    "level",
    "deaths",
    "serious_injuries",
    "minor_injuries",
    "direct_loss_yuan",
    "investigation_due",
    "extension_days",
    "closed_on",
    "evaluation_due",
    "evaluated_on",
]
BOARD_ROWS = 50


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    return enterprises.owned_by_readable(stmt, Accident.enterprise_id, user)


def get_readable(session: Session, user: Principal, accident_id: int) -> Accident:
    acc = session.scalar(readable(select(Accident).where(Accident.id == accident_id), user))
    if acc is None:
        raise NotFound(f"事故 {accident_id} 不存在")
    return acc


def _region_path(session: Session, ent: Enterprise) -> str | None:
    return (
        session.scalar(select(Region.path).where(Region.code == ent.region_code)) if ent.region_code else None
    )


# ---------------------------------------------------------------- dates


def add_limit(day: date, key: str) -> date:
    """day + an accident_rules limit in calendar/working days, months or years."""
    from app import workdays

    limit = accident_limit(key)
    if limit.unit in ("months", "years"):
        months = limit.value * (12 if limit.unit == "years" else 1)
        y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
        for d in (day.day, 30, 29, 28):
            try:
                return date(y, m + 1, d)
            except ValueError:
                continue
    if limit.unit == "hours":
        raise ValueError(f"{key} is in hours")
    return workdays.add_days(day, limit.value, limit.unit)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise BadInput("时间须带时区，如 2026-12-03T08:30:00+08:00", field=field)
    return value


# ---------------------------------------------------------------- level and chain


def _grade(acc: Accident) -> None:
    decision = evaluate_accident(
        {
            "deaths": acc.deaths,
            "serious_injuries": acc.serious_injuries,
            "direct_loss_yuan": acc.direct_loss_yuan,
        }
    )
    acc.level = decision.level
    acc.level_rule_set = decision.rule_set
    acc.level_trace = [s.to_dict() for s in decision.trace]


def steps_of(session: Session, acc: Accident) -> dict[str, AccidentReportStep]:
    rows = session.scalars(select(AccidentReportStep).where(AccidentReportStep.accident_id == acc.id))
    return {s.tier: s for s in rows}


def chain(
    acc: Accident, steps: dict[str, AccidentReportStep], now: datetime | None = None
) -> list[dict[str, Any]]:
    """The authorities the report must reach, each with its due time and status:
    on_time | late (迟报) | overdue (未报, 可能漏报) | pending."""
    if acc.level is None or acc.occurred_at is None:
        return []
    now = now or utcnow()
    unit = accident_limit("unit_report")
    upward = accident_limit("upward_report")
    out: list[dict[str, Any]] = []
    base = acc.occurred_at
    for i, tier in enumerate(tiers_for(acc.level)):
        due = base + timedelta(hours=unit.value if i == 0 else upward.value)
        step = steps.get(tier)
        if step is not None:
            status = "late" if step.reported_at > due else "on_time"
            base = step.reported_at
        else:
            status = "overdue" if now > due else "pending"
            base = due
        out.append(
            {
                "tier": tier,
                "label": ("单位负责人报告" if i == 0 else "逐级上报") + f"至{TIER_LABELS[tier]}",
                "due_at": due.isoformat(),
                "due_local": to_local(due).strftime("%Y-%m-%d %H:%M"),
                "reported_at": step.reported_at.isoformat() if step else None,
                "reported_local": to_local(step.reported_at).strftime("%Y-%m-%d %H:%M") if step else None,
                "status": status,
                "citation": f"国务院令第493号 {'第九条' if i == 0 else '第十一条'}",
            }
        )
    return out


def flags(acc: Accident, links: list[dict[str, Any]]) -> list[str]:
    """迟报/漏报/瞒报 as possibilities for the department to check (第四条: 不得迟报、漏报、谎报或者瞒报)."""
    out: list[str] = []
    if any(s["status"] == "late" for s in links):
        out.append("可能迟报：" + "、".join(s["label"] for s in links if s["status"] == "late") + "超过时限")
    if any(s["status"] == "overdue" for s in links):
        out.append(
            "可能漏报：" + "、".join(s["label"] for s in links if s["status"] == "overdue") + "逾期未报"
        )
    if acc.source == "inspector" and links:
        first = links[0]
        if first["reported_at"] is None or first["status"] == "late":
            out.append("可能瞒报：事故由监管部门登记，企业未按时报告")
    return out


# ---------------------------------------------------------------- report


def report(session: Session, user: Principal, data: AccidentReportIn) -> Accident:
    """事故报告: by the enterprise (its report reaches the county department now) or an inspector."""
    ent = enterprises.get_readable(session, user, data.enterprise_id)
    if user.role not in ("enterprise", "inspector", "admin"):
        raise Forbidden("当前角色无权报告事故")
    occurred = _aware(data.occurred_at, "occurred_at")
    now = utcnow()
    if occurred > now + timedelta(minutes=5):
        raise BadInput("事故发生时间不能晚于现在", field="occurred_at")
    accident_type = catalogues.check_accident_types([data.accident_type], "accident_type")[0]
    photos = attachments.check_ids(session, user, list(data.photos), ent.id, field="photos")
    acc = Accident(
        enterprise_id=ent.id,
        occurred_on=to_local(occurred).date(),
        occurred_at=occurred,
        accident_type=accident_type,
        place=data.place,
        special_kind=data.special_kind,
        deaths=data.deaths,
        serious_injuries=data.serious_injuries,
        minor_injuries=data.minor_injuries,
        direct_loss_yuan=data.direct_loss_yuan,
        summary=data.summary,
        photos=photos,
        source="enterprise" if user.role == "enterprise" else "inspector",
        state="reported",
        reported_by=user.id or None,
    )
    _grade(acc)
    session.add(acc)
    session.flush()
    if user.role == "enterprise":
        session.add(
            AccidentReportStep(
                accident_id=acc.id, tier="county", reported_at=now, recorded_by=user.display_name
            )
        )
    _event(session, user, acc, "report", None, data.summary, photos, {"level": acc.level})
    path = _region_path(session, ent)
    audit.record(
        session,
        user,
        "report",
        "accident",
        acc.id,
        after=audit.snapshot(acc, AUDITED),
        enterprise_id=ent.id,
        region_path=path,
    )
    label = ACCIDENT_LEVEL_LABELS[acc.level or "general"]
    if ent.region_code:
        notifications.notify(
            session,
            user_ids=notifications.inspectors_for(session, ent.region_code, ent.industry),
            kind="accident_reported",
            title=f"事故报告：{ent.name}（{label}）",
            body=f"{ent.name}于{to_local(occurred).strftime('%Y-%m-%d %H:%M')}在{data.place}"
            f"发生{accident_type}事故，"
            f"死亡{acc.deaths}人、重伤{acc.serious_injuries}人。请按规定逐级上报。",
            link=f"/accidents/{acc.id}",
            enterprise_id=ent.id,
        )
    grading.recompute_enterprise_level(session, ent.id, user, region_path=path)
    session.flush()
    return acc


def record_step(
    session: Session, user: Principal, accident_id: int, data: ReportStepIn
) -> AccidentReportStep:
    """逐级上报: the department records when the report reached a tier (in order)."""
    acc = get_readable(session, user, accident_id)
    if user.role not in ("inspector", "admin"):
        raise Forbidden("逐级上报由监管部门记录")
    if acc.state == "recorded" or acc.level is None:
        raise Conflict("历史事故记录没有报告链，不能记录上报", field="tier")
    tiers = tiers_for(acc.level)
    if data.tier not in tiers:
        raise BadInput(
            f"{ACCIDENT_LEVEL_LABELS[acc.level]}上报至{TIER_LABELS[tiers[-1]]}为止，不需报告至{TIER_LABELS[data.tier]}",
            field="tier",
        )
    steps = steps_of(session, acc)
    if data.tier in steps:
        raise Conflict(f"已记录报告至{TIER_LABELS[data.tier]}", field="tier")
    index = tiers.index(data.tier)
    if index > 0 and tiers[index - 1] not in steps:
        raise Conflict(f"须先记录报告至{TIER_LABELS[tiers[index - 1]]}（逐级上报）", field="tier")
    at = _aware(data.reported_at, "reported_at")
    if acc.occurred_at and at < acc.occurred_at:
        raise BadInput("报告时间不能早于事故发生时间", field="reported_at")
    if index > 0 and at < steps[tiers[index - 1]].reported_at:
        raise BadInput("报告时间不能早于报告至下一级的时间", field="reported_at")
    if at > utcnow() + timedelta(minutes=5):
        raise BadInput("报告时间不能晚于现在", field="reported_at")
    step = AccidentReportStep(
        accident_id=acc.id, tier=data.tier, reported_at=at, recorded_by=user.display_name, note=data.note
    )
    session.add(step)
    session.flush()
    ent = session.get_one(Enterprise, acc.enterprise_id)
    audit.record(
        session,
        user,
        "report_step",
        "accident",
        acc.id,
        after={"tier": data.tier, "reported_at": at.isoformat()},
        enterprise_id=acc.enterprise_id,
        region_path=_region_path(session, ent),
    )
    return step


def add_update(session: Session, user: Principal, accident_id: int, data: AccidentUpdateIn) -> AccidentUpdate:
    """续报 (第十三条): new figures; the level and the chain follow them."""
    acc = get_readable(session, user, accident_id)
    if acc.state not in OPEN_INVESTIGATION:
        raise Conflict(f"事故{STATES[acc.state]}，不能再续报", field="deaths")
    figures = (data.deaths, data.serious_injuries, data.minor_injuries, data.direct_loss_yuan)
    if figures == (acc.deaths, acc.serious_injuries, acc.minor_injuries, acc.direct_loss_yuan):
        raise BadInput("续报的伤亡人数和直接经济损失与上次相同", field="deaths")
    before = audit.snapshot(acc, AUDITED)
    key = "supplement_window_road_fire" if acc.special_kind in SPECIAL_KINDS else "supplement_window"
    window = accident_limit(key)
    within = local_today() <= acc.occurred_on + timedelta(days=window.value)
    level_before = acc.level
    acc.deaths, acc.serious_injuries, acc.minor_injuries, acc.direct_loss_yuan = figures
    _grade(acc)
    upd = AccidentUpdate(
        accident_id=acc.id,
        actor_name=user.display_name,
        deaths=data.deaths,
        serious_injuries=data.serious_injuries,
        minor_injuries=data.minor_injuries,
        direct_loss_yuan=data.direct_loss_yuan,
        level_before=level_before,
        level_after=acc.level or "general",
        within_window=within,
        note=data.note,
    )
    session.add(upd)
    _event(
        session,
        user,
        acc,
        "update",
        acc.state,
        data.note,
        None,
        {"level_before": level_before, "level": acc.level},
    )
    ent = session.get_one(Enterprise, acc.enterprise_id)
    path = _region_path(session, ent)
    audit.record(
        session,
        user,
        "update",
        "accident",
        acc.id,
        before=before,
        after=audit.snapshot(acc, AUDITED),
        enterprise_id=acc.enterprise_id,
        region_path=path,
    )
    grading.recompute_enterprise_level(session, acc.enterprise_id, user, region_path=path)
    session.flush()
    return upd


# ---------------------------------------------------------------- investigation


def _event(
    session: Session,
    user: Principal,
    acc: Accident,
    action: str,
    from_state: str | None,
    note: str | None = None,
    attachment_ids: list[int] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AccidentEvent(
            accident_id=acc.id,
            actor_id=user.id or None,
            actor_name=user.display_name,
            action=action,
            from_state=from_state,
            to_state=acc.state,
            note=note,
            attachments=attachment_ids or [],
            data=data,
        )
    )


def _need(value: Any, field: str, what: str) -> Any:
    if value is None or value == []:
        raise BadInput(f"请填写{what}", field=field)
    return value


def _start(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    acc.team = _need(body.team, "team", "事故调查组组成")
    acc.investigation_started_on = today
    acc.investigation_due = add_limit(acc.occurred_on, "investigation")
    return body.note


def _extend(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    days = _need(body.extension_days, "extension_days", "延长的天数")
    limit = accident_limit("investigation_extension_max").value
    if days > limit:
        raise BadInput(f"延长的期限最长不超过{limit}日（国务院令第493号 第二十九条）", field="extension_days")
    note = _need(body.note, "note", "延长调查期限的理由（特殊情况）")
    acc.extension_days = days
    assert acc.investigation_due is not None
    acc.investigation_due = acc.investigation_due + timedelta(days=days)
    return str(note)


def _submit(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    acc.causes = _need(body.causes, "causes", "事故发生的原因和事故性质")
    acc.responsibility = _need(body.responsibility, "responsibility", "事故责任的认定和处理建议")
    measures = _need(body.measures, "measures", "事故防范和整改措施")
    acc.report_submitted_on = today
    for i, text in enumerate(measures, start=1):
        session.add(AccidentMeasure(accident_id=acc.id, seq=i, text=text))
    return body.note


def _close(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    acc.reply_authority = _need(body.reply_authority, "reply_authority", "批复的人民政府")
    closed = body.closed_on or today
    if closed > today:
        raise BadInput("批复日期不能晚于今天", field="closed_on")
    if acc.report_submitted_on and closed < acc.report_submitted_on:
        raise BadInput("批复日期不能早于提交调查报告的日期", field="closed_on")
    acc.closed_on = closed
    acc.evaluation_opens_on = add_limit(closed, "evaluation_window_start")
    acc.evaluation_due = add_limit(closed, "evaluation_due")
    return body.note


def _open_eval(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    return body.note


def _record_eval(session: Session, acc: Accident, body: AccidentActionIn, today: date) -> str | None:
    summary = _need(body.summary, "summary", "整改评估结论")
    evaluated = body.evaluated_on or today
    if evaluated > today:
        raise BadInput("评估完成日期不能晚于今天", field="evaluated_on")
    measures = list(session.scalars(select(AccidentMeasure).where(AccidentMeasure.accident_id == acc.id)))
    results = body.measure_results or {}
    known = {str(m.id) for m in measures}
    for key in results:
        if key not in known:
            raise BadInput(f"整改措施 {key} 不属于该事故", field="measure_results")
    missing = [m.seq for m in measures if str(m.id) not in results]
    if missing:
        raise BadInput(
            f"请给出每项整改措施的评估结果（缺第{'、'.join(map(str, missing))}项）", field="measure_results"
        )
    for m in measures:
        m.evaluation = results[str(m.id)]
    acc.evaluated_on = evaluated
    acc.evaluation_summary = summary
    return summary


EFFECTS = {
    "start_investigation": _start,
    "extend_investigation": _extend,
    "submit_report": _submit,
    "close": _close,
    "open_evaluation": _open_eval,
    "record_evaluation": _record_eval,
}


def act(
    session: Session,
    user: Principal,
    accident_id: int,
    action: str,
    body: AccidentActionIn,
    today: date | None = None,
) -> Accident:
    acc = get_readable(session, user, accident_id)
    if action not in EFFECTS:
        raise NotFound(f"操作 {action} 不存在")
    today = today or local_today()
    reason = t.WORKFLOW.refusal(t.Ctx(session, acc, user, today), action)
    if reason:
        raise Conflict(reason, field="action")
    before = audit.snapshot(acc, AUDITED)
    from_state = acc.state
    note = EFFECTS[action](session, acc, body, today)
    acc.state = t.WORKFLOW.next_state(from_state, action)
    _event(session, user, acc, action, from_state, note)
    ent = session.get_one(Enterprise, acc.enterprise_id)
    audit.record(
        session,
        user,
        action,
        "accident",
        acc.id,
        before=before,
        after=audit.snapshot(acc, AUDITED),
        enterprise_id=acc.enterprise_id,
        region_path=_region_path(session, ent),
    )
    if action in ("close", "open_evaluation"):
        text = (
            f"事故调查报告已于 {acc.closed_on} 批复结案，请落实各项整改措施；"
            f"整改评估将在 {acc.evaluation_opens_on} 至 "
            f"{acc.evaluation_due} 之间开展。"
            if action == "close"
            else f"事故整改评估已启动，须在 {acc.evaluation_due} 前完成。"
        )
        users = notifications.enterprise_users(session, ent.id)
        if action == "open_evaluation" and ent.region_code:
            users += notifications.inspectors_for(session, ent.region_code, ent.industry)
        notifications.notify(
            session,
            user_ids=users,
            kind=f"accident_{action}",
            title=f"{ent.name}事故：{t.ACTION_LABELS[action]}",
            body=text,
            link=f"/accidents/{acc.id}",
            enterprise_id=ent.id,
        )
    session.flush()
    return acc


def open_due_evaluations(session: Session, today: date) -> int:
    """The daily job: closed accidents whose evaluation window has opened become 待整改评估."""
    rows = list(
        session.scalars(
            select(Accident)
            .where(Accident.state == "closed", Accident.evaluation_opens_on <= today)
            .order_by(Accident.id)
        )
    )
    for acc in rows:
        act(session, SYSTEM, acc.id, "open_evaluation", AccidentActionIn.model_validate({}), today=today)
    return len(rows)


def mark_measure_done(
    session: Session, user: Principal, accident_id: int, measure_id: int, data: MeasureDoneIn
) -> AccidentMeasure:
    acc = get_readable(session, user, accident_id)
    m = session.scalar(
        select(AccidentMeasure).where(AccidentMeasure.id == measure_id, AccidentMeasure.accident_id == acc.id)
    )
    if m is None:
        raise NotFound(f"整改措施 {measure_id} 不存在")
    if acc.state not in ("closed", "evaluation_due", "report_submitted"):
        raise Conflict(f"事故{STATES[acc.state]}，不能登记整改措施落实情况", field="done_on")
    if data.done_on > local_today():
        raise BadInput("完成日期不能晚于今天", field="done_on")
    m.done_on, m.done_note = data.done_on, data.note
    audit.record(
        session,
        user,
        "measure_done",
        "accident_measure",
        m.id,
        after={"done_on": data.done_on.isoformat()},
        enterprise_id=acc.enterprise_id,
    )
    session.flush()
    return m


def listable_subject(session: Session, user: Principal, accident_id: int) -> tuple[int, str]:
    """For 挂牌督办 (app.supervision.service.list_case): (enterprise_id, summary), or a refusal."""
    acc = get_readable(session, user, accident_id)
    policy = accident_rules().model
    if acc.level is None or not at_least(acc.level, policy.supervision.min_level):
        minimum = ACCIDENT_LEVEL_LABELS[policy.supervision.min_level]
        raise BadInput(f"只有{minimum}及以上的事故调查可以挂牌督办（项目默认政策）", field="subject_id")
    if acc.state not in OPEN_INVESTIGATION:
        raise Conflict(f"事故{STATES[acc.state]}，不能挂牌督办事故调查", field="subject_id")
    ent = session.get_one(Enterprise, acc.enterprise_id)
    text = (
        f"{ent.name}{to_local(acc.occurred_at).strftime('%Y-%m-%d') if acc.occurred_at else acc.occurred_on}"
        f"{acc.accident_type}{ACCIDENT_LEVEL_LABELS[acc.level]}调查"
    )
    return acc.enterprise_id, text[:120]


# ---------------------------------------------------------------- output


def overdue_flags(acc: Accident, today: date) -> list[str]:
    out = []
    if acc.state == "investigating" and acc.investigation_due and today > acc.investigation_due:
        out.append(f"调查报告逾期（期限 {acc.investigation_due}）")
    if acc.state in ("closed", "evaluation_due") and acc.evaluation_due and today > acc.evaluation_due:
        out.append(f"整改评估逾期（期限 {acc.evaluation_due}）")
    return out


def to_out(
    session: Session, acc: Accident, names: dict[int, str] | None = None, *, full: bool = False
) -> dict[str, Any]:
    links = chain(acc, steps_of(session, acc))
    today = local_today()
    out: dict[str, Any] = {
        "id": acc.id,
        "enterprise_id": acc.enterprise_id,
        "enterprise_name": (names or {}).get(acc.enterprise_id),
        "occurred_on": acc.occurred_on.isoformat(),
        "occurred_at": acc.occurred_at.isoformat() if acc.occurred_at else None,
        "place": acc.place,
        "accident_type": acc.accident_type,
        "special_kind": acc.special_kind,
        "deaths": acc.deaths,
        "serious_injuries": acc.serious_injuries,
        "minor_injuries": acc.minor_injuries,
        "direct_loss_yuan": acc.direct_loss_yuan,
        "level": acc.level,
        "level_label": ACCIDENT_LEVEL_LABELS.get(acc.level) if acc.level else None,
        "state": acc.state,
        "state_label": STATES[acc.state],
        "source": acc.source,
        "source_label": SOURCES.get(acc.source, acc.source),
        "chain": links,
        "flags": flags(acc, links) + overdue_flags(acc, today),
        "investigation_due": acc.investigation_due.isoformat() if acc.investigation_due else None,
        "extension_days": acc.extension_days,
        "closed_on": acc.closed_on.isoformat() if acc.closed_on else None,
        "evaluation_opens_on": acc.evaluation_opens_on.isoformat() if acc.evaluation_opens_on else None,
        "evaluation_due": acc.evaluation_due.isoformat() if acc.evaluation_due else None,
        "evaluated_on": acc.evaluated_on.isoformat() if acc.evaluated_on else None,
        "evaluation_summary": acc.evaluation_summary,
    }
    if full:
        out.update(
            summary=acc.summary,
            photos=acc.photos or [],
            note=acc.note,
            level_rule_set=acc.level_rule_set,
            level_trace=acc.level_trace or [],
            team=acc.team,
            causes=acc.causes,
            responsibility=acc.responsibility,
            reply_authority=acc.reply_authority,
            measures=[
                {
                    "id": m.id,
                    "seq": m.seq,
                    "text": m.text,
                    "done_on": m.done_on.isoformat() if m.done_on else None,
                    "done_note": m.done_note,
                    "evaluation": m.evaluation,
                }
                for m in session.scalars(
                    select(AccidentMeasure)
                    .where(AccidentMeasure.accident_id == acc.id)
                    .order_by(AccidentMeasure.seq)
                )
            ],
            updates=[
                {
                    "at": u.at.isoformat(),
                    "actor_name": u.actor_name,
                    "deaths": u.deaths,
                    "serious_injuries": u.serious_injuries,
                    "minor_injuries": u.minor_injuries,
                    "direct_loss_yuan": u.direct_loss_yuan,
                    "level_before": u.level_before,
                    "level_after": u.level_after,
                    "within_window": u.within_window,
                    "note": u.note,
                }
                for u in session.scalars(
                    select(AccidentUpdate)
                    .where(AccidentUpdate.accident_id == acc.id)
                    .order_by(AccidentUpdate.id)
                )
            ],
            events=[
                {
                    "at": e.at.isoformat(),
                    "actor_name": e.actor_name,
                    "action": e.action,
                    "action_label": t.ACTION_LABELS.get(e.action)
                    or t.SYSTEM_ACTIONS.get(e.action)
                    or ("续报" if e.action == "update" else e.action),
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "note": e.note,
                }
                for e in session.scalars(
                    select(AccidentEvent)
                    .where(AccidentEvent.accident_id == acc.id)
                    .order_by(AccidentEvent.id)
                )
            ],
        )
    return out


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
    return {ent_id: name for ent_id, name in rows}


def detail(session: Session, user: Principal, accident_id: int) -> dict[str, Any]:
    acc = get_readable(session, user, accident_id)
    out = to_out(session, acc, _names(session, {acc.enterprise_id}), full=True)
    ctx = t.Ctx(session, acc, user, local_today())
    out["allowed_actions"] = [a for a in t.WORKFLOW.allowed_actions(ctx) if a in t.ACTION_LABELS]
    return out


def list_accidents(
    session: Session, user: Principal, enterprise_id: int | None = None, limit: int = BOARD_ROWS
) -> list[dict[str, Any]]:
    stmt = readable(select(Accident), user)
    if enterprise_id is not None:
        enterprises.get_readable(session, user, enterprise_id)
        stmt = stmt.where(Accident.enterprise_id == enterprise_id)
    rows = list(session.scalars(stmt.order_by(Accident.occurred_on.desc(), Accident.id.desc()).limit(limit)))
    names = _names(session, {a.enterprise_id for a in rows})
    return [to_out(session, a, names) for a in rows]


def board_rows(session: Session, user: Principal) -> dict[str, list[dict[str, Any]]]:
    """Accidents with a late or missing report, and overdue investigations and evaluations."""
    rows = list(
        session.scalars(
            readable(select(Accident), user)
            .where(Accident.state != "recorded", Accident.state != "evaluated")
            .order_by(Accident.occurred_on.desc(), Accident.id.desc())
            .limit(500)
        )
    )
    names = _names(session, {a.enterprise_id for a in rows})
    outs = [to_out(session, a, names) for a in rows]
    reports = [o for o in outs if any(s["status"] in ("late", "overdue") for s in o["chain"])]
    overdue = [o for o in outs if any("逾期" in f and ("调查" in f or "评估" in f) for f in o["flags"])]
    return {"reports": reports[:BOARD_ROWS], "investigations": overdue[:BOARD_ROWS]}
