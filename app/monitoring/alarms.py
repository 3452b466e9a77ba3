"""Alarms: who hears of them, the person's actions (TransitionTable), escalation and stale data."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import SYSTEM, Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.monitoring import transitions
from app.monitoring.ingest import ack_minutes
from app.monitoring.models import (
    ALARM_KINDS,
    ALARM_STATES,
    Alarm,
    AlarmEvent,
    MonitoringPoint,
    Reading,
    UnitResponsible,
)
from app.monitoring.settings import get_monitoring_settings
from app.notifications import service as notifications
from app.timeutil import fmt_local, utcnow


def responsible_users(session: Session, unit_id: int) -> list[int]:
    return [
        u
        for u in session.scalars(
            select(UnitResponsible.user_id).where(
                UnitResponsible.unit_id == unit_id, UnitResponsible.user_id.is_not(None)
            )
        )
        if u is not None
    ]


def _inspectors(session: Session, enterprise_id: int) -> list[int]:
    ent = session.get(Enterprise, enterprise_id)
    if ent is None or not ent.region_code:
        return []
    return notifications.inspectors_for(session, ent.region_code, ent.industry)


def _describe(session: Session, alarm: Alarm) -> tuple[str, str]:
    point = session.get(MonitoringPoint, alarm.point_id)
    tag = point.tag if point else str(alarm.point_id)
    name = point.name if point else ""
    title = f"{ALARM_KINDS[alarm.kind]}：{tag} {name}"
    if alarm.kind == "stale":
        body = f"测点 {tag} 自 {fmt_local(alarm.started_at)} 起未上传数据。"
    else:
        body = (
            f"测点 {tag} 于 {fmt_local(alarm.started_at)} 越限（报警限 {alarm.limit_value}，"
            f"峰值 {alarm.peak_value}），请在 {fmt_local(alarm.ack_due_at)} 前确认。"
        )
    return title, body


def notify_opened(session: Session, alarm_ids: list[int]) -> None:
    """A new alarm reaches the enterprise's users and the unit's 包保责任人."""
    for alarm in session.scalars(select(Alarm).where(Alarm.id.in_(alarm_ids))):
        title, body = _describe(session, alarm)
        users = notifications.enterprise_users(session, alarm.enterprise_id) + responsible_users(
            session, alarm.unit_id
        )
        notifications.notify(
            session,
            user_ids=users,
            kind="monitoring_alarm",
            title=title,
            body=body,
            link=f"/api/monitoring/alarms/{alarm.id}",
            enterprise_id=alarm.enterprise_id,
        )


def readable(stmt: Any, user: Principal) -> Any:
    return enterprises.owned_by_readable(stmt, Alarm.enterprise_id, user)


def get_alarm(session: Session, user: Principal, alarm_id: int) -> Alarm:
    alarm = session.scalar(readable(select(Alarm).where(Alarm.id == alarm_id), user))
    if alarm is None:
        raise NotFound(f"报警 {alarm_id} 不存在")
    return alarm


def detail(session: Session, user: Principal, alarm: Alarm) -> dict[str, Any]:
    point = session.get(MonitoringPoint, alarm.point_id)
    events = session.scalars(
        select(AlarmEvent).where(AlarmEvent.alarm_id == alarm.id).order_by(AlarmEvent.id)
    )
    return {
        "id": alarm.id,
        "point_id": alarm.point_id,
        "tag": point.tag if point else None,
        "enterprise_id": alarm.enterprise_id,
        "unit_id": alarm.unit_id,
        "kind": alarm.kind,
        "kind_label": ALARM_KINDS[alarm.kind],
        "state": alarm.state,
        "state_label": ALARM_STATES[alarm.state],
        "limit_value": alarm.limit_value,
        "started_at": alarm.started_at.isoformat(),
        "peak_value": alarm.peak_value,
        "peak_at": alarm.peak_at.isoformat() if alarm.peak_at else None,
        "returned_at": alarm.returned_at.isoformat() if alarm.returned_at else None,
        "ack_due_at": alarm.ack_due_at.isoformat(),
        "acknowledged_at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None,
        "acknowledged_late": alarm.acknowledged_late,
        "escalated_at": alarm.escalated_at.isoformat() if alarm.escalated_at else None,
        "disposal_note": alarm.disposal_note,
        "cleared_at": alarm.cleared_at.isoformat() if alarm.cleared_at else None,
        "version": alarm.version,
        "allowed_actions": transitions.allowed_actions(transitions.Ctx(alarm, user)),
        "events": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "action_label": transitions.label(e.action),
                "actor": e.actor_name,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in events
        ],
    }


def list_alarms(
    session: Session,
    user: Principal,
    *,
    state: str | None,
    open_only: bool,
    enterprise_id: int | None,
    after_id: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    stmt = readable(select(Alarm), user)
    if state is not None:
        if state not in ALARM_STATES:
            raise BadInput(f"state：可选 {'、'.join(ALARM_STATES)}", field="state")
        stmt = stmt.where(Alarm.state == state)
    elif open_only:
        stmt = stmt.where(Alarm.state != "cleared")
    if enterprise_id is not None:
        stmt = stmt.where(Alarm.enterprise_id == enterprise_id)
    if after_id is not None:
        stmt = stmt.where(Alarm.id > after_id)
    return [detail(session, user, a) for a in session.scalars(stmt.order_by(Alarm.id).limit(limit))]


def act(
    session: Session, user: Principal, alarm_id: int, action: str, version: int, note: str | None
) -> Alarm:
    alarm = get_alarm(session, user, alarm_id)
    if action not in transitions.ACTIONS:
        raise BadInput(f"action：可选 {'、'.join(transitions.ACTIONS)}", field="action")
    if alarm.version != version:
        raise Conflict("报警已被他人处理（版本号不符），请刷新后重试", field="version")
    ctx = transitions.Ctx(alarm, user)
    reason = transitions.refusal(ctx, action)
    if reason is not None:
        entry = transitions.TABLE.get((alarm.state, action))
        raise (Forbidden if entry is not None and user.role not in entry[1] else Conflict)(
            reason, field="action"
        )
    if action == "dispose" and not (note and note.strip()):
        raise BadInput("note：记录处置须写明采取的措施", field="note")
    now = utcnow()
    before = alarm.state
    if action == "acknowledge":
        alarm.acknowledged_at = now
        alarm.acknowledged_by = user.id or None
        alarm.acknowledged_late = now > alarm.ack_due_at
    elif action == "dispose":
        alarm.disposal_note = note
        alarm.disposed_at = now
    elif action == "clear":
        alarm.cleared_at = now
    alarm.state = transitions.WORKFLOW.next_state(before, action)
    session.add(
        AlarmEvent(
            alarm_id=alarm.id,
            at=now,
            actor_id=user.id or None,
            actor_name=user.display_name,
            action=action,
            from_state=before,
            to_state=alarm.state,
            note=note,
            data={"late": alarm.acknowledged_late} if action == "acknowledge" else None,
        )
    )
    session.flush()
    audit.record(
        session,
        user,
        action,
        "monitoring_alarm",
        alarm.id,
        before={"state": before},
        after={"state": alarm.state},
        enterprise_id=alarm.enterprise_id,
        note=note,
    )
    return alarm


def escalate_overdue(session: Session, now: datetime | None = None) -> dict[str, int]:
    """An unacknowledged 高高/低低 alarm past its time limit: the unit's 包保责任人 and the supervising
    inspectors are told, once per alarm."""
    now = now or utcnow()
    due = session.scalars(
        select(Alarm)
        .where(
            Alarm.state == "open",
            Alarm.kind.in_(("hh", "ll")),
            Alarm.ack_due_at < now,
            Alarm.escalated_at.is_(None),
        )
        .order_by(Alarm.id)
    ).all()
    for alarm in due:
        title, body = _describe(session, alarm)
        users = responsible_users(session, alarm.unit_id) + _inspectors(session, alarm.enterprise_id)
        notifications.notify(
            session,
            user_ids=users,
            kind="monitoring_alarm_overdue",
            title=f"超时未确认 {title}",
            body=f"{body} 已超过确认时限，仍未确认。",
            link=f"/api/monitoring/alarms/{alarm.id}",
            enterprise_id=alarm.enterprise_id,
        )
        alarm.escalated_at = now
        session.add(
            AlarmEvent(
                alarm_id=alarm.id,
                at=now,
                actor_name=SYSTEM.display_name,
                action="escalate",
                from_state=alarm.state,
                to_state=alarm.state,
                data={"notified": len(set(users))},
            )
        )
    return {"escalated": len(due)}


def raise_stale(session: Session, now: datetime | None = None) -> dict[str, int]:
    """A point silent past stale_factor × its interval gets a 数据中断 alarm (one open per point)."""
    now = now or utcnow()
    factor = get_monitoring_settings().stale_factor
    last = (
        select(func.max(Reading.ts))
        .where(Reading.point_id == MonitoringPoint.id)
        .correlate(MonitoringPoint)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            MonitoringPoint.id,
            MonitoringPoint.enterprise_id,
            MonitoringPoint.unit_id,
            MonitoringPoint.interval_seconds,
            MonitoringPoint.created_at,
            last,
        ).where(MonitoringPoint.is_active.is_(True))
    ).all()
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    opened: list[int] = []
    for pid, ent_id, unit_id, interval, created, last_ts in rows:
        since = last_ts or created
        if since is None or since.tzinfo is None:
            continue
        if now - since <= timedelta(seconds=interval * factor):
            continue
        started = since + timedelta(seconds=interval * factor)
        aid = session.execute(
            insert_fn(Alarm)
            .values(
                point_id=pid,
                enterprise_id=ent_id,
                unit_id=unit_id,
                kind="stale",
                state="open",
                started_at=started,
                ack_due_at=started + timedelta(minutes=ack_minutes("stale")),
                acknowledged_late=False,
                version=1,
            )
            .on_conflict_do_nothing(
                index_elements=["point_id", "kind"], index_where=text("state <> 'cleared'")
            )
            .returning(Alarm.id)
        ).scalar()
        if aid is not None:
            opened.append(int(aid))
            session.add(AlarmEvent(alarm_id=aid, at=now, actor_name="系统", action="open", to_state="open"))
    session.flush()
    if opened:
        notify_opened(session, opened)
    return {"checked": len(rows), "opened": len(opened)}
