"""Re-assessment due: the enterprise is told once per risk point and period (policy risk_reassessment)."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.models import Notification
from app.risks import jobs
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI, frozen_at
from tests.factories import make_enterprise, make_tree, make_user
from tests.risks.factories import assess, make_point


def _run(db: Session, day: date) -> dict:  # type: ignore[type-arg]
    at = datetime(day.year, day.month, day.day, 7, 0, tzinfo=SHANGHAI)
    with frozen_at(at):
        return jobs.reassessment_due(db, RunContext("risks.reassessment_due", at, run_id=1))


def _titles(db: Session, user_id: int) -> list[str]:
    stmt = select(Notification.title).where(
        Notification.kind == "risk_reassessment_due", Notification.user_id == user_id
    )
    return list(db.scalars(stmt.order_by(Notification.id)))


def test_reassessment_due_once_per_point_and_period(db: Session) -> None:
    make_tree(db)
    ent = make_enterprise(db)
    boss = make_user(db, "enterprise", enterprise_id=ent.id)
    other = make_user(db, "enterprise", enterprise_id=make_enterprise(db).id)
    with frozen_at(datetime(2025, 3, 10, 9, tzinfo=SHANGHAI)):
        stale = make_point(db, ent.id, name="冲压车间冲床作业")
        assess(db, stale)
        renewed = make_point(db, ent.id, name="喷漆房")
        assess(db, renewed)
        make_point(db, ent.id, name="危废暂存间")

    first = _run(db, date(2026, 3, 9))  # a day short of a year: only the never-assessed point
    assert (first["due"], first["notified"]) == (1, 1)
    assert _titles(db, boss.id) == ["风险点尚未评价（登记于 2025-03-10）：危废暂存间"]

    with frozen_at(datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)):
        assess(db, renewed)  # re-assessed on the day it fell due
    assert _run(db, date(2026, 3, 10))["notified"] == 1
    for day in (date(2026, 3, 11), date(2026, 6, 1), date(2027, 3, 9)):
        assert _run(db, day)["notified"] == 0  # no repeats within the period
    # A year later both are due again: the stale one for its second period, the renewed one.
    assert _run(db, date(2027, 3, 10))["notified"] == 2
    assert _titles(db, boss.id) == [
        "风险点尚未评价（登记于 2025-03-10）：危废暂存间",
        "风险点需重新评价（2026-03-10 到期）：冲压车间冲床作业",
        "风险点需重新评价（2027-03-10 到期）：冲压车间冲床作业",
        "风险点需重新评价（2027-03-10 到期）：喷漆房",
    ]
    assert _titles(db, other.id) == []
    link = db.scalar(select(Notification.link).where(Notification.title.like("%冲压%")))
    assert link == f"/risks/points/{stale.id}"
