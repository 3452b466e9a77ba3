"""The counted measures that 考核 indicators are made of: ONE registry, by name.

rules/policies/assessment.yaml names a numerator and a denominator for each indicator; both are entries of
MEASURES. A measure builds one scoped select of the records it counts, with the columns
`id` (the record), `region` (the code it is grouped by) and the columns a drill-down shows. The scorecard
counts it with one GROUP BY per measure; the drill-down lists the same select, so the rows behind a
figure are exactly the rows counted.

Another module (执法 when it is built) adds its measures with `register(Measure(...))` at import and a
province's assessment file can then name them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, true

from app.auth.principal import Principal
from app.enterprises import scope_copy
from app.enterprises.models import Enterprise
from app.enterprises.service import owned_by_readable, readable
from app.hazards.models import CheckTask, Hazard, Tip
from app.regions.models import Region
from app.regions.service import subtree_codes
from app.risks.models import RiskAssessment
from app.scheduler.models import InspectionPlan, InspectionPlanItem
from app.supervision.models import SupervisionCase
from app.timeutil import SHANGHAI

TIP_DAYS = 15  # 举报办结时限（项目默认，见 rules/policies/assessment.yaml 第8条）


@dataclass(frozen=True)
class Ctx:
    """What a measure is counted for: the period (local dates, inclusive), the parent region whose
    subtree is counted, the depth of the regions the counts are grouped by, and the caller."""

    start: date
    end: date
    parent_path: str
    depth: int
    user: Principal
    dialect: str = "sqlite"
    # The child regions counted (their codes at `depth`); empty: every region of the subtree. It lets the
    # province's hazard counts read the covering index by city (ix_hazards_card_*).
    only: tuple[str, ...] = ()

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time.min, SHANGHAI).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class Measure:
    name: str
    label: str  # what one counted record is, e.g. "隐患"
    build: Callable[[Ctx], Any]
    link: str  # drill-down link of a record, "{id}" filled in
    # True: `region` is the record's own (deepest) region code and is rolled up to the depth in Python;
    # False: `region` is already the code at ctx.depth (hazards carry region_l1..l4).
    rollup: bool = True
    # (base measure, condition): the base's records that also meet the condition. Built as the base's
    # select plus the condition (so the drill-down rows are the counted ones) and counted in the base's
    # query as a conditional count: one pass over the hazards of the period, not one per measure.
    narrows: tuple[str, Callable[[Ctx], ColumnElement[bool]]] | None = None
    # A base measure's period condition: build(ctx) over a span of periods, filtered by spans(period),
    # gives exactly build(period). With it, a card counts its period and the previous one in one query
    # (a conditional count per period); without it (a measure registered elsewhere), one query each.
    spans: Callable[[Ctx], ColumnElement[bool]] | None = None


def narrowed(name: str, label: str, base: str, cond: Callable[[Ctx], ColumnElement[bool]]) -> Measure:
    parent = MEASURES[base]
    return Measure(
        name,
        label,
        lambda c: parent.build(c).where(cond(c)),
        parent.link,
        parent.rollup,
        (base, cond),
    )


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    MEASURES[measure.name] = measure
    return measure


# ---------------------------------------------------------------- hazards


def _hazards(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    key = getattr(Hazard, f"region_l{min(ctx.depth, scope_copy.DEPTHS)}")
    stmt = select(
        Hazard.id.label("id"),
        key.label("region"),
        Enterprise.name.label("enterprise"),
        Hazard.description.label("description"),
        Hazard.grade.label("grade"),
        Hazard.state.label("state"),
        Hazard.found_on.label("found_on"),
        Hazard.deadline.label("deadline"),
        Hazard.closed_on.label("closed_on"),
    ).outerjoin(Enterprise, Enterprise.id == Hazard.enterprise_id)  # always there (FK); outer: a count
    # that names no enterprise column drops the join, so it reads the covering index alone
    stmt = scope_copy.in_region(stmt, Hazard, ctx.parent_path)
    if ctx.only and ctx.depth == 2:
        # The province's cities: the ix_hazards_card_* indexes lead with region_l2 (a city's counties
        # are found by region_l2 = the city alone).
        stmt = stmt.where(key.in_(ctx.only))
    return scope_copy.readable(stmt, Hazard, ctx.user).where(Hazard.state != "withdrawn", *conds)


def _found(ctx: Ctx) -> ColumnElement[bool]:
    return Hazard.found_on.between(ctx.start, ctx.end)


def _closed_by(ctx: Ctx) -> ColumnElement[bool]:
    return and_(Hazard.state == "closed", Hazard.closed_on <= ctx.end)


def _due(ctx: Ctx) -> ColumnElement[bool]:
    return Hazard.deadline.between(ctx.start, ctx.end)


def _on_time() -> ColumnElement[bool]:
    return and_(Hazard.state == "closed", Hazard.closed_on <= Hazard.deadline)


_MAJOR = Hazard.grade == "major"
register(
    Measure("hazards_found", "隐患", lambda c: _hazards(c, _found(c)), "/hazards/{id}", False, spans=_found)
)
register(Measure("hazards_due", "隐患", lambda c: _hazards(c, _due(c)), "/hazards/{id}", False, spans=_due))
for _m in (
    narrowed("hazards_found_closed", "隐患", "hazards_found", _closed_by),
    narrowed("major_hazards_found", "重大隐患", "hazards_found", lambda c: _MAJOR),
    narrowed("major_hazards_found_closed", "重大隐患", "hazards_found", lambda c: _MAJOR & _closed_by(c)),
    narrowed("hazards_due_closed_on_time", "隐患", "hazards_due", lambda c: _on_time()),
):
    register(_m)


# ---------------------------------------------------------------- rows of an enterprise


def _of_enterprises(ctx: Ctx, stmt: Any, enterprise_column: Any) -> Any:
    stmt = stmt.where(Enterprise.region_code.in_(subtree_codes(ctx.parent_path)))
    return owned_by_readable(stmt, enterprise_column, ctx.user)


def _case_due(ctx: Ctx) -> ColumnElement[bool]:
    return SupervisionCase.deadline.between(ctx.start, ctx.end)


def _cases(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    stmt = (
        select(
            SupervisionCase.id.label("id"),
            Enterprise.region_code.label("region"),
            Enterprise.name.label("enterprise"),
            SupervisionCase.notice_number.label("number"),
            SupervisionCase.summary.label("description"),
            SupervisionCase.state.label("state"),
            SupervisionCase.deadline.label("deadline"),
            SupervisionCase.closed_on.label("closed_on"),
        )
        .join(Enterprise, Enterprise.id == SupervisionCase.enterprise_id)
        .where(_case_due(ctx), SupervisionCase.state != "revoked", *conds)
    )
    return _of_enterprises(ctx, stmt, SupervisionCase.enterprise_id)


register(Measure("supervision_due", "挂牌督办事项", _cases, "/supervision/cases/{id}", spans=_case_due))
register(
    narrowed(
        "supervision_due_closed_on_time",
        "挂牌督办事项",
        "supervision_due",
        lambda c: and_(
            SupervisionCase.state == "closed", SupervisionCase.closed_on <= SupervisionCase.deadline
        ),
    )
)


def _task_due(ctx: Ctx) -> ColumnElement[bool]:
    return CheckTask.due_on.between(ctx.start, ctx.end)


def _tasks(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    stmt = (
        select(
            CheckTask.id.label("id"),
            Enterprise.region_code.label("region"),
            Enterprise.name.label("enterprise"),
            CheckTask.due_on.label("deadline"),
            CheckTask.status.label("state"),
        )
        .join(Enterprise, Enterprise.id == CheckTask.enterprise_id)
        .where(_task_due(ctx), *conds)
    )
    return _of_enterprises(ctx, stmt, CheckTask.enterprise_id)


register(Measure("check_tasks_due", "排查任务", _tasks, "/tasks/{id}", spans=_task_due))
register(narrowed("check_tasks_done", "排查任务", "check_tasks_due", lambda c: CheckTask.status == "done"))


def _draw_month(ctx: Ctx) -> ColumnElement[bool]:
    return InspectionPlan.month.between(ctx.start.isoformat()[:7], ctx.end.isoformat()[:7])


def _draw_items(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    stmt = (
        select(
            InspectionPlanItem.id.label("id"),
            Enterprise.region_code.label("region"),
            Enterprise.name.label("enterprise"),
            InspectionPlan.month.label("month"),
            InspectionPlanItem.level.label("level"),
        )
        .join(InspectionPlan, InspectionPlan.id == InspectionPlanItem.plan_id)
        .join(Enterprise, Enterprise.id == InspectionPlanItem.enterprise_id)
        .where(_draw_month(ctx), *conds)
    )
    return _of_enterprises(ctx, stmt, InspectionPlanItem.enterprise_id)


def _checked(ctx: Ctx) -> ColumnElement[bool]:
    # Until the 执法 module registers its own measure: a regulator's inspection record in the period.
    return exists().where(
        Hazard.enterprise_id == InspectionPlanItem.enterprise_id,
        Hazard.source == "enforcement",
        Hazard.found_on.between(ctx.start, ctx.end),
    )


register(
    Measure("random_draw_items", "双随机抽查企业", _draw_items, "/plans?month={month}", spans=_draw_month)
)
register(narrowed("random_draw_checked", "双随机抽查企业", "random_draw_items", _checked))


def _enterprises(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    stmt = select(
        Enterprise.id.label("id"),
        Enterprise.region_code.label("region"),
        Enterprise.name.label("enterprise"),
        Enterprise.industry.label("industry"),
    ).where(
        Enterprise.status == "operating",
        Enterprise.region_code.in_(subtree_codes(ctx.parent_path)),
        *conds,
    )
    return readable(stmt, ctx.user)


def _assessed(ctx: Ctx) -> ColumnElement[bool]:
    # IN (uncorrelated): PostgreSQL hashes the assessed enterprises once per query instead of probing
    # risk_assessments once per enterprise and period (a city's card: ~17,000 enterprises × 2 periods).
    return Enterprise.id.in_(
        select(RiskAssessment.enterprise_id).where(
            RiskAssessment.is_current.is_(True), RiskAssessment.assessed_on <= ctx.end
        )
    )


# The operating enterprises are the same set in every period (their status today).
register(Measure("enterprises_active", "企业", _enterprises, "/enterprises/{id}", spans=lambda c: true()))
register(narrowed("enterprises_assessed", "企业", "enterprises_active", _assessed))


def _tip_received(ctx: Ctx) -> ColumnElement[bool]:
    return and_(Tip.created_at >= ctx.start_utc, Tip.created_at < ctx.end_utc)


def _tips(ctx: Ctx, *conds: ColumnElement[bool]) -> Any:
    """举报 belong to a region; those naming an enterprise follow the enterprise rule (as the audit log)."""
    stmt = select(
        Tip.id.label("id"),
        Tip.region_code.label("region"),
        Tip.enterprise_name.label("enterprise"),
        Tip.description.label("description"),
        Tip.status.label("state"),
        Tip.created_at.label("received_at"),
        Tip.decided_at.label("decided_at"),
    ).where(
        Tip.region_path.like(f"{ctx.parent_path}%"),
        _tip_received(ctx),
        *conds,
    )
    if ctx.user.is_admin:
        return stmt
    mine = readable(select(Enterprise.id), ctx.user)
    return stmt.where(
        or_(
            and_(Tip.enterprise_id.is_(None), Tip.region_path.like(f"{ctx.user.region_path}%")),
            Tip.enterprise_id.in_(mine),
        )
    )


def _decided_in_time(ctx: Ctx) -> ColumnElement[bool]:
    if ctx.dialect == "sqlite":
        within = func.julianday(Tip.decided_at) - func.julianday(Tip.created_at) <= TIP_DAYS
    else:
        within = Tip.decided_at <= Tip.created_at + literal(timedelta(days=TIP_DAYS))
    return and_(Tip.status.in_(("accepted", "dismissed")), Tip.decided_at.is_not(None), within)


register(Measure("tips_received", "举报", _tips, "/tips?id={id}", spans=_tip_received))
register(narrowed("tips_done_on_time", "举报", "tips_received", _decided_in_time))


def ancestors_at(regions: list[tuple[str, str]], depth: int) -> dict[str, str]:
    """code -> the code of its ancestor at `depth` (1 = province), from (code, path) pairs."""
    out: dict[str, str] = {}
    for code, path in regions:
        parts = [p for p in path.split("/") if p]
        if len(parts) >= depth:
            out[code] = parts[depth - 1]
    return out


def region_paths_stmt(codes: list[str]) -> Any:
    return select(Region.code, Region.path).where(Region.code.in_(codes))
