"""事故等级 (国务院令第493号 第三条) and the reporting chain it requires (第十条), as a pure evaluation with
a cited trace. The time limits themselves are read with `accident_limit(key)`."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, cite
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import (
    ACCIDENT_LEVEL_LABELS,
    ACCIDENT_LEVELS,
    REPORT_TIERS,
    AccidentLimit,
    AccidentRulesPolicy,
)

ACCIDENT_FACTS = ("deaths", "serious_injuries", "direct_loss_yuan")
TIER_LABELS = {"county": "县级", "city": "设区的市级", "province": "省级", "ministry": "国务院有关部门"}


def accident_rules(on: date | None = None, *, registry: Registry | None = None) -> LoadedRuleSet:
    return (registry or get_registry()).select("accident_rules", on=on)


def accident_limit(key: str, on: date | None = None) -> AccidentLimit:
    policy: AccidentRulesPolicy = accident_rules(on).model
    try:
        return policy.limit(key)
    except KeyError:
        keys = ", ".join(limit.key for limit in policy.limits)
        raise RuleInputError("key", f"{key!r} 不是已知的事故时限，可选：{keys}") from None


def tiers_for(level: str, on: date | None = None) -> list[str]:
    """The authorities a report of this level must reach, lowest first (county → … → report_up_to)."""
    policy: AccidentRulesPolicy = accident_rules(on).model
    top = next(t.report_up_to for t in policy.levels if t.level == level)
    return list(REPORT_TIERS[: REPORT_TIERS.index(top) + 1])


def at_least(level: str, minimum: str) -> bool:
    return ACCIDENT_LEVELS.index(level) >= ACCIDENT_LEVELS.index(minimum)


def _num(n: int) -> str:
    if n >= 100_000_000 and n % 100_000_000 == 0:
        return f"{n // 100_000_000}亿元"
    if n >= 10_000 and n % 10_000 == 0:
        return f"{n // 10_000}万元"
    return f"{n}元"


def evaluate_accident(facts: Any, on: date | None = None, *, registry: Registry | None = None) -> Decision:
    """{"deaths", "serious_injuries", "direct_loss_yuan"} → the level (特别重大/重大/较大/一般) and the
    authorities the report must reach, each step citing its article."""
    data = check.mapping(facts, "facts", allowed=ACCIDENT_FACTS)
    deaths = check.count(data.get("deaths", 0), "facts.deaths")
    serious = check.count(data.get("serious_injuries", 0), "facts.serious_injuries")
    loss = check.count(data.get("direct_loss_yuan", 0), "facts.direct_loss_yuan")
    loaded = accident_rules(on, registry=registry)
    policy: AccidentRulesPolicy = loaded.model
    steps = [
        cite(
            loaded,
            "boundaries",
            policy.boundaries.citation,
            "边界约定",
            policy.boundaries.note or "“以上”包括本数，“以下”不包括本数",
        )
    ]
    chosen = policy.levels[-1]
    reason = f"死亡{deaths}人、重伤{serious}人、直接经济损失{_num(loss)}，均未达到较大事故的下限"
    for i, t in enumerate(policy.levels):
        if t.level == "general":
            chosen, idx = t, i
            break
        hits = []
        if t.deaths_ge is not None and deaths >= t.deaths_ge:
            hits.append(f"死亡{deaths}人（≥ {t.deaths_ge}人）")
        if t.serious_injuries_ge is not None and serious >= t.serious_injuries_ge:
            hits.append(f"重伤{serious}人（≥ {t.serious_injuries_ge}人）")
        if t.direct_loss_yuan_ge is not None and loss >= t.direct_loss_yuan_ge:
            hits.append(f"直接经济损失{_num(loss)}（≥ {_num(t.direct_loss_yuan_ge)}）")
        if hits:
            chosen, idx = t, i
            reason = "、".join(hits)
            break
    label = ACCIDENT_LEVEL_LABELS[chosen.level]
    steps.append(
        cite(
            loaded,
            f"levels.{idx}",
            chosen.citation,
            "事故等级",
            f"{reason} → {label}",
            text=f"{reason}，为{label}（{policy.short_name or policy.title} {chosen.citation.article}）",
        )
    )
    tiers = tiers_for(chosen.level, on)
    chain = " → ".join(TIER_LABELS[t] for t in tiers)
    steps.append(
        cite(
            loaded,
            f"levels.{idx}.report_up_to",
            chosen.report_up_to_citation,
            "逐级上报",
            f"{label}报告至{TIER_LABELS[tiers[-1]]}：{chain}",
        )
    )
    return Decision(
        method="accident_level",
        rule_set=loaded.ref,
        level=chosen.level,
        score=ACCIDENT_LEVELS.index(chosen.level),
        trace=tuple(steps),
    )
