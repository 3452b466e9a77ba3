"""What the hazard register tells the enterprise level policy: open 重大 and overdue hazards.

app.grading.enterprise cannot import the hazard register (the register recomputes levels through it),
so it reads these counts through providers that this module installs when app.hazards is imported.
"""

from collections.abc import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.grading import enterprise as enterprise_grading
from app.hazards.models import FINISHED, Hazard


def _counts(session: Session, ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    stmt = (
        select(
            Hazard.enterprise_id,
            func.sum(case((Hazard.grade == "major", 1), else_=0)),
            Hazard.overdue_sum(),
        )
        .where(Hazard.state.not_in(FINISHED))
        .group_by(Hazard.enterprise_id)
    )
    if ids is not None:
        stmt = stmt.where(Hazard.enterprise_id.in_(list(ids)))
    return {ent: (int(major or 0), int(overdue or 0)) for ent, major, overdue in session.execute(stmt)}


def counts_for(session: Session, enterprise_id: int) -> tuple[int, int]:
    return _counts(session, [enterprise_id]).get(enterprise_id, (0, 0))


def install() -> None:
    enterprise_grading.hazard_counts_provider = counts_for
    enterprise_grading.hazard_counts_bulk_provider = _counts
