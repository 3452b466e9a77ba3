"""约谈 records: who held it, whom (a region's leader or an enterprise's 主要负责人), why (a linked overdue
督办 case, a red enterprise, a low score), commitments and a follow-up date. The job
`assessment.interview_followups` reminds the holder and the region's inspectors once the date has come.

Scoping: a 约谈 of an enterprise follows the one enterprise rule; one of a region's leader the region
subtree rule (as the audit log does)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.assessment.models import (
    INTERVIEW_REASONS,
    INTERVIEW_STATES,
    INTERVIEWEE_KINDS,
    Interview,
)
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.notifications import service as notifications
from app.regions.models import Region
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce
from app.supervision import service as supervision
from app.timeutil import utcnow

AUDITED = ["state", "follow_up_on", "follow_up_note", "commitments"]
CATCH_UP_DAYS = 31


def readable(stmt: SelectT, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(Interview.enterprise_id == user.enterprise_id)
    mine = enterprises.readable(select(Enterprise.id), user)
    return stmt.where(
        or_(
            and_(Interview.enterprise_id.is_(None), Interview.region_path.like(f"{user.region_path}%")),
            Interview.enterprise_id.in_(mine),
        )
    )


def get_readable(session: Session, user: Principal, interview_id: int) -> Interview:
    row = session.scalar(readable(select(Interview).where(Interview.id == interview_id), user))
    if row is None:
        raise NotFound(f"约谈记录 {interview_id} 不存在", field="id")
    return row


def detail(row: Interview) -> dict[str, Any]:
    return {
        "id": row.id,
        "region_code": row.region_code,
        "enterprise_id": row.enterprise_id,
        "held_on": row.held_on,
        "held_by": row.held_by,
        "interviewee": row.interviewee,
        "interviewee_kind": row.interviewee_kind,
        "interviewee_kind_label": INTERVIEWEE_KINDS[row.interviewee_kind],
        "reason_kind": row.reason_kind,
        "reason_kind_label": INTERVIEW_REASONS[row.reason_kind],
        "case_id": row.case_id,
        "bulletin_id": row.bulletin_id,
        "reason": row.reason,
        "commitments": row.commitments,
        "follow_up_on": row.follow_up_on,
        "state": row.state,
        "state_label": INTERVIEW_STATES[row.state],
        "follow_up_note": row.follow_up_note,
        "followed_up_at": row.followed_up_at,
        "version": row.version,
    }


def create(session: Session, user: Principal, data: Any) -> Interview:
    if not (user.is_admin or user.role == "inspector"):
        raise Forbidden("只有监管人员可以登记约谈")
    if data.follow_up_on < data.held_on:
        raise BadInput("跟踪检查日期不能早于约谈日期", field="follow_up_on")
    ent = None
    if data.interviewee_kind == "enterprise_head":
        if data.enterprise_id is None:
            raise BadInput("约谈企业主要负责人须填写企业", field="enterprise_id")
        ent = enterprises.get_readable(session, user, data.enterprise_id)
        region = session.get(Region, ent.region_code or "")
        if region is None:
            raise BadInput("该企业没有所属行政区", field="enterprise_id")
    else:
        if not data.region_code:
            raise BadInput("约谈地方政府或部门负责人须填写行政区", field="region_code")
        region = session.get(Region, data.region_code)
        if region is None or not (user.is_admin or region.path.startswith(user.region_path or "\0")):
            raise NotFound(f"行政区 {data.region_code} 不存在", field="region_code")
    if data.case_id is not None:
        case = supervision.get_readable(session, user, data.case_id)
        if ent is not None and case.enterprise_id != ent.id:
            raise BadInput("所关联的督办事项不属于被约谈的企业", field="case_id")
    row = Interview(
        region_code=region.code,
        region_path=region.path,
        enterprise_id=ent.id if ent else None,
        held_on=data.held_on,
        held_by=data.held_by,
        held_by_user=user.id or None,
        interviewee=data.interviewee,
        interviewee_kind=data.interviewee_kind,
        reason_kind=data.reason_kind,
        case_id=data.case_id,
        bulletin_id=data.bulletin_id,
        reason=data.reason,
        commitments=data.commitments,
        follow_up_on=data.follow_up_on,
        state="open",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "assessment_interview",
        row.id,
        after=audit.snapshot(row, AUDITED),
        enterprise_id=row.enterprise_id,
        region_path=row.region_path,
    )
    return row


def follow_up(session: Session, user: Principal, interview_id: int, version: int, note: str) -> Interview:
    row = get_readable(session, user, interview_id)
    if not (user.is_admin or user.role == "inspector"):
        raise Forbidden("只有监管人员可以登记约谈跟踪情况")
    if version != row.version:
        raise Conflict(f"约谈记录已被他人修改（当前版本 {row.version}），请刷新后重试", field="version")
    if row.state != "open":
        raise Conflict("该约谈已登记跟踪情况", field="state")
    before = audit.snapshot(row, AUDITED)
    row.state, row.follow_up_note, row.followed_up_at = "followed_up", note, utcnow()
    session.flush()
    audit.record(
        session,
        user,
        "follow_up",
        "assessment_interview",
        row.id,
        before=before,
        after=audit.snapshot(row, AUDITED),
        enterprise_id=row.enterprise_id,
        region_path=row.region_path,
    )
    return row


def list_interviews(session: Session, user: Principal, limit: int = 100) -> list[dict[str, Any]]:
    rows = session.scalars(readable(select(Interview), user).order_by(Interview.id.desc()).limit(limit))
    return [detail(r) for r in rows]


def followups(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Remind of each open 约谈 whose follow-up date has come (once per interview and date)."""
    today = ctx.local_date
    due = list(
        session.scalars(
            select(Interview)
            .where(
                Interview.state == "open",
                Interview.follow_up_on <= today,
                Interview.follow_up_on >= today - timedelta(days=CATCH_UP_DAYS),
            )
            .order_by(Interview.id)
        )
    )
    once = NotifyOnce(
        session, "assessment.interview_followup", [f"/api/assessment/interviews/{r.id}" for r in due]
    )
    sent = 0
    for r in due:
        users = notifications.inspectors_for(session, r.region_code)
        if r.held_by_user:
            users = [r.held_by_user, *users]
        key = r.follow_up_on.isoformat()
        sent += once.send(
            key=key,
            link=f"/api/assessment/interviews/{r.id}",
            user_ids=users,
            title=f"约谈跟踪到期：{r.interviewee}（{key}）",
            body=f"{r.held_on.isoformat()}约谈{r.interviewee}，承诺：{r.commitments[:200]}。请核查整改承诺落实情况并登记。",
            enterprise_id=r.enterprise_id,
        )
    return {"due": len(due), "notified": sent}


register(
    "assessment.interview_followups",
    followups,
    trigger="10 8 * * *",
    description="约谈跟踪：跟踪检查日期已到的约谈，提醒约谈人和属地监管人员核查承诺落实情况",
)
