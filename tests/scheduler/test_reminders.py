"""Reminders before the decision on an extension request and before the 核查 time limit: on the
day the policy says, to whoever must act, once."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hazards import jobs as hazard_jobs
from app.hazards.models import HazardExtension
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.scheduler.reminders import NotifyOnce, add_limit
from app.supervision import jobs as supervision_jobs
from app.supervision import service as supervision
from app.supervision.models import SupervisionCase
from app.supervision.schemas import CaseIn
from app.timeutil import SHANGHAI, frozen_at
from app.workdays import add_working_days
from tests.factories import make_user, principal
from tests.supervision.factories import World, make_hazard, make_world

START = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)  # a Monday


def _ctx(day: date) -> RunContext:
    return RunContext("test.reminders", datetime(day.year, day.month, day.day, 1, 35, tzinfo=SHANGHAI), 1)


def _sent(db: Session, kind: str, link: str) -> list[int]:
    stmt = select(Notification.user_id).where(Notification.kind == kind, Notification.link == link)
    return sorted(db.scalars(stmt))


def _case(db: Session, w: World, deadline: date) -> SupervisionCase:
    hazard = make_hazard(db, w.ent)
    body = CaseIn(
        subject_id=hazard.id, responsible_unit="甲一化工", requirements="限期整改", deadline=deadline
    )
    return supervision.list_case(db, principal(db, w.county), body)


def _walk(db: Session, job, first: date, last: date) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    out = []
    day = first
    while day <= last:
        with frozen_at(datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI)):
            out.append(job(db, _ctx(day)))
            out.append(job(db, _ctx(day)))  # a second run the same day sends nothing more
        day += timedelta(days=1)
    return out


def test_supervision_extension_and_verification_reminders(db: Session) -> None:
    w = make_world(db)
    with frozen_at(START):
        pending = _case(db, w, date(2026, 7, 31))
        applied = _case(db, w, date(2026, 7, 31))
    pending.extension_until, pending.extension_reason = date(2026, 8, 31), "设备到货延迟"
    pending.extension_requested_on = date(2026, 6, 1)
    applied.state, applied.verification_due = "closure_applied", date(2026, 6, 20)
    applied.verifier_id = w.city.id
    db.flush()
    decide_by = add_working_days(date(2026, 6, 1), 10)  # extension_decision: 10 working days
    assert decide_by == date(2026, 6, 15)

    counts = _walk(db, supervision_jobs.reminders, date(2026, 6, 1), date(2026, 6, 25))
    assert sum(c["extension_decision"] for c in counts) == 1
    assert sum(c["verification"] for c in counts) == 1
    link = f"/supervision/cases/{pending.id}"
    assert _sent(db, "supervision_extension_pending", link) == [w.county.id]
    note = db.scalar(select(Notification).where(Notification.kind == "supervision_extension_pending"))
    assert note is not None and "2026-06-15" in note.title and "2026-08-31" in note.body
    assert note.created_at.astimezone(SHANGHAI).date() == date(2026, 6, 12)  # 3 days before
    verified = _sent(db, "supervision_verification_due", f"/supervision/cases/{applied.id}")
    assert verified == sorted([w.county.id, w.city.id])
    # Neither case's own deadline (31 July) is near yet.
    assert sum(c["deadline"] for c in counts) == 0


@pytest.mark.parametrize("grade", ["general", "major"])
def test_hazard_extension_decision_reminder_goes_to_the_decider(db: Session, grade: str) -> None:
    w = make_world(db)
    colleague = make_user(db, "enterprise", enterprise_id=w.ent.id)
    hazard = make_hazard(db, w.ent, grade=grade)  # deadline 2026-06-30
    db.add(
        HazardExtension(
            hazard_id=hazard.id,
            requested_by=w.ent_user.id,
            requested_at=START,
            reason="设备到货延迟",
            old_deadline=date(2026, 6, 30),
            new_deadline=date(2026, 7, 31),
        )
    )
    db.flush()
    counts = _walk(db, hazard_jobs.deadline_reminders, date(2026, 6, 1), date(2026, 6, 20))
    assert sum(c["extension_decisions"] for c in counts) == 1
    got = _sent(db, "hazard_extension_pending", f"/hazards/{hazard.id}")
    if grade == "general":  # decided in the enterprise, not by the one who asked
        assert got == [colleague.id]
    else:  # decided by the regulator: the jurisdiction's inspectors, not a sibling county's
        assert w.county.id in got and w.city.id in got and w.county2.id not in got
        assert w.ent_user.id not in got


def test_notify_once_needs_the_key_in_the_title_and_add_limit_units(db: Session) -> None:
    once = NotifyOnce(db, "test_kind", ["/x/1"])
    with pytest.raises(ValueError, match="key"):
        once.send(key="2026-06-01", link="/x/1", user_ids=[], title="没有日期", body="")
    assert add_limit(date(2024, 2, 29), "risk_reassessment") == date(2025, 2, 28)
    assert add_limit(date(2026, 6, 12), "reminder_days_before", -1) == date(2026, 6, 9)
