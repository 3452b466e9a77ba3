"""Point-level risk methods (LEC, LS, MES), direct determination, residual risk, and the case dispatcher.

Pure functions over loaded rule sets. Because L/E/C (or L/S, M/E/S) may only take published values,
every possible combination is evaluated once when a rule set is first used, and evaluation afterwards
is a dictionary lookup returning a shared, immutable Decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from fractions import Fraction
from itertools import product
from operator import itemgetter
from typing import Any

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, TraceStep, cite, number
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import KIND_LABELS, LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import (
    LEVEL_COLOURS,
    LEVEL_LABELS,
    Band,
    FactorValue,
    PointMethodRuleSet,
    exact,
    fmt,
)
from app.timeutil import local_today

METHODS = ("lec", "ls", "mes", "gb18218", "major_hidden_hazard", "hc_diagnosis", "accident_level")
POINT_METHODS = ("lec", "ls", "mes")
DIRECT_FLAGS = (
    "violates_mandatory",
    "accident_conditions_persist",
    "involves_major_hazard_source",
    "toxic_explosive_fire",
)
CASE_FIELDS = ("method", "inputs", "rule_set", "jurisdiction", "date")


def colour(level: str | None) -> str:
    return f"{LEVEL_COLOURS[level]}（{LEVEL_LABELS[level]}）" if level else "无等级"


class PointMethod:
    """One LEC/LS/MES rule set, compiled: allowed values, and the decision for every combination."""

    def __init__(self, loaded: LoadedRuleSet):
        m: PointMethodRuleSet = loaded.model
        self.loaded, self.model, self.ref = loaded, m, loaded.ref
        self.label = KIND_LABELS[m.kind]
        self.keys = tuple(f.key for f in m.factors)
        # float keys; an int input hashes equal to its float, so 10 and 10.0 both match.
        self.allowed: dict[str, dict[float, FactorValue]] = {
            f.key: {float(v.value): v for v in f.values} for f in m.factors
        }
        self._choices = {f.key: ", ".join(fmt(exact(v.value)) for v in f.values) for f in m.factors}
        self._unsourced = {f.key for f in m.factors if any(v.project_default for v in f.values)}
        self._decisions: dict[tuple[float, ...], Decision] = {}
        self._n = len(self.keys)
        key_getter = itemgetter(*self.keys)
        self._values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            key_getter if len(self.keys) > 1 else lambda d: (key_getter(d),)
        )
        self._fast: dict[tuple[float, ...], tuple[int | float, str]] = {}
        for combo in product(*(self.allowed[k].items() for k in self.keys)):
            key = tuple(value for value, _ in combo)
            decision = self._decide([entry for _, entry in combo])
            self._decisions[key] = decision
            self._fast[key] = (decision.score, decision.level)  # type: ignore[assignment]

    # -- the hot path ---------------------------------------------------------------------------

    def score_and_level(self, *values: float) -> tuple[int | float, str]:
        """Fast path for batches: (score, level) for already-validated published values."""
        try:
            return self._fast[values]
        except KeyError:
            self.values_from(dict(zip(self.keys, values, strict=False)), "inputs")  # raises the precise error
            raise AssertionError("unreachable") from None

    def decide(self, values: tuple[float, ...]) -> Decision:
        return self._decisions[values]

    def lookup(self, data: Any) -> Decision | None:
        """The shared Decision when data is exactly the factors with published values (the usual case),
        else None: the full path then applies direct/residual or says what is wrong."""
        if type(data) is not dict or len(data) != self._n:
            return None
        try:
            values = self._values(data)
            if bool in map(type, values):  # True == 1.0: a flag is not a factor value
                return None
            return self._decisions.get(values)
        except (KeyError, TypeError):  # a key missing; an unhashable value
            return None

    # -- validation and classification -----------------------------------------------------------

    def values_from(self, data: Mapping[str, Any], fld: str) -> tuple[float, ...]:
        values = tuple(data.get(key) for key in self.keys)
        try:
            if values in self._decisions and not any(isinstance(v, bool) for v in values):
                return values  # type: ignore[return-value]
        except TypeError:  # an unhashable value (list, dict): reported below
            pass
        for key in self.keys:  # something is wrong: find the first bad value and say why
            self._check(data, key, f"{fld}.{key}")
        raise AssertionError("unreachable")

    def _check(self, data: Mapping[str, Any], key: str, fld: str) -> None:
        published = "本档案（未经权威来源核实）的" if key in self._unsourced else "公布的"
        what = f"{self.label}{published}{key}取值"
        choices = f"可选值：{self._choices[key]}"
        if key not in data:
            raise RuleInputError(fld, f"缺少必填项（{what}），{choices}")
        raw = data[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise RuleInputError(fld, f"{check.show(raw)} 不是数字（{what}），{choices}")
        if raw not in self.allowed[key]:
            raise RuleInputError(fld, f"{check.show(raw)} 不是{what}，{choices}")

    def classify(self, score: Fraction) -> tuple[Band, str]:
        """The band of a score and its colour; scores between bands (never products) are an error."""
        for band in self.model.bands:
            if band.contains(score):
                if band.level is not None:
                    return band, band.level
                assert self.model.level_map is not None and band.class_ is not None
                return band, self.model.level_map.map[band.class_]
        raise RuleInputError("score", f"{fmt(score)} 不在 {self.ref} 的任何分档内")

    def _shared_edge(self, score: Fraction) -> bool:
        """True when the score sits on an edge two bands share, i.e. where the edge convention decides."""
        return sum(score in b.edges() for b in self.model.bands) > 1

    # -- precomputation -------------------------------------------------------------------------

    def _decide(self, entries: list[FactorValue]) -> Decision:
        m, loaded, var = self.model, self.loaded, self.model.score_name
        score = Fraction(1)
        for e in entries:
            score *= exact(e.value)
        steps = [
            cite(
                loaded,
                f"factors.{key}.{fmt(exact(e.value))}",
                e.citation,
                f"{key}取值",
                f"{key}={fmt(exact(e.value))}（{factor.name}）：{e.description}",
            )
            for key, e, factor in zip(self.keys, entries, m.factors, strict=True)
        ]
        shown = " × ".join(fmt(exact(e.value)) for e in entries)
        steps.append(cite(loaded, "formula", m.citation, "计算", f"{m.formula} = {shown} = {fmt(score)}"))
        band, level = self.classify(score)
        on_edge = "；恰为分界值，按本规则集的边界约定归入此档" if self._shared_edge(score) else ""
        if m.level_map is None:
            steps.append(
                cite(
                    loaded,
                    f"bands.{level}",
                    band.citation,
                    "分级",
                    f"{var}={fmt(score)}，{band.describe(var)} → {colour(level)}：{band.label}{on_edge}",
                )
            )
        else:
            steps.append(
                cite(
                    loaded,
                    f"bands.{band.class_}",
                    band.citation,
                    "分级",
                    f"{var}={fmt(score)}，{band.describe(var)}，第{band.class_}级“{band.label}”{on_edge}",
                )
            )
            default = "（项目默认映射，无公开来源）" if m.level_map.project_default else ""
            steps.append(
                cite(
                    loaded,
                    "level_map",
                    m.level_map.citation,
                    "定色",
                    f"第{band.class_}级 → {colour(level)}{default}",
                )
            )
        if not m.verified:
            steps.append(
                cite(
                    loaded,
                    "verified",
                    m.citation,
                    "提示",
                    f"{m.title}：取值或阈值未经权威来源核实，结果仅供参考",
                )
            )
        return Decision(m.kind, self.ref, number(score), level, level == "red", trace=tuple(steps))


def point_method(
    kind: str,
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> PointMethod:
    """The compiled LEC/LS/MES rule set that applies (compiled once per registry; the choice is
    remembered per day, so that an evaluation does not select again)."""
    return _method(registry or get_registry(), kind, rule_set, jurisdiction, on)


def _method(
    registry: Registry, kind: str, rule_set: str | None, jurisdiction: str | None, on: date | None
) -> PointMethod:
    chosen: dict[tuple[Any, ...], PointMethod] = registry.compiled("point-methods", dict)
    key = (kind, rule_set, jurisdiction, on, None if on else local_today())
    method = chosen.get(key)
    if method is None:
        loaded = registry.select(kind, rule_set=rule_set, jurisdiction=jurisdiction, on=on)
        method = chosen[key] = registry.compiled(("point", loaded.ref), lambda: PointMethod(loaded))
    return method


def score_and_level(kind: str, *values: float, rule_set: str | None = None) -> tuple[int | float, str]:
    """(score, level) of published values with the applicable rule set; see PointMethod.score_and_level."""
    return point_method(kind, rule_set=rule_set).score_and_level(*values)


def evaluate_point(
    kind: str,
    inputs: Any,
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> Decision:
    """LEC/LS/MES with optional "direct" flags and "residual" values (inputs as in `rules eval`)."""
    registry = registry or get_registry()
    method = _method(registry, kind, rule_set, jurisdiction, on)
    decision = method.lookup(inputs)
    if decision is not None:
        return decision
    return _point(method, inputs, "inputs", registry, jurisdiction, on, nested=False)


def _point(
    method: PointMethod,
    raw: Any,
    fld: str,
    registry: Registry,
    jurisdiction: str | None,
    on: date | None,
    *,
    nested: bool,
) -> Decision:
    extra = ("direct",) if nested else ("direct", "residual")
    data = check.mapping(raw, fld, allowed=(*method.keys, *extra))
    decision = method.decide(method.values_from(data, fld))
    if data.get("direct") is not None:
        decision = apply_direct(decision, data["direct"], f"{fld}.direct", registry, jurisdiction, on)
    if not nested and data.get("residual") is not None:
        # Residual risk: the same rule set applied to the values after control measures.
        res = _point(method, data["residual"], f"{fld}.residual", registry, jurisdiction, on, nested=True)
        step = cite(
            method.loaded,
            "residual",
            method.model.citation,
            "残余风险",
            f"采取管控措施后：{method.model.score_name}={res.score} → {colour(res.level)}；"
            f"固有风险为{colour(decision.level)}",
        )
        decision = decision.with_steps(step, residual=res)
    return decision


def apply_direct(
    decision: Decision,
    raw: Any,
    fld: str,
    registry: Registry,
    jurisdiction: str | None,
    on: date | None,
) -> Decision:
    """直接判定: any rule that holds makes the level red, whatever was computed; the trace says which."""
    data = check.mapping(raw, fld, allowed=(*DIRECT_FLAGS, "exposed_people"))
    flags = {k: check.flag(data[k], f"{fld}.{k}") for k in DIRECT_FLAGS if data.get(k) is not None}
    people = (
        check.count(data["exposed_people"], f"{fld}.exposed_people")
        if data.get("exposed_people") is not None
        else 0
    )
    loaded = registry.select("direct", jurisdiction=jurisdiction, on=on)
    hits = [
        rule
        for rule in loaded.model.rules
        if flags.get(rule.flag)
        and (rule.exposed_people_at_least is None or people >= rule.exposed_people_at_least)
    ]
    if not hits:
        return decision.with_steps(
            cite(loaded, "rules", loaded.model.citation, "直接判定", "未触发任何直接判定情形")
        )
    outcome = "计算结果已为红色" if decision.level == "red" else f"覆盖计算结果{colour(decision.level)}"
    unverified = "；该情形的条文原文未经核实" if not loaded.model.verified else ""
    steps = []
    for rule in hits:
        crowd = (
            f"（作业人员 {people} 人 ≥ {rule.exposed_people_at_least} 人）"
            if rule.exposed_people_at_least
            else ""
        )
        detail = f"{rule.description}{crowd} → 直接判定为重大风险（红色），{outcome}{unverified}"
        steps.append(cite(loaded, f"rules.{rule.id}", rule.citation, "直接判定", detail))
    return decision.with_steps(*steps, level="red", is_major=True)


def evaluate_case(case: Any, registry: Registry | None = None) -> Decision:
    """One `rules eval` case → Decision; raises RuleInputError naming the bad field."""
    from app.rules_engine.diagnosis import evaluate_hc_diagnosis
    from app.rules_engine.gb18218 import evaluate_gb18218
    from app.rules_engine.hazards import evaluate_major_hidden_hazard

    registry = registry or get_registry()
    data = check.mapping(case, "", allowed=CASE_FIELDS)
    method = data.get("method")
    if method not in METHODS:
        raise RuleInputError("method", f"{check.show(method)} 不是可用的方法，可选：{', '.join(METHODS)}")
    if "inputs" not in data:
        raise RuleInputError("inputs", "缺少必填项")
    rule_set = check.text(data["rule_set"], "rule_set") if data.get("rule_set") is not None else None
    jurisdiction = check.jurisdiction(data.get("jurisdiction"))
    on = check.day(data["date"], "date") if data.get("date") is not None else None
    kwargs: dict[str, Any] = {
        "rule_set": rule_set,
        "jurisdiction": jurisdiction,
        "on": on,
        "registry": registry,
    }
    if method in POINT_METHODS:
        return evaluate_point(method, data["inputs"], **kwargs)
    if method == "gb18218":
        return evaluate_gb18218(data["inputs"], **kwargs)
    if method == "hc_diagnosis":
        return evaluate_hc_diagnosis(data["inputs"], **kwargs)
    if method == "accident_level":
        from app.rules_engine.accidents import evaluate_accident

        return evaluate_accident(data["inputs"], on=on, registry=registry)
    return evaluate_major_hidden_hazard(data["inputs"], **kwargs)


__all__ = [
    "Decision",
    "TraceStep",
    "PointMethod",
    "point_method",
    "score_and_level",
    "evaluate_point",
    "apply_direct",
    "evaluate_case",
    "METHODS",
]
