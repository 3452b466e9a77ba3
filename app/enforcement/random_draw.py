"""双随机一公开: each month draw enterprises at random (per-level rates from the inspection-frequency
policy) and pair each with randomly drawn inspectors of the right region and department; the plan
is stored and published.

Selection is stratified per level: with n candidates at rate p, k = ⌊n·p⌋ plus one more with
probability frac(n·p), then k distinct enterprises at random. Each enterprise's monthly chance is
therefore exactly p, and the count per level varies as little as possible.
"""

import hashlib
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import SYSTEM, Principal
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.grading.models import EnterpriseLevel
from app.notifications import service as notifications
from app.regions.models import Region
from app.rules_engine import get_policy
from app.scheduler.models import InspectionPlan, InspectionPlanItem
from app.scheduler.registry import RunContext
from app.scheduler.settings import get_scheduler_settings
from app.timeutil import utcnow

LEVELS = ("red", "orange", "yellow", "blue")
DEFAULT_LEVEL = "blue"  # an enterprise not graded yet is drawn like a low-risk one


@dataclass(frozen=True)
class DraftItem:
    enterprise_id: int
    level: str
    inspector_ids: tuple[int, ...]


@dataclass
class Draft:
    month: str
    seed: int
    rule_set: str
    rates: dict[str, float]
    params: dict[str, object]
    counts: dict[str, int] = field(default_factory=dict)
    items: list[DraftItem] = field(default_factory=list)


# ---------------------------------------------------------------- pure parts


def month_key(value: str | date) -> str:
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    try:
        y, m = value.split("-")
        return month_key(date(int(y), int(m), 1))
    except ValueError:
        raise BadInput(f"月份 {value!r} 格式应为 YYYY-MM", field="month") from None


def default_seed(month: str, salt: str = "") -> int:
    """int(YYYYMM); with a salt, a number nobody can compute before the draw (published after)."""
    plain = int(month.replace("-", ""))
    if not salt:
        return plain
    return int.from_bytes(hashlib.sha256(f"{salt}:{month}".encode()).digest()[:6], "big")


def monthly_rates(on: date, floor: float) -> tuple[dict[str, float], str]:
    """Monthly selection probability per level: the policy's yearly minimum ÷ 12, at least `floor`."""
    policy = get_policy("inspection_frequency", on=on)
    rates = {}
    for level in LEVELS:
        per_year = policy.for_level(level).min_per_year or 0
        rates[level] = min(1.0, max(per_year / 12, floor))
    return rates, policy.ref


def select_enterprises(
    by_level: Mapping[str, Sequence[int]], rates: Mapping[str, float], rng: random.Random
) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for level in LEVELS:
        ids = sorted(by_level.get(level, ()))
        expected = len(ids) * rates[level]
        k = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        out[level] = sorted(rng.sample(ids, min(k, len(ids))))
    return out


def pick_inspectors(
    candidates: Sequence[int], last: Collection[int], k: int, rng: random.Random, avoid_last: bool
) -> list[int]:
    """k inspectors at random; with avoid_last, last time's are taken only if too few others remain."""
    pool = sorted(set(candidates))
    if not avoid_last:
        return sorted(rng.sample(pool, min(k, len(pool))))
    fresh = [c for c in pool if c not in last]
    chosen = rng.sample(fresh, min(k, len(fresh)))
    if len(chosen) < k:
        again = [c for c in pool if c in last]
        chosen += rng.sample(again, min(k - len(chosen), len(again)))
    return sorted(chosen)


# ---------------------------------------------------------------- with the database


def compute_plan(
    session: Session,
    month: str | date,
    *,
    seed: int | None = None,
    avoid_last: bool | None = None,
    rates: Mapping[str, float] | None = None,
) -> Draft:
    """Draw a plan without storing it. Same data + same seed → same plan."""
    settings = get_scheduler_settings()
    key = month_key(month)
    first = date(int(key[:4]), int(key[5:]), 1)
    seed = default_seed(key, settings.draw_seed_salt) if seed is None else seed
    avoid = settings.draw_avoid_last_inspectors if avoid_last is None else avoid_last
    policy_rates, rule_set = monthly_rates(first, settings.draw_min_monthly_rate)
    use_rates = {**policy_rates, **(rates or {})}
    per_item = settings.draw_inspectors_per_item
    draft = Draft(
        month=key,
        seed=seed,
        rule_set=rule_set,
        rates=use_rates,
        params={
            "inspectors_per_item": per_item,
            "avoid_last_inspectors": avoid,
            "default_level": DEFAULT_LEVEL,
        },
    )

    enterprises = {
        e.id: e
        for e in session.execute(
            select(Enterprise.id, Enterprise.region_code, Enterprise.industry, Enterprise.department).where(
                Enterprise.status == "operating", Enterprise.region_code.is_not(None)
            )
        )
    }
    current = dict(
        session.execute(
            select(EnterpriseLevel.enterprise_id, EnterpriseLevel.level).where(
                EnterpriseLevel.is_current.is_(True)
            )
        ).all()
    )
    # 诚信等级: when the credit-grade policy says so, an enterprise is drawn at least in its grade's stratum.
    from app.credit import grading as credit_grading  # domain logic, like the rest of this module

    credit_ref, credit_floor = credit_grading.draw_levels(session, list(enterprises), first)
    by_level: dict[str, list[int]] = {lvl: [] for lvl in LEVELS}
    raised = 0
    for eid in enterprises:
        lvl = current.get(eid, DEFAULT_LEVEL)
        floor = credit_floor.get(eid)
        if floor is not None and LEVELS.index(floor) < LEVELS.index(lvl):
            lvl, raised = floor, raised + 1
        by_level[lvl].append(eid)
    if credit_ref:
        draft.params["credit_grade_policy"] = credit_ref
        draft.counts["raised_by_credit_grade"] = raised
    rng = random.Random(seed)
    chosen = select_enterprises(by_level, use_rates, rng)
    for lvl in LEVELS:
        draft.counts[f"{lvl}_candidates"] = len(by_level[lvl])
        draft.counts[f"{lvl}_drawn"] = len(chosen[lvl])

    departments = dict(
        session.execute(select(User.id, User.department).where(User.role == "inspector")).all()
    )
    last = _last_inspectors(session, key, [eid for ids in chosen.values() for eid in ids])
    pools: dict[tuple[str, str], list[int]] = {}
    for lvl in LEVELS:
        for eid in chosen[lvl]:
            ent = enterprises[eid]
            pool_key = (ent.region_code, ent.industry)
            if pool_key not in pools:
                pools[pool_key] = notifications.inspectors_for(session, ent.region_code, ent.industry)
            pool = pools[pool_key]
            # The enterprise's own 监管部门 inspects it when that department has someone here.
            same_dept = [u for u in pool if ent.department and departments.get(u) == ent.department]
            picked = pick_inspectors(same_dept or pool, last.get(eid, ()), per_item, rng, avoid)
            draft.items.append(DraftItem(eid, lvl, tuple(picked)))
    draft.counts["items_without_inspectors"] = sum(1 for i in draft.items if not i.inspector_ids)
    return draft


def _last_inspectors(session: Session, month: str, enterprise_ids: list[int]) -> dict[int, list[int]]:
    """Inspectors of each enterprise's most recent earlier plan item."""
    if not enterprise_ids:
        return {}
    rows = session.execute(
        select(InspectionPlanItem.enterprise_id, InspectionPlanItem.inspector_ids)
        .join(InspectionPlan, InspectionPlan.id == InspectionPlanItem.plan_id)
        .where(InspectionPlan.month < month, InspectionPlanItem.enterprise_id.in_(enterprise_ids))
        .order_by(InspectionPlan.month.desc())
    )
    out: dict[int, list[int]] = {}
    for eid, ids in rows:
        out.setdefault(eid, list(ids or []))
    return out


def draw_plan(
    session: Session,
    month: str | date,
    *,
    seed: int | None = None,
    avoid_last: bool | None = None,
    rates: Mapping[str, float] | None = None,
    actor: Principal = SYSTEM,
) -> InspectionPlan:
    """Draw, store and publish (一公开) the month's plan; tell each drawn inspector their list.
    Enterprises are not told (四不两直)."""
    key = month_key(month)
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.month == key)) is not None:
        raise Conflict(f"{key} 的双随机抽查计划已生成", field="month")
    draft = compute_plan(session, key, seed=seed, avoid_last=avoid_last, rates=rates)
    now = utcnow()
    plan = InspectionPlan(
        month=key,
        seed=draft.seed,
        rule_set=draft.rule_set,
        rates=draft.rates,
        params=draft.params,
        counts=draft.counts,
        created_at=now,
        published_at=now,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        InspectionPlanItem(
            plan_id=plan.id, enterprise_id=i.enterprise_id, level=i.level, inspector_ids=list(i.inspector_ids)
        )
        for i in draft.items
    )
    audit.record(
        session,
        actor,
        "create",
        "inspection_plan",
        plan.id,
        after={"month": key, "seed": draft.seed, "items": len(draft.items), "rule_set": draft.rule_set},
    )
    _tell_inspectors(session, key, draft.items)
    session.flush()
    return plan


def draw_by(session: Session, user: Principal, month: str | date) -> InspectionPlan:
    """An inspector (or admin) draws the month by hand, e.g. when the scheduled draw has not run yet."""
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管人员可以进行双随机抽取")
    return draw_plan(session, month, actor=user)


def monthly_job(session: Session, ctx: RunContext) -> dict[str, Any]:
    """The scheduled draw (job inspection.random_draw). Idempotent: a month with a plan keeps it."""
    month = month_key(ctx.local_date)
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.month == month)) is not None:
        return {"month": month, "created": 0}
    plan = draw_plan(session, month, actor=ctx.actor)
    return {"month": month, "created": 1, **plan.counts}


def _tell_inspectors(session: Session, month: str, items: list[DraftItem]) -> None:
    names = dict(
        session.execute(
            select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_([i.enterprise_id for i in items]))
        ).all()
    )
    tasks: dict[int, list[str]] = {}
    for item in items:
        for uid in item.inspector_ids:
            tasks.setdefault(uid, []).append(names.get(item.enterprise_id, str(item.enterprise_id)))
    y, m = month.split("-")
    for uid, ents in tasks.items():
        notifications.notify(
            session,
            user_ids=[uid],
            kind="inspection_plan",
            title=f"{y}年{int(m)}月双随机抽查任务（{len(ents)} 家）",
            body="本月随机抽取、由您参加检查的企业：" + "、".join(ents),
            link=f"/api/public/inspection-plans/{month}",
        )


def public_plan(session: Session, month: str) -> dict[str, object]:
    """The published plan as anyone may read it: enterprise and inspector names, nothing personal."""
    key = month_key(month)
    plan = session.scalar(
        select(InspectionPlan).where(InspectionPlan.month == key, InspectionPlan.published_at.is_not(None))
    )
    if plan is None:
        raise NotFound(f"{key} 的双随机抽查计划尚未公布", field="month")
    rows = session.execute(
        select(InspectionPlanItem.inspector_ids, Enterprise.name, Region.name)
        .join(Enterprise, Enterprise.id == InspectionPlanItem.enterprise_id)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(InspectionPlanItem.plan_id == plan.id)
        .order_by(Region.name, Enterprise.name)
    ).all()
    uids = {u for ids, _, _ in rows for u in ids}
    names = select(User.id, User.display_name).where(User.id.in_(uids))
    display = dict(session.execute(names).all())
    return {
        "month": plan.month,
        "published_at": plan.published_at,
        "seed": plan.seed,
        "rule_set": plan.rule_set,
        "items": [
            {"enterprise": ent, "region": region, "inspectors": [display.get(u, "") for u in ids]}
            for ids, ent, region in rows
        ],
    }
