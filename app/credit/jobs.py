"""Scheduled jobs of 信用 (registered at import; listed in app.scheduler.registry.JOB_MODULES).

credit.expire: every listing whose 3-year term has ended leaves the list on its term-end day (the run's
date, so a caught-up run removes what fell due meanwhile). credit.profile_expiry: licences, 标准化 grades
and 安责险 policies that expire within the reminder window are notified once each to the enterprise and
its inspectors.
"""

from typing import Any

from sqlalchemy.orm import Session

from app.credit import profiles, service
from app.enterprises.models import Enterprise
from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce, reminder_days

# Licences are renewed well ahead: remind this many days before the expiry (project default).
LICENCE_REMINDER_DAYS = 30


def expire(session: Session, ctx: RunContext) -> dict[str, Any]:
    return service.expire_due(session, ctx.actor, ctx.local_date)


def profile_expiry(session: Session, ctx: RunContext) -> dict[str, Any]:
    first, last = profiles.window(ctx.local_date, max(LICENCE_REMINDER_DAYS, reminder_days()))
    rows = profiles.expiring(session, first, last)
    links = [f"/api/credit/profiles/{ent_id}" for ent_id, *_ in rows]
    once = NotifyOnce(session, "credit_profile_expiry", links)
    sent = 0
    for ent_id, what, number, until in rows:
        ent = session.get(Enterprise, ent_id)
        if ent is None:
            continue
        users = notifications.enterprise_users(session, ent.id)
        if ent.region_code:
            users += notifications.inspectors_for(session, ent.region_code, ent.industry)
        key = f"{what}{number}至{until.isoformat()}"
        sent += once.send(
            key=key,
            link=f"/api/credit/profiles/{ent.id}",
            user_ids=users,
            title=f"证照即将到期：{ent.name} {key}",
            body=f"{ent.name}的{what}{('（' + number + '）') if number else ''}有效期至 {until.isoformat()}，"
            "请及时办理延续或换证。",
            enterprise_id=ent.id,
        )
    return {"expiring": len(rows), "notified": sent}


register(
    "credit.expire",
    expire,
    trigger="10 0 * * *",
    description="严重失信主体名单管理期满移出：期满当日移出名单、停止公示",
)
register(
    "credit.profile_expiry",
    profile_expiry,
    trigger="40 1 * * *",
    description="企业档案证照（许可证、标准化等级、安责险）到期前提醒",
)
