"""企业整体安全风险等级: collect an enterprise's facts, let the policy decide, keep the history.

Facts: the levels of its risk points (residual where assessed), its open major and overdue hazards,
the grades of its active 重大危险源, its accidents in the policy window. A new EnterpriseLevel row is
stored only when the level or the explanation changed; older rows stay as history (is_current=False).

The hazard register lives in app/hazards, which depends on this module, not the other way round:
it sets `hazard_counts_provider` (one enterprise) and `hazard_counts_bulk_provider` (all, for the
nightly run) at import time. Until then both report no hazards.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import SYSTEM, Principal
from app.enterprises.models import Enterprise
from app.grading import regional
from app.grading.models import EnterpriseLevel, HcDiagnosis
from app.regions.models import Region
from app.risks.models import Accident, MajorHazardUnit, RiskPoint
from app.rules_engine import (
    Decision,
    TraceStep,
    evaluate_enterprise,
    get_policy,
    reassessment_due,
)
from app.rules_engine.diagnosis import diagnosis_rule_set
from app.rules_engine.engine import colour
from app.rules_engine.explain import rule_set_name
from app.timeutil import local_today, utcnow

# (session, enterprise_id) -> (open major hazards, overdue hazards)
hazard_counts_provider: Callable[[Session, int], tuple[int, int]] = lambda s, e: (0, 0)  # noqa: E731
# session -> {enterprise_id: (open major hazards, overdue hazards)}; absent ids count as (0, 0)
hazard_counts_bulk_provider: Callable[[Session], dict[int, tuple[int, int]]] = lambda s: {}  # noqa: E731

CHUNK = 2000


def _accident_window_start(as_of: date) -> date:
    """The earliest day any accident rule of the policy in force may look at."""
    policy = get_policy("enterprise_level", on=as_of)
    months = max(
        (r.when.window_months or 12 for r in policy.rules if r.when.fact == "fatal_accidents"), default=12
    )
    return as_of - timedelta(days=31 * months + 1)


class _Facts:
    """Facts of many enterprises, read with one query per kind."""

    def __init__(self, session: Session, ids: list[int] | None, as_of: date):
        self.as_of = as_of
        self.levels: dict[int, list[str]] = defaultdict(list)
        self.grades: dict[int, list[int]] = defaultdict(list)
        self.accidents: dict[int, list[dict[str, Any]]] = defaultdict(list)

        def scoped(stmt: Any, col: Any) -> Any:
            return stmt if ids is None else stmt.where(col.in_(ids))

        for ent, level in session.execute(
            scoped(select(RiskPoint.enterprise_id, RiskPoint.level), RiskPoint.enterprise_id).where(
                RiskPoint.level.is_not(None)
            )
        ):
            self.levels[ent].append(level)
        for ent, grade in session.execute(
            scoped(
                select(MajorHazardUnit.enterprise_id, MajorHazardUnit.grade), MajorHazardUnit.enterprise_id
            ).where(
                MajorHazardUnit.is_major.is_(True),
                MajorHazardUnit.is_active.is_(True),
                MajorHazardUnit.grade.is_not(None),
            )
        ):
            self.grades[ent].append(grade)
        # The newest 诊断分级 per enterprise, with the enterprise's industry (the scheme names its own).
        self.diagnoses: dict[int, tuple[HcDiagnosis, str]] = {}
        for diag, industry in session.execute(
            scoped(
                select(HcDiagnosis, Enterprise.industry).join(
                    Enterprise, Enterprise.id == HcDiagnosis.enterprise_id
                ),
                HcDiagnosis.enterprise_id,
            )
            .where(HcDiagnosis.assessed_on <= as_of)
            .order_by(HcDiagnosis.assessed_on, HcDiagnosis.id)
        ):
            self.diagnoses[diag.enterprise_id] = (diag, industry)
        since = _accident_window_start(as_of)
        for ent, day, deaths, serious in session.execute(
            scoped(
                select(
                    Accident.enterprise_id, Accident.occurred_on, Accident.deaths, Accident.serious_injuries
                ),
                Accident.enterprise_id,
            )
            .where(Accident.occurred_on >= since, Accident.occurred_on <= as_of)
            .order_by(Accident.occurred_on, Accident.id)
        ):
            self.accidents[ent].append(
                {"date": day.isoformat(), "deaths": deaths, "serious_injuries": serious}
            )

    def for_enterprise(self, ent: int, hazards: tuple[int, int]) -> dict[str, Any]:
        order = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}
        return {
            "risk_levels": sorted(self.levels.get(ent, []), key=order.__getitem__),
            "open_major_hazards": hazards[0],
            "overdue_hazards": hazards[1],
            "major_hazard_source_grades": sorted(self.grades.get(ent, [])),
            "accidents": self.accidents.get(ent, []),
            "as_of": self.as_of.isoformat(),
        }


def with_diagnosis(decision: Decision, found: tuple[HcDiagnosis, str] | None, as_of: date) -> Decision:
    """For a 危险化学品 enterprise with a current 诊断分级 the published scheme gives the level; an
    assessment older than the scheme's reassessment period (3 years) is flagged 需重新评估 and the
    project default stands. The trace names the scheme that produced the level."""
    if found is None:
        return decision
    diag, industry = found
    loaded = diagnosis_rule_set(rule_set=diag.rule_set)
    model = loaded.model
    if industry not in model.industries:
        return decision
    due = reassessment_due(diag.assessed_on, model)
    summary = f"{diag.assessed_on.isoformat()} 诊断分级 {diag.score:g} 分，{colour(diag.level)}"
    cited = model.reassess_years.citation.render()
    default = rule_set_name(decision.rule_set)  # the project default policy, by name
    years = f"{model.reassess_years.value:g}"
    if as_of >= due:
        step = TraceStep(
            "需重新评估",
            f"最近一次{summary}，已超过 {years} 年（{due.isoformat()} 起应重新评估）；"
            f"在重新评估之前按项目默认政策（{decision.rule_set}）定级",
            loaded.file,
            "reassess_years",
            cited,
            f"最近一次诊断分级（{diag.assessed_on.isoformat()}，{diag.score:g}分）已超过{years}年，"
            f"应重新评估；重新评估之前按{default}定级（{cited}）",
        )
        return decision.with_steps(step)
    head = TraceStep(
        "采用方案",
        f"危险化学品企业，采用《{model.title}》（{loaded.ref}）：{summary}；{due.isoformat()} 前有效",
        loaded.file,
        "bands",
        model.citation.render(),
        f"危险化学品企业按《{model.title}》定级：{diag.assessed_on.isoformat()}诊断分级{diag.score:g}分，"
        f"为{colour(diag.level)}，{due.isoformat()}前有效（{model.citation.render()}）",
    )
    stored = tuple(TraceStep.from_dict(t) for t in diag.trace)
    reference = TraceStep(
        "参考",
        f"项目默认政策（{decision.rule_set}）的结果为{colour(decision.level)}，仅供参考，不作为本企业等级",
        loaded.file,
        "industries",
        model.citation.render(),
        f"按{default}计算为{colour(decision.level)}，仅供参考，不作为本企业等级",
    )
    return Decision(
        "enterprise_level",
        loaded.ref,
        score=diag.score,
        level=diag.level,
        is_major=diag.level == "red",
        trace=(head, *stored, reference),
    )


def _stored_inputs(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as stored with the level: counts per level instead of the (long) list."""
    counts = {lvl: facts["risk_levels"].count(lvl) for lvl in ("red", "orange", "yellow", "blue")}
    return {**{k: v for k, v in facts.items() if k != "risk_levels"}, "risk_point_levels": counts}


def _same(current: tuple[str, list[dict[str, Any]]] | None, decision: Decision) -> bool:
    if current is None:
        return False
    return current[0] == decision.level and current[1] == [t.to_dict() for t in decision.trace]


def recompute_enterprise_level(
    session: Session, enterprise_id: int, actor: Principal = SYSTEM, *, region_path: str | None = None
) -> EnterpriseLevel:
    """Re-grade one enterprise now (same transaction); returns the current EnterpriseLevel row.
    region_path: the enterprise's, when the caller has it already (saves a query)."""
    session.flush()
    as_of = local_today()
    collected = _Facts(session, [enterprise_id], as_of)
    facts = collected.for_enterprise(enterprise_id, hazard_counts_provider(session, enterprise_id))
    decision = with_diagnosis(evaluate_enterprise(facts), collected.diagnoses.get(enterprise_id), as_of)
    current = session.scalar(
        select(EnterpriseLevel).where(
            EnterpriseLevel.enterprise_id == enterprise_id, EnterpriseLevel.is_current.is_(True)
        )
    )
    if current is not None and _same((current.level, current.trace), decision):
        return current
    before = {"level": current.level, "rule_set": current.rule_set} if current else None
    if current is not None:
        current.is_current = False
    row = EnterpriseLevel(
        enterprise_id=enterprise_id,
        level=decision.level,
        rule_set=decision.rule_set,
        inputs=_stored_inputs(facts),
        trace=[t.to_dict() for t in decision.trace],
        computed_at=utcnow(),
        is_current=True,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "regrade",
        "enterprise_level",
        enterprise_id,
        before=before,
        after={"level": row.level, "rule_set": row.rule_set},
        enterprise_id=enterprise_id,
        region_path=region_path if region_path is not None else _region_path(session, enterprise_id),
    )
    if current is None or current.level != row.level:
        # The four-colour map of the enterprise's township, county and city follows at once.
        regional.recompute_region_levels(session, regional.regions_affected(session, [enterprise_id]), actor)
    return row


def region_path(session: Session, enterprise_id: int) -> str | None:
    return _region_path(session, enterprise_id)


def _region_path(session: Session, enterprise_id: int) -> str | None:
    return session.scalar(
        select(Region.path)
        .join(Enterprise, Enterprise.region_code == Region.code)
        .where(Enterprise.id == enterprise_id)
    )


def recompute_all(session: Session, actor: Principal = SYSTEM) -> dict[str, int]:
    """Re-grade every enterprise (nightly job), in chunks with bulk reads and writes.

    Returns {"enterprises": n, "changed": m}.
    """
    as_of = local_today()
    ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    hazards = hazard_counts_bulk_provider(session)
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += _recompute_chunk(session, ids[start : start + CHUNK], as_of, hazards, actor)
    return {"enterprises": len(ids), "changed": changed}


def _recompute_chunk(
    session: Session,
    ids: list[int],
    as_of: date,
    hazards: dict[int, tuple[int, int]],
    actor: Principal,
) -> int:
    facts = _Facts(session, ids, as_of)
    current = {
        ent: (row_id, level, trace)
        for row_id, ent, level, trace in session.execute(
            select(
                EnterpriseLevel.id,
                EnterpriseLevel.enterprise_id,
                EnterpriseLevel.level,
                EnterpriseLevel.trace,
            ).where(EnterpriseLevel.enterprise_id.in_(ids), EnterpriseLevel.is_current.is_(True))
        )
    }
    paths = dict(
        session.execute(
            select(Enterprise.id, Region.path)
            .join(Region, Enterprise.region_code == Region.code)
            .where(Enterprise.id.in_(ids))
        ).all()
    )
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    retired: list[int] = []
    audits: list[dict[str, Any]] = []
    for ent in ids:
        f = facts.for_enterprise(ent, hazards.get(ent, (0, 0)))
        decision = with_diagnosis(evaluate_enterprise(f), facts.diagnoses.get(ent), as_of)
        old = current.get(ent)
        if old is not None and _same((old[1], old[2]), decision):
            continue
        if old is not None:
            retired.append(old[0])
        new_rows.append(
            {
                "enterprise_id": ent,
                "level": decision.level,
                "rule_set": decision.rule_set,
                "inputs": _stored_inputs(f),
                "trace": [t.to_dict() for t in decision.trace],
                "computed_at": now,
                "is_current": True,
            }
        )
        audits.append(
            {
                "actor_id": actor.id or None,
                "actor_name": actor.username,
                "action": "regrade",
                "entity": "enterprise_level",
                "entity_id": str(ent),
                "enterprise_id": ent,
                "region_path": paths.get(ent),
                "before": {"level": old[1]} if old else None,
                "after": {"level": decision.level, "rule_set": decision.rule_set},
                "note": "批量重新定级",
            }
        )
    table: Table = EnterpriseLevel.__table__  # type: ignore[assignment]
    if retired:
        session.execute(
            update(table).where(table.c.id == bindparam("_id")).values(is_current=False),
            [{"_id": i} for i in retired],
        )
    if new_rows:
        session.execute(table.insert(), new_rows)
    audit.record_many(session, audits)
    return len(new_rows)


def history(session: Session, enterprise_id: int, limit: int = 50) -> list[EnterpriseLevel]:
    """Newest first."""
    return list(
        session.scalars(
            select(EnterpriseLevel)
            .where(EnterpriseLevel.enterprise_id == enterprise_id)
            .order_by(EnterpriseLevel.id.desc())
            .limit(limit)
        )
    )


def recompute_many(session: Session, enterprise_ids: Iterable[int], actor: Principal = SYSTEM) -> int:
    """Re-grade a set of enterprises (after an import) with the bulk path."""
    ids = sorted(set(enterprise_ids))
    hazards = (
        {e: hazard_counts_provider(session, e) for e in ids}
        if len(ids) < 50
        else hazard_counts_bulk_provider(session)
    )
    session.flush()
    return sum(
        _recompute_chunk(session, ids[i : i + CHUNK], local_today(), hazards, actor)
        for i in range(0, len(ids), CHUNK)
    )
