"""Configurable policies (rules/policies/*.yaml): enterprise and regional level, inspection frequency,
workflow time limits, default control levels. The level rules are project defaults (no public source);
every adjustment is a named rule whose reason goes into the trace."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, TraceStep, cite
from app.rules_engine.engine import colour
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import (
    LEVEL_COLOURS,
    LEVELS,
    POLICY_KINDS,
    Condition,
    EnterpriseLevelPolicy,
    InspectionLevel,
    RegionalLevelPolicy,
    RuleSetHeader,
    TimeLimit,
    fmt,
    zh_number,
)
from app.timeutil import local_today

ENTERPRISE_FIELDS = (
    "risk_levels",
    "open_major_hazards",
    "overdue_hazards",
    "major_hazard_source_grades",
    "accidents",
    "as_of",
)
ACCIDENT_FIELDS = ("date", "deaths", "serious_injuries")


def get_policy(
    name: str, jurisdiction: str | None = None, on: date | None = None, *, registry: Registry | None = None
) -> Any:
    """The policy rule set (a models.*Policy) that applies to a jurisdiction on a date.
    name: enterprise_level | regional_level | inspection_frequency | workflow_time_limits | control_levels."""
    if name not in POLICY_KINDS:
        raise RuleInputError("name", f"{name!r} 不是已知的政策，可选：{', '.join(POLICY_KINDS)}")
    registry = registry or get_registry()
    return registry.select(name, jurisdiction=check.jurisdiction(jurisdiction), on=on).model


def inspection_frequency(
    level: str, jurisdiction: str | None = None, on: date | None = None
) -> InspectionLevel:
    """Minimum yearly inspections and measures for an enterprise level (red/orange/yellow/blue)."""
    if level not in LEVELS:
        raise RuleInputError("level", f"{level!r} 不是风险等级，可选：{', '.join(LEVELS)}")
    return get_policy("inspection_frequency", jurisdiction, on).for_level(level)  # type: ignore[no-any-return]


def time_limit(key: str, jurisdiction: str | None = None, on: date | None = None) -> TimeLimit:
    """One workflow time limit (value + unit + citation), e.g. time_limit("verification")."""
    policy = get_policy("workflow_time_limits", jurisdiction, on)
    try:
        return policy.limit(key)  # type: ignore[no-any-return]
    except KeyError:
        keys = ", ".join(limit.key for limit in policy.limits)
        raise RuleInputError("key", f"{key!r} 不是已知的时限，可选：{keys}") from None


def _resolve(kind: str, policy: Any, registry: Registry, on: date | None) -> LoadedRuleSet:
    if policy is None or isinstance(policy, str):
        return registry.select(kind, rule_set=policy, on=on)
    if not isinstance(policy, RuleSetHeader) or policy.kind != kind:
        raise RuleInputError("policy", f"应为 {kind} 政策规则集")
    known = registry.by_ref.get(policy.ref)
    return known if known is not None and known.model == policy else LoadedRuleSet(policy, "(调用方提供)")


def _shift_months(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to the month's end (31 Mar − 1 month → 28/29 Feb)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- enterprise


def _enterprise_facts(raw: Any) -> dict[str, Any]:
    data = check.mapping(raw, "facts", allowed=ENTERPRISE_FIELDS)
    levels = data.get("risk_levels") or []
    if not isinstance(levels, list):
        raise RuleInputError("facts.risk_levels", '应为等级列表，如 ["yellow", "orange"]')
    for i, lvl in enumerate(levels):
        if lvl not in LEVELS:
            raise RuleInputError(
                f"facts.risk_levels[{i}]", f"{check.show(lvl)} 不是风险等级，可选：{', '.join(LEVELS)}"
            )
    grades = data.get("major_hazard_source_grades") or []
    if not isinstance(grades, list):
        raise RuleInputError("facts.major_hazard_source_grades", "应为级别列表（1–4）")
    for i, g in enumerate(grades):
        if check.count(g, f"facts.major_hazard_source_grades[{i}]") not in (1, 2, 3, 4):
            raise RuleInputError(f"facts.major_hazard_source_grades[{i}]", f"{g} 不是重大危险源级别（1–4）")
    as_of = check.day(data["as_of"], "facts.as_of") if data.get("as_of") is not None else local_today()
    accidents = data.get("accidents") or []
    if not isinstance(accidents, list):
        raise RuleInputError("facts.accidents", "应为事故列表")
    parsed = []
    for i, acc in enumerate(accidents):
        fld = f"facts.accidents[{i}]"
        a = check.mapping(acc, fld, allowed=ACCIDENT_FIELDS)
        when = check.day(a.get("date"), f"{fld}.date")
        if when > as_of:
            raise RuleInputError(f"{fld}.date", f"{when.isoformat()} 晚于 as_of {as_of.isoformat()}")
        deaths = check.count(a.get("deaths", 0), f"{fld}.deaths")
        check.count(a.get("serious_injuries", 0), f"{fld}.serious_injuries")
        parsed.append((when, deaths))
    return {
        "levels": levels,
        "open_major_hazards": check.count(data.get("open_major_hazards", 0), "facts.open_major_hazards"),
        "overdue_hazards": check.count(data.get("overdue_hazards", 0), "facts.overdue_hazards"),
        "major_hazard_source_grade": min(grades) if grades else None,  # 1 is the most serious
        "accidents": parsed,
        "as_of": as_of,
    }


def policy_name(model: Any) -> str:
    """How a user's sentence names a rule set: its short_name, else its title."""
    return str(getattr(model, "short_name", None) or model.title)


def cited(model: Any, entry: str) -> str:
    """“企业整体风险等级规则 第2条”: the rule set's name and the clause of one of its entries."""
    clause = model.clause(entry) if hasattr(model, "clause") else None
    return f"{policy_name(model)} {clause}" if clause else policy_name(model)


def _fact(facts: dict[str, Any], cond: Condition) -> tuple[int | None, str]:
    """The number a condition tests, and how it was counted (for the trace)."""
    if cond.fact == "fatal_accidents":
        since = _shift_months(facts["as_of"], cond.window_months or 12)
        n = sum(1 for when, deaths in facts["accidents"] if deaths > 0 and since <= when)
        return n, f"{since.isoformat()} 至 {facts['as_of'].isoformat()} 死亡事故 {n} 起"
    value = facts[cond.fact]
    if cond.fact == "major_hazard_source_grade":
        return value, "无重大危险源" if value is None else f"最高重大危险源级别为{value}级"
    return value, f"{cond.fact} = {value}"


def evaluate_enterprise(
    facts: Mapping[str, Any], policy: Any = None, *, registry: Registry | None = None
) -> Decision:
    """企业整体安全风险等级. facts = {"risk_levels": [...], "open_major_hazards": n, "overdue_hazards": n,
    "major_hazard_source_grades": [1..4], "accidents": [{"date","deaths","serious_injuries"}], "as_of": date}.
    policy: an EnterpriseLevelPolicy, an "id@version", or None for the one in force on as_of."""
    registry = registry or get_registry()
    f = _enterprise_facts(facts)
    loaded = _resolve("enterprise_level", policy, registry, f["as_of"])
    model: EnterpriseLevelPolicy = loaded.model
    level = max(f["levels"], key=LEVELS.index) if f["levels"] else model.base.level_if_none
    basis = (
        f"风险点 {len(f['levels'])} 个，最高为{colour(level)}"
        if f["levels"]
        else f"没有风险点，取{colour(level)}"
    )
    base = model.base
    said = (
        base.text.format(n=len(f["levels"]), level=colour(level))
        if f["levels"]
        else base.text_if_none.format(level=colour(level))
    )
    steps: list[TraceStep] = [
        cite(
            loaded,
            "base",
            base.citation,
            "基础等级",
            f"{base.description}：{basis}",
            f"{said}（{cited(model, 'base')}）",
        )
    ]
    for rule in model.rules:
        value, counted = _fact(f, rule.when)
        if value is None or not rule.when.holds(Fraction(value)):
            continue
        before = level
        if rule.effect == "at_least":
            assert rule.level is not None
            level = max(level, rule.level, key=LEVELS.index)
        elif rule.effect == "raise":
            level = LEVELS[min(LEVELS.index(level) + (rule.steps or 1), len(LEVELS) - 1)]
        else:
            assert rule.level is not None
            level = rule.level
        change = f"{colour(before)} → {colour(level)}" if level != before else f"仍为{colour(level)}"
        said = rule.text.format(n=value, n_zh=zh_number(value), months=rule.when.window_months or 12)
        moved = f"，由{LEVEL_COLOURS[before]}调为{LEVEL_COLOURS[level]}" if level != before else ""
        entry = f"rules.{rule.id}"
        steps.append(
            cite(
                loaded,
                entry,
                rule.citation,
                rule.id,
                f"{rule.reason}（{counted}，条件 {rule.when.describe()}）：{change}",
                f"{said}{moved}（{cited(model, entry)}）",
            )
        )
    return Decision("enterprise_level", loaded.ref, level=level, is_major=level == "red", trace=tuple(steps))


# ---------------------------------------------------------------- region


def evaluate_region(
    facts: Mapping[str, Any], policy: Any = None, *, registry: Registry | None = None
) -> Decision:
    """区域安全风险等级 from enterprise counts {"red": n, "orange": n, "yellow": n, "blue": n}."""
    registry = registry or get_registry()
    data = check.mapping(facts, "facts", allowed=LEVELS)
    counts = {lvl: check.count(data.get(lvl, 0), f"facts.{lvl}") for lvl in LEVELS}
    loaded = _resolve("regional_level", policy, registry, None)
    model: RegionalLevelPolicy = loaded.model
    total = sum(counts.values())
    tally = "、".join(f"{colour(lvl)[:2]} {counts[lvl]}" for lvl in reversed(LEVELS))
    plain = "、".join(f"{LEVEL_COLOURS[lvl]}{counts[lvl]}家" for lvl in reversed(LEVELS))
    steps = [
        cite(
            loaded,
            "formula",
            model.citation,
            "统计",
            f"企业共 {total} 家：{tally}；规则：{model.formula}",
            f"辖区内已评级企业共{total}家：{plain}（{policy_name(model)}）",
        )
    ]
    if total == 0:
        steps.append(
            cite(
                loaded,
                "formula",
                model.citation,
                "判定",
                "辖区内没有企业，不定等级",
                f"辖区内没有已评级企业，不定区域等级（{policy_name(model)}）",
            )
        )
        return Decision("regional_level", loaded.ref, trace=tuple(steps))
    values: dict[str, Fraction] = {lvl: Fraction(n) for lvl, n in counts.items()}
    values.update({f"{lvl}_share": Fraction(n, total) for lvl, n in counts.items()})
    fill: dict[str, Any] = {"total": total, **{str(lvl): n for lvl, n in counts.items()}}
    fill.update({f"{lvl}_share": f"{fmt(Fraction(n, total) * 100)}%" for lvl, n in counts.items()})
    for rule in model.rules:
        hit = next((c for c in rule.any if c.holds(values[c.fact])), None)
        if hit is not None:
            shown = (
                f"{fmt(values[hit.fact] * 100)}%" if hit.fact.endswith("_share") else fmt(values[hit.fact])
            )
            entry = f"rules.{rule.id}"
            steps.append(
                cite(
                    loaded,
                    entry,
                    rule.citation,
                    "判定",
                    f"{rule.reason}（{hit.fact} = {shown}，条件 {hit.describe()}）→ {colour(rule.level)}",
                    f"{rule.text.format(**fill)}，区域等级为{colour(rule.level)}（{cited(model, entry)}）",
                )
            )
            return Decision(
                "regional_level",
                loaded.ref,
                level=rule.level,
                is_major=rule.level == "red",
                trace=tuple(steps),
            )
    other = model.otherwise
    steps.append(
        cite(
            loaded,
            "otherwise",
            other.citation,
            "判定",
            f"{other.reason} → {colour(other.level)}",
            f"{other.text.format(**fill)}，区域等级为{colour(other.level)}（{cited(model, 'otherwise')}）",
        )
    )
    return Decision(
        "regional_level", loaded.ref, level=other.level, is_major=other.level == "red", trace=tuple(steps)
    )
