"""Scheduled jobs of monitoring (registered at import; listed in app.scheduler.registry.JOB_MODULES)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.monitoring import alarms, partitions, service
from app.monitoring.settings import get_monitoring_settings
from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce
from app.timeutil import SHANGHAI, to_local, utcnow


def partition_job(session: Session, ctx: RunContext) -> dict[str, Any]:
    return partitions.maintain(session)


def stale_job(session: Session, ctx: RunContext) -> dict[str, Any]:
    return alarms.raise_stale(session)


def escalation_job(session: Session, ctx: RunContext) -> dict[str, Any]:
    return alarms.escalate_overdue(session)


def missing_commitment_job(session: Session, ctx: RunContext) -> dict[str, Any]:
    """After the due hour, an enterprise with a 重大危险源 and no 承诺公告 today is reminded, and its
    inspectors told; once per enterprise and day."""
    now = to_local(utcnow())
    day = now.date()
    due = datetime(
        day.year, day.month, day.day, get_monitoring_settings().commitment_due_hour, tzinfo=SHANGHAI
    )
    if now < due:
        return {"day": day.isoformat(), "checked": False}
    missing = service.missing_commitments(session, day)
    link = "/public/monitoring/enterprises/{}/commitment"
    once = NotifyOnce(session, "monitoring_commitment_missing", [link.format(m[0]) for m in missing])
    sent = 0
    for ent_id, name, region, industry in missing:
        users = notifications.enterprise_users(session, ent_id)
        if region:
            users += notifications.inspectors_for(session, region, industry)
        sent += once.send(
            key=day.isoformat(),
            link=link.format(ent_id),
            user_ids=users,
            title=f"{name} 未发布 {day.isoformat()} 安全风险研判与承诺公告",
            body=f"{name} 有重大危险源，截至 {due.strftime('%H:%M')} 尚未发布当日安全风险研判与承诺公告。",
            enterprise_id=ent_id,
        )
    return {"day": day.isoformat(), "missing": len(missing), "notified": sent}


register(
    "monitoring.partitions",
    partition_job,
    trigger="30 0 * * *",
    description="监测数据分区：提前建好后续月份分区，删除超过保存期的分区（不短于法定最低30天）",
)
register(
    "monitoring.stale_points",
    stale_job,
    trigger="*/5 * * * *",
    description="数据中断报警：测点超过 3 个采样周期未上传数据即报警",
)
register(
    "monitoring.escalate_alarms",
    escalation_job,
    trigger="* * * * *",
    description="高高/低低报警超过确认时限未确认：通知包保责任人和监管部门",
)
register(
    "monitoring.missing_commitments",
    missing_commitment_job,
    trigger={"hour": "9-23", "minute": "5"},
    description="承诺公告缺报提醒：规定时点后仍未发布当日安全风险研判与承诺公告的企业",
)
