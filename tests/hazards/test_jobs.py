"""Hazard reminders and overdue notices: once per deadline, also after downtime, again for a new deadline."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hazards import jobs
from app.hazards.models import Hazard
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, frozen_at
from tests.factories import make_enterprise, make_tree, make_user


def _run(db: Session, job, day: date) -> dict:  # type: ignore[no-untyped-def,type-arg]
    at = datetime(day.year, day.month, day.day, 1, 20, tzinfo=SHANGHAI)
    with frozen_at(at):
        return job(db, RunContext("test", at, run_id=1))


def _hazard(db: Session, ent_id: int, state: str = "rectifying") -> Hazard:
    h = Hazard(
        enterprise_id=ent_id,
        source="routine",
        description="消防通道堵塞",
        place="仓库",
        category="site",
        found_on=date(2026, 6, 1),
        state=state,
        deadline=date(2026, 6, 10),
    )
    db.add(h)
    db.flush()
    return h


def test_notices_survive_downtime_and_follow_a_moved_deadline(db: Session) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    boss = make_user(db, "enterprise", enterprise_id=ent.id)
    inspector = make_user(db, "inspector", region_code="139101")
    hazard = _hazard(db, ent.id)
    _hazard(db, ent.id, state="closed")  # finished: never reminded

    # The scheduler was down from 5 to 13 June: the first run after it still sends the overdue notice.
    assert _run(db, jobs.overdue_scan, date(2026, 6, 14)) == {"overdue_today": 1}
    assert _run(db, jobs.overdue_scan, date(2026, 6, 15)) == {"overdue_today": 0}
    assert _run(db, jobs.deadline_reminders, date(2026, 6, 14))["reminded"] == 0  # too late to remind

    hazard.deadline = date(2026, 6, 20)  # an approved extension
    db.flush()
    reminded = [_run(db, jobs.deadline_reminders, date(2026, 6, d))["reminded"] for d in range(15, 21)]
    assert reminded == [0, 0, 1, 0, 0, 0]  # on 17 June, 3 days before
    assert _run(db, jobs.overdue_scan, date(2026, 6, 21)) == {"overdue_today": 1}

    rows = db.execute(
        select(Notification.kind, Notification.user_id, Notification.title).order_by(Notification.id)
    ).all()
    assert [(k, u) for k, u, _ in rows] == [
        ("hazard_overdue", boss.id),
        ("hazard_overdue", inspector.id),
        ("hazard_deadline", boss.id),
        ("hazard_overdue", boss.id),
        ("hazard_overdue", inspector.id),
    ]
    assert "期限 2026-06-10" in rows[0][2] and "期限 2026-06-20" in rows[3][2]
    # A general hazard is never suggested for 挂牌督办.
    assert _run(db, jobs.listing_suggestions, date(2026, 6, 22)) == {"suggested": 0}
