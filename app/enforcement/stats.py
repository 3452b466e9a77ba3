"""执法统计: inspections of a region and year by kind, by month and by result, with 处罚 counts and amounts.
Every count goes through the one scoping rule (on the copied region columns, so a city is one index range)."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enforcement import penalty
from app.enforcement.models import INSPECTION_KINDS, ORDER_STATES, Inspection, PenaltyCase
from app.enterprises import scope_copy
from app.regions import service as regions
from app.timeutil import local_today


def summary(
    session: Session, user: Principal, *, region: str | None = None, year: int | None = None
) -> dict[str, Any]:
    year = year or local_today().year
    first, last = date(year, 1, 1), date(year, 12, 31)
    path = regions.get_region(session, region).path if region else None

    def scoped(stmt: Any, model: Any) -> Any:
        stmt = scope_copy.readable(stmt, model, user)
        return scope_copy.in_region(stmt, model, path) if path else stmt

    in_year = (Inspection.inspected_on >= first, Inspection.inspected_on <= last)
    month = func.extract("month", Inspection.inspected_on)
    # One pass over the region's year: counts by kind × month × 整改 state, summed up three ways.
    grouped = session.execute(
        scoped(
            select(Inspection.kind, month, Inspection.order_state, func.count()).where(*in_year), Inspection
        ).group_by(Inspection.kind, month, Inspection.order_state)
    ).all()
    by_kind: dict[str, int] = {}
    by_month: dict[int, int] = {}
    by_order: dict[str, int] = {}
    for kind, m, order_state, n in grouped:
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_month[int(m)] = by_month.get(int(m), 0) + n
        if order_state:
            by_order[order_state] = by_order.get(order_state, 0) + n
    enterprises = session.scalar(
        scoped(select(func.count(func.distinct(Inspection.enterprise_id))).where(*in_year), Inspection)
    )
    cases = session.execute(
        penalty.readable(
            scoped(
                select(func.count(), func.coalesce(func.sum(PenaltyCase.fine), 0)).where(
                    PenaltyCase.filed_on >= first, PenaltyCase.filed_on <= last
                ),
                PenaltyCase,
            ),
            user,
        )
    ).one()
    return {
        "year": year,
        "region": region,
        "inspections": sum(by_kind.values()),
        "enterprises_inspected": enterprises or 0,
        "by_kind": [{"kind": k, "label": v, "count": by_kind.get(k, 0)} for k, v in INSPECTION_KINDS.items()],
        "by_month": [{"month": m, "count": by_month.get(m, 0)} for m in range(1, 13)],
        "rectification": [
            {"state": k, "label": v, "count": by_order.get(k, 0)} for k, v in ORDER_STATES.items()
        ],
        "penalty_cases": cases[0],
        "fines": str(cases[1]),
    }
