"""Scheduled jobs of campaigns and 安全提示 (listed in app.scheduler.registry.JOB_MODULES)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.campaigns import notices, service
from app.campaigns.models import FILED, Campaign, CampaignReport
from app.enterprises.models import Enterprise
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce, reminder_days

REMINDER_KIND = "campaign_report_due"


def notice_escalation(session: Session, ctx: RunContext) -> dict[str, Any]:
    """安全提示 past their 叫应 deadline at the run's due time (the movable clock: ctx.scheduled_for)."""
    return notices.escalate_due(session, ctx.scheduled_for)


def report_reminders(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Enterprises in scope that have not filed, told once per campaign and deadline, from the policy's
    reminder_days_before days ahead of the 自查报告 deadline until the deadline itself."""
    day = ctx.local_date
    due = list(
        session.scalars(
            select(Campaign).where(Campaign.report_due.between(day, day + timedelta(days=reminder_days())))
        )
    )
    once = NotifyOnce(session, REMINDER_KIND, [f"/campaigns/{c.id}" for c in due])
    campaigns = users_told = 0
    for campaign in due:
        link, key = f"/campaigns/{campaign.id}", f"{campaign.report_due.isoformat()} 前"
        if once.was_sent(link, key):
            continue
        filed = select(CampaignReport.enterprise_id).where(
            CampaignReport.campaign_id == campaign.id, CampaignReport.state.in_(FILED)
        )
        laggards = service.in_scope(session, campaign, select(Enterprise.id)).where(
            Enterprise.id.not_in(filed)
        )
        users = list(
            session.scalars(
                select(User.id).where(
                    User.role == "enterprise", User.is_active.is_(True), User.enterprise_id.in_(laggards)
                )
            )
        )
        if once.send(
            key=key,
            link=link,
            user_ids=users,
            title=f"专项整治“{campaign.title}”自查报告请于 {key}报送",
            body=f"{campaign.department}组织的“{campaign.title}”，本企业尚未报送自查报告，"
            f"请在 {campaign.report_due.isoformat()} 前完成检查清单并报送。",
        ):
            campaigns += 1
            users_told += len(users)
    return {"campaigns": campaigns, "users": users_told}


register(
    "campaigns.notice_escalation",
    notice_escalation,
    trigger="*/15 * * * *",
    description="安全提示叫应截止后：未叫应企业上报乡镇(街道)和属地监管部门",
)
register(
    "campaigns.report_reminders",
    report_reminders,
    trigger="40 1 * * *",
    description="专项整治自查报告截止前提醒尚未报送的企业",
)
