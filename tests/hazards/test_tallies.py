"""City and province statistics read the hazard tallies on PostgreSQL: they must give exactly what the
hazards give, after creates, state changes, re-grading, new deadlines, an enterprise moving, deletion and
compaction."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM, Principal
from app.enterprises import service as enterprises
from app.enterprises.schemas import EnterpriseUpdate
from app.hazards import ledger, tallies
from app.hazards import service as hazards
from app.hazards.models import Hazard, HazardTally
from app.hazards.schemas import HazardIn
from app.timeutil import local_today
from tests.factories import make_enterprise, make_tree, make_user, principal

ROWS = ("region", "industry", "month")


def _report(db: Session, ent_id: int, text: str, found_on: date) -> int:
    data = HazardIn(
        enterprise_id=ent_id,
        source="routine",
        description=text,
        place="车间",
        category="site",
        found_on=found_on,
    )
    return hazards.create_hazard(db, SYSTEM, data).hazard.id


def _both(
    db: Session, monkeypatch: pytest.MonkeyPatch, user: Principal, by: str, f: ledger.Filters, period: tuple
) -> tuple[list, list]:
    from_tallies = ledger.statistics(db, user, by, f, *period)
    with monkeypatch.context() as m:
        m.setattr(tallies, "can_answer", lambda *a: False)
        from_hazards = ledger.statistics(db, user, by, f, *period)
    return from_tallies, from_hazards


def _check_all(db: Session, monkeypatch: pytest.MonkeyPatch, users: list[Principal]) -> None:
    year = date(local_today().year, 1, 1)
    last_month_end = local_today().replace(day=1) - timedelta(days=1)
    cases = [
        (ledger.Filters(), (None, None)),
        (ledger.Filters(), (year, None)),
        (ledger.Filters(industry="machinery"), (None, last_month_end)),
        (ledger.Filters(region="139100", found_from=date(2025, 1, 1)), (date(2025, 1, 1), None)),
    ]
    answered = 0
    for user in users:
        for by in ROWS:
            for f, period in cases:
                if not tallies.can_answer(db, user, by, f, period):
                    continue  # a county's rows by region are its townships: read from the hazards
                answered += 1
                got, want = _both(db, monkeypatch, user, by, f, period)
                assert got == want, (user.region_code, user.industries, by, f, period)
    # All but the county inspector's own county by region (three cases; the fourth names the city).
    assert answered == len(users) * len(ROWS) * len(cases) - 3


# The tallies are kept on PostgreSQL only; SQLite statistics read the hazards.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_statistics_from_tallies_equal_statistics_from_hazards(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tallies.available(db)
    make_tree(db)
    today = local_today()
    town = make_enterprise(db, region_code="139101001", industry="machinery")
    county = make_enterprise(db, region_code="139102", industry="hazardous_chemicals", lon=118.3, lat=40.5)
    ids = [
        _report(db, ent.id, f"隐患{i}", today - timedelta(days=40 * i))
        for i in range(12)
        for ent in (town, county)
    ]
    # What the workflow does to hazards, as the columns it changes: rectifying with a deadline (some
    # already past), closed, withdrawn, 重大 (one 未确认), funds spent.
    db.execute(
        update(Hazard)
        .where(Hazard.id.in_(ids[0:8]))
        .values(state="rectifying", deadline=today - timedelta(days=3), funds=Decimal("1200.50"))
    )
    db.execute(update(Hazard).where(Hazard.id.in_(ids[8:10])).values(deadline=today + timedelta(days=9)))
    db.execute(update(Hazard).where(Hazard.id.in_(ids[10:16])).values(state="closed", funds=Decimal("300")))
    db.execute(update(Hazard).where(Hazard.id.in_(ids[16:18])).values(state="withdrawn"))
    db.execute(update(Hazard).where(Hazard.id.in_(ids[1:5])).values(grade="major"))
    db.execute(update(Hazard).where(Hazard.id == ids[3]).values(major_unconfirmed=True))
    users = [
        SYSTEM,
        *(
            principal(db, make_user(db, role, region_code=code, **extra))
            for role, code, extra in [
                ("inspector", "139900", {}),
                ("inspector", "139100", {}),
                ("inspector", "139101", {}),
                ("inspector", "139100", {"industries": ["hazardous_chemicals"]}),
            ]
        ),
    ]
    db.flush()
    _check_all(db, monkeypatch, users)
    city = ledger.statistics(db, users[2], "region", ledger.Filters(), None, None)
    assert sum(r["found"] for r in city) == 22  # 24 reported, 2 withdrawn
    assert sum(r["overdue"] for r in city) == 8
    assert sum(r["open_major"] for r in city) == 4

    # The county enterprise moves into the township and becomes machinery; one hazard is deleted.
    enterprises.update_enterprise(
        db,
        SYSTEM,
        county.id,
        EnterpriseUpdate(version=county.version, lon=118.3, lat=39.5, industry="machinery"),
    )
    db.execute(delete(Hazard).where(Hazard.id == ids[20]))
    db.flush()
    _check_all(db, monkeypatch, users)

    # Compaction folds the appended rows and changes no figure.
    rows_before = db.scalar(select(func.count()).select_from(HazardTally))
    result = tallies.compact(db)
    assert result["rows_before"] == rows_before
    assert result["rows_after"] < rows_before
    _check_all(db, monkeypatch, users)


def test_questions_the_tallies_cannot_answer_read_the_hazards(db: Session) -> None:
    make_tree(db)
    township = principal(db, make_user(db, "township", region_code="139101001"))
    county = principal(db, make_user(db, "inspector", region_code="139101"))
    city = principal(db, make_user(db, "inspector", region_code="139100"))
    pg = tallies.available(db)
    assert tallies.can_answer(db, city, "region", ledger.Filters(), (None, None)) is pg
    # A county's rows are its townships; the tallies stop at the county.
    assert not tallies.can_answer(db, county, "region", ledger.Filters(), (None, None))
    assert not tallies.can_answer(db, township, "industry", ledger.Filters(), (None, None))
    assert not tallies.can_answer(db, city, "region", ledger.Filters(grade="major"), (None, None))
    assert not tallies.can_answer(db, city, "enterprise", ledger.Filters(), (None, None))
    assert not tallies.can_answer(db, city, "region", ledger.Filters(), (date(2026, 1, 15), None))
    assert not tallies.can_answer(db, city, "month", ledger.Filters(found_to=date(2026, 2, 27)), (None, None))
