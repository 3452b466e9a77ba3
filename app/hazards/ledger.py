"""台账: filtered lists with keyset pagination, statistics, and the 季报/年报 figures."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, case, extract, func, literal, select, tuple_
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import scope_copy
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput
from app.hazards import service, tallies
from app.hazards.models import FINISHED, Hazard, HazardTally
from app.regions import service as regions
from app.timeutil import local_today

DATE_ORDER = "起始日期不能晚于截止日期"


def check_dates(found_from: date | None, found_to: date | None) -> None:
    """A reversed 发现日期 range is a mistake, not an empty ledger."""
    if found_from and found_to and found_from > found_to:
        raise BadInput(DATE_ORDER, field="found_from")


@dataclass
class Filters:
    state: str | None = None
    grade: str | None = None
    source: str | None = None
    enterprise_id: int | None = None
    region: str | None = None
    industry: str | None = None
    found_from: date | None = None
    found_to: date | None = None
    overdue: bool | None = None
    unconfirmed: bool | None = None  # 重大 by “其他（依据…）” not yet confirmed by a regulator


def filtered(session: Session, user: Principal, f: Filters) -> Select[Any]:
    stmt = service.readable(select(Hazard), user)
    if f.state:
        stmt = stmt.where(Hazard.state == f.state)
    if f.grade:
        stmt = stmt.where(Hazard.grade == f.grade)
    if f.source:
        stmt = stmt.where(Hazard.source == f.source)
    if f.enterprise_id:
        stmt = stmt.where(Hazard.enterprise_id == f.enterprise_id)
    if f.region:
        stmt = scope_copy.in_region(stmt, Hazard, regions.get_region(session, f.region).path)
    if f.industry:
        stmt = stmt.where(Hazard.industry == f.industry)
    if f.found_from:
        stmt = stmt.where(Hazard.found_on >= f.found_from)
    if f.found_to:
        stmt = stmt.where(Hazard.found_on <= f.found_to)
    if f.overdue is not None:
        stmt = stmt.where(Hazard.is_overdue if f.overdue else ~Hazard.is_overdue)
    if f.unconfirmed is not None:
        stmt = stmt.where(Hazard.major_unconfirmed.is_(f.unconfirmed))
    return stmt


def _parse_cursor(cursor: str) -> tuple[date, int]:
    try:
        day, hazard_id = cursor.split("_")
        return date.fromisoformat(day), int(hazard_id)
    except ValueError:
        raise BadInput("翻页游标无效，请从第一页重新开始", field="cursor") from None


def page(
    session: Session, user: Principal, f: Filters, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest finding first; the cursor is "<found_on>_<id>" of the last row seen."""
    stmt = filtered(session, user, f)
    if cursor:
        stmt = stmt.where(tuple_(Hazard.found_on, Hazard.id) < tuple_(*_parse_cursor(cursor)))
    rows: list[Hazard] = list(
        session.scalars(stmt.order_by(Hazard.found_on.desc(), Hazard.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    names = service.enterprise_names(session, {h.enterprise_id for h in rows})
    items = [service.to_out(h, names.get(h.enterprise_id)) for h in rows]
    next_cursor = f"{rows[-1].found_on.isoformat()}_{rows[-1].id}" if more else None
    return items, next_cursor


# ---------------------------------------------------------------- statistics


# The counts of a statistics row (besides funds), in the order the pages show them.
COUNTS = ("found", "closed", "major", "major_closed", "overdue", "open_major", "open_major_unconfirmed")


def _counts(t: Any, period_from: date | None, period_to: date | None) -> list[Any]:
    """found / closed / overdue / open 重大 as SQL aggregates (found: in the period; the rest: now), over
    the hazards (t = Hazard, each row counting one) or over their tallies (t = HazardTally, whose
    columns have the same names and meaning, each row counting n)."""
    one = 1 if t is Hazard else t.n
    in_period = t.state != "withdrawn"
    if period_from:
        in_period = in_period & (t.found_on >= period_from)
    if period_to:
        in_period = in_period & (t.found_on <= period_to)
    is_open = t.state.not_in(FINISHED)
    overdue = is_open & t.deadline.is_not(None) & (t.deadline < literal(local_today()))
    return [
        func.sum(case((in_period, one), else_=0)).label("found"),
        func.sum(case((in_period & (t.state == "closed"), one), else_=0)).label("closed"),
        func.sum(case((in_period & (t.grade == "major"), one), else_=0)).label("major"),
        func.sum(case((in_period & (t.grade == "major") & (t.state == "closed"), one), else_=0)).label(
            "major_closed"
        ),
        func.sum(case((overdue, one), else_=0)).label("overdue"),
        func.sum(case(((t.grade == "major") & is_open, one), else_=0)).label("open_major"),
        func.sum(case((in_period, t.funds), else_=0)).label("funds"),
        func.sum(case((t.major_unconfirmed & is_open, one), else_=0)).label("open_major_unconfirmed"),
    ]


def _row(key: str, label: str, r: Any) -> dict[str, Any]:
    found, closed = int(r.found or 0), int(r.closed or 0)
    return {
        "key": key,
        "label": label,
        "found": found,
        "closed": closed,
        "rate": round(closed / found, 4) if found else None,
        "major": int(r.major or 0),
        "major_closed": int(r.major_closed or 0),
        "overdue": int(r.overdue or 0),
        "open_major": int(r.open_major or 0),
        "open_major_unconfirmed": int(r.open_major_unconfirmed or 0),
        "funds": float(r.funds or 0),
    }


def statistics(
    session: Session, user: Principal, by: str, f: Filters, period_from: date | None, period_to: date | None
) -> list[dict[str, Any]]:
    """Rows per region (children of the chosen/own region), industry, month or enterprise.
    整改率 = closed / found among the hazards found in the period (withdrawn ones not counted)."""
    if tallies.can_answer(session, user, by, f, (period_from, period_to)):
        t: Any = HazardTally
        # A group of tallies that nets to no hazard (all moved or deleted) is not a row.
        scoped = (
            _tallied(session, user, f)
            .with_only_columns(*_counts(t, period_from, period_to))
            .having(func.sum(t.n) != 0)
        )
    else:
        t = Hazard
        scoped = filtered(session, user, f).with_only_columns(*_counts(t, period_from, period_to))
    if by == "industry":
        names = enterprises.industries()
        stmt = scoped.add_columns(t.industry).group_by(t.industry).order_by(t.industry)
        return [_row(r.industry, names.get(r.industry, r.industry), r) for r in session.execute(stmt)]
    if by == "month":
        year, month = extract("year", t.found_on), extract("month", t.found_on)
        stmt = (
            scoped.add_columns(year.label("y"), month.label("m")).group_by(year, month).order_by(year, month)
        )
        return [
            _row(f"{int(r.y):04d}-{int(r.m):02d}", f"{int(r.y)}年{int(r.m)}月", r)
            for r in session.execute(stmt)
        ]
    if by == "enterprise":
        stmt = scoped.join(Enterprise, Enterprise.id == Hazard.enterprise_id).add_columns(
            Enterprise.id.label("eid"), Enterprise.name
        )
        rows = session.execute(stmt.group_by(Enterprise.id, Enterprise.name).order_by(Enterprise.id)).all()
        return [_row(str(r.eid), r.name, r) for r in rows]
    if by == "region":
        return _by_region(session, user, f, scoped, t)
    raise BadInput("统计维度应为 region、industry、month 或 enterprise", field="by")


def _tallied(session: Session, user: Principal, f: Filters) -> Select[Any]:
    """`filtered` on the tallies, for the filters `tallies.can_answer` lets through."""
    stmt = scope_copy.readable(select(HazardTally), HazardTally, user)
    if f.region:
        stmt = scope_copy.in_region(stmt, HazardTally, regions.get_region(session, f.region).path)
    if f.industry:
        stmt = stmt.where(HazardTally.industry == f.industry)
    if f.found_from:
        stmt = stmt.where(HazardTally.found_on >= f.found_from)
    if f.found_to:
        stmt = stmt.where(HazardTally.found_on <= f.found_to)
    return stmt


def _by_region(session: Session, user: Principal, f: Filters, scoped: Any, t: Any) -> list[dict[str, Any]]:
    """Count per enterprise region (the hazards' copy of its path) in SQL, then roll up to the children
    of the root region."""
    root_code = f.region or user.region_code
    if root_code:
        root = regions.get_region(session, root_code)
        children = regions.list_regions(session, parent=root.code) or [root]
    else:
        children = regions.list_regions(session, level="province") or regions.list_regions(
            session, level="city"
        )
    per_path = session.execute(scoped.add_columns(t.region_path).group_by(t.region_path)).all()
    out = []
    fields = (*COUNTS, "funds")
    for child in children:
        total: dict[str, Any] = dict.fromkeys(fields, 0)
        for r in per_path:
            if (r.region_path or "").startswith(child.path):
                for k in fields:
                    total[k] += getattr(r, k) or 0
        out.append(_row(child.code, child.name, _Obj(total)))
    return out


class _Obj:
    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)
