"""Scheduled 挂牌督办 work: the daily overdue check (mark, notify, suggest 提级督办 per policy) and
reminders before each time limit of a case, each sent once per case and date (NotifyOnce)."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications import service as notifications
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce, add_limit, reminder_days
from app.supervision import service
from app.supervision.models import RUNNING, SupervisionCase

# A reminder whose date passed more than this long ago is no longer sent (a catch-up bound).
CATCH_UP_DAYS = 31


def overdue_check(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Idempotent: each case is marked overdue once and gets one 提级 suggestion."""
    return service.mark_overdue(session, ctx.actor, ctx.local_date)


def _link(case: SupervisionCase) -> str:
    return f"/supervision/cases/{case.id}"


def _remind(
    session: Session,
    kind: str,
    due: list[tuple[SupervisionCase, date]],
    recipients: Any,
    title: str,
    body: str,
) -> int:
    once = NotifyOnce(session, kind, [_link(c) for c, _ in due])
    sent = 0
    for case, when in due:
        key = when.isoformat()
        sent += once.send(
            key=key,
            link=_link(case),
            user_ids=recipients(case),
            title=title.format(date=key, number=case.notice_number),
            body=body.format(date=key, summary=case.summary, until=case.extension_until),
            enterprise_id=case.enterprise_id,
        )
    return sent


def reminders(session: Session, ctx: RunContext) -> dict[str, Any]:
    """reminder_days_before ahead of: the rectification deadline (to the enterprise), the decision
    on a pending extension request (to the issuing department) and the verification time limit
    after a closure application (to the issuing department and the assigned verifier)."""
    day = ctx.local_date
    ahead = day + timedelta(days=reminder_days())
    oldest = day - timedelta(days=CATCH_UP_DAYS)
    cases = list(
        session.scalars(
            select(SupervisionCase)
            .where(SupervisionCase.state.in_((*RUNNING, "closure_applied", "verifying")))
            .order_by(SupervisionCase.id)
        )
    )
    deadlines = [(c, c.deadline) for c in cases if c.state in RUNNING and day <= c.deadline <= ahead]
    extensions = [
        (c, add_limit(c.extension_requested_on, "extension_decision"))
        for c in cases
        if c.extension_requested_on is not None and c.extension_until is not None
    ]
    extensions = [(c, d) for c, d in extensions if oldest <= d <= ahead]
    verifications = [
        (c, c.verification_due)
        for c in cases
        if c.state in ("closure_applied", "verifying")
        and c.verification_due is not None
        and oldest <= c.verification_due <= ahead
    ]

    def issuers(case: SupervisionCase) -> list[int]:
        return service.issuer_users(session, case)

    def verifiers(case: SupervisionCase) -> list[int]:
        return issuers(case) + ([case.verifier_id] if case.verifier_id else [])

    return {
        "deadline": _remind(
            session,
            "supervision_deadline",
            deadlines,
            lambda c: notifications.enterprise_users(session, c.enterprise_id),
            "督办事项整改期限临近（{date}）：{number}",
            "挂牌督办的重大事故隐患“{summary}”整改期限为 {date}。请按期完成整改并申请销号；"
            "确需延期的，应在期限届满前提出延期申请。",
        ),
        "extension_decision": _remind(
            session,
            "supervision_extension_pending",
            extensions,
            issuers,
            "督办事项延期申请待决定（{date} 前）：{number}",
            "企业申请将“{summary}”的整改期限延至 {until}，请于 {date} 前作出决定。",
        ),
        "verification": _remind(
            session,
            "supervision_verification_due",
            verifications,
            verifiers,
            "督办事项核查验收期限临近（{date}）：{number}",
            "企业已就“{summary}”申请销号，请于 {date} 前组织现场核查验收。",
        ),
    }


register(
    "supervision.overdue",
    overdue_check,
    trigger="30 1 * * *",
    description="挂牌督办逾期检查：标记逾期、通知企业和督办部门、按政策建议提级督办",
)
register(
    "supervision.reminders",
    reminders,
    trigger="35 1 * * *",
    description="挂牌督办整改期限、延期决定期限、核查验收期限届满前提醒",
)
