"""区域安全风险等级: a level for every region from the enterprises in its subtree.

The levels come from the rules engine's regional policy (rules/policies/regional-level.yaml) given the
number of enterprises per level. One GROUP BY over the enterprises' current levels gives the counts per
region; each region's counts are then added up its materialised path, so a whole province is computed
bottom-up in one pass. A new RegionLevel row is written only when the level, the counts or the rule set
changed; the old row stays as history with is_current = False.

Enterprises that are closed (关闭) are not counted; an enterprise with no current EnterpriseLevel counts
as 未评级 (kept in counts["unrated"], not given to the policy, which only grades graded enterprises).
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from app.audit.service import record_many
from app.auth.principal import SYSTEM, Principal
from app.enterprises.models import Enterprise
from app.grading.models import LEVEL_LABELS, LEVEL_ORDER, EnterpriseLevel, RegionLevel
from app.regions.models import Region
from app.rules_engine import evaluate_region, explain

UNRATED = "unrated"
COUNT_KEYS = (*reversed(LEVEL_ORDER), UNRATED)  # red, orange, yellow, blue, unrated
UNRATED_LABEL = "未评级"
_IN_CHUNK = 500


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def _direct_counts(session: Session, codes: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
    """Enterprises per level directly in each region (or in these regions only); one aggregate query."""
    current = and_(EnterpriseLevel.enterprise_id == Enterprise.id, EnterpriseLevel.is_current.is_(True))
    stmt = (
        select(Enterprise.region_code, EnterpriseLevel.level, func.count())
        .select_from(Enterprise)
        .outerjoin(EnterpriseLevel, current)
        .where(Enterprise.region_code.is_not(None), Enterprise.status != "closed")
        .group_by(Enterprise.region_code, EnterpriseLevel.level)
    )
    if codes is not None:
        stmt = stmt.where(Enterprise.region_code.in_(list(codes)))
    out: dict[str, dict[str, int]] = defaultdict(empty_counts)
    for code, level, n in session.execute(stmt):
        if code is None:
            continue
        out[code][level if level in LEVEL_ORDER else UNRATED] += n
    return out


def _paths(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Region.code, Region.path)).all())


def subtree_counts(session: Session, paths: dict[str, str] | None = None) -> dict[str, dict[str, int]]:
    """Counts per level over each region's whole subtree, for every region."""
    paths = _paths(session) if paths is None else paths
    totals: dict[str, dict[str, int]] = {code: empty_counts() for code in paths}
    for code, counts in _direct_counts(session).items():
        path = paths.get(code)
        if path is None:
            continue
        for ancestor in path.split("/"):
            if ancestor in totals:
                target = totals[ancestor]
                for key, n in counts.items():
                    target[key] += n
    return totals


def _targets_counts(
    session: Session, targets: set[str], paths: dict[str, str]
) -> dict[str, dict[str, int]] | None:
    """Subtree counts of these regions only, without reading every enterprise (one enterprise's change
    touches its township up to the province): a region's count is its own enterprises plus its children's —
    recomputed when the child is a target too (deepest first), else the child's stored current counts.
    None when such a child has no stored level yet: the caller then counts everything."""
    parent = {code: path.rstrip("/").split("/")[-2] for code, path in paths.items() if path.count("/") > 1}
    children: dict[str, list[str]] = defaultdict(list)
    for code, up in parent.items():
        if up in targets:
            children[up].append(code)
    others = {c for t in targets for c in children[t] if c not in targets}
    stored = _current_rows(session, others)
    if len(stored) < len(others):
        return None
    direct = _direct_counts(session, targets)
    totals: dict[str, dict[str, int]] = {}
    for code in sorted(targets, key=lambda c: -paths[c].count("/")):
        total = dict(direct.get(code) or empty_counts())
        for child in children[code]:
            for key, n in (totals[child] if child in targets else stored[child].counts).items():
                total[key] = total.get(key, 0) + n
        totals[code] = total
    return totals


def _current_rows(session: Session, codes: Iterable[str] | None) -> dict[str, RegionLevel]:
    stmt = select(RegionLevel).where(RegionLevel.is_current.is_(True))
    if codes is None:
        return {row.region_code: row for row in session.scalars(stmt)}
    wanted = list(codes)
    out: dict[str, RegionLevel] = {}
    for i in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[i : i + _IN_CHUNK]
        out.update(
            {r.region_code: r for r in session.scalars(stmt.where(RegionLevel.region_code.in_(chunk)))}
        )
    return out


def evaluate_counts(counts: dict[str, int]) -> tuple[str | None, str, list[dict[str, Any]]]:
    """(level, rule_set, trace) for one region's counts; the 未评级 count is noted in the trace."""
    decision = evaluate_region({lvl: counts.get(lvl, 0) for lvl in LEVEL_ORDER})
    trace = decision.to_dict()["trace"]
    unrated = counts.get(UNRATED, 0)
    if unrated:
        trace.append(
            {
                "step": "未评级",
                "detail": f"另有 {unrated} 家企业尚无整体风险等级，未计入判定",
                "source": {"file": "app/grading/regional.py", "entry": "unrated", "citation": "项目约定"},
                "text": f"另有{unrated}家企业尚无整体风险等级，未计入区域等级",
            }
        )
    return decision.level, decision.rule_set, trace


def recompute_region_levels(
    session: Session, region_codes: Iterable[str] | None = None, actor: Principal = SYSTEM
) -> int:
    """Recompute the level of the given regions (all when None); returns how many rows were written.

    Regions whose level, counts and rule set are unchanged get no new row.
    """
    paths = _paths(session)
    totals = None
    if region_codes is not None:
        totals = _targets_counts(session, {c for c in region_codes if c in paths}, paths)
    if totals is None:
        totals = subtree_counts(session, paths)
    targets = sorted(totals if region_codes is None else {c for c in region_codes if c in totals})
    current = _current_rows(session, None if region_codes is None else targets)
    stale: list[int] = []
    new_rows: list[RegionLevel] = []
    audit: list[dict[str, Any]] = []
    for code in targets:
        counts = totals[code]
        level, rule_set, trace = evaluate_counts(counts)
        old = current.get(code)
        if old is not None and (old.level, old.counts, old.rule_set) == (level, counts, rule_set):
            continue
        if old is not None:
            stale.append(old.id)
        new_rows.append(
            RegionLevel(
                region_code=code, level=level, counts=counts, rule_set=rule_set, trace=trace, is_current=True
            )
        )
        audit.append(
            {
                "actor_id": actor.id or None,
                "actor_name": actor.username,
                "action": "region_level",
                "entity": "region",
                "entity_id": code,
                "region_path": paths.get(code),
                "before": None if old is None else {"level": old.level, "counts": old.counts},
                "after": {"level": level, "counts": counts, "rule_set": rule_set},
                "note": "区域安全风险等级重新计算",
            }
        )
    for i in range(0, len(stale), _IN_CHUNK):
        session.execute(
            update(RegionLevel).where(RegionLevel.id.in_(stale[i : i + _IN_CHUNK])).values(is_current=False),
            execution_options={"synchronize_session": False},
        )
    session.add_all(new_rows)
    session.flush()
    record_many(session, audit)
    return len(new_rows)


def regions_affected(session: Session, enterprise_ids: Iterable[int]) -> set[str]:
    """The regions (and all their ancestors) of these enterprises: what to recompute after they change.

    When an enterprise moves to another region, call this before the move as well, so the old region
    is recomputed too.
    """
    ids = list(enterprise_ids)
    out: set[str] = set()
    for i in range(0, len(ids), _IN_CHUNK):
        stmt = (
            select(Region.path)
            .join(Enterprise, Enterprise.region_code == Region.code)
            .where(Enterprise.id.in_(ids[i : i + _IN_CHUNK]))
            .distinct()
        )
        for path in session.scalars(stmt):
            out.update(c for c in path.split("/") if c)
    return out


def current_levels(session: Session, codes: Iterable[str]) -> dict[str, RegionLevel]:
    """The current RegionLevel row of each of these regions that has one."""
    return _current_rows(session, codes)


def level_history(session: Session, code: str, limit: int = 50) -> list[RegionLevel]:
    """Rows for one region, newest first."""
    stmt = (
        select(RegionLevel)
        .where(RegionLevel.region_code == code)
        .order_by(RegionLevel.computed_at.desc(), RegionLevel.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def level_dict(row: RegionLevel) -> dict[str, Any]:
    """A region level for pages and the API; `reasons` are the trace as sentences for every user."""
    return {
        "level": row.level,
        "level_label": LEVEL_LABELS.get(row.level, UNRATED_LABEL) if row.level else UNRATED_LABEL,
        "counts": row.counts,
        "rule_set": row.rule_set,
        "reasons": explain.sentences(row.trace),
        "trace": row.trace,
        "computed_at": row.computed_at.isoformat() if row.computed_at else None,
        "is_current": row.is_current,
    }
