"""考核 scoring (rules/policies/assessment.yaml): each indicator's value = numerator / denominator in
percent, its band and score, and the weighted total — with a trace step per indicator, like every other
rule. Pure: the counts come from the caller (app/assessment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from app.rules_engine.decision import Decision, TraceStep, cite
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import AssessmentBand, AssessmentPolicy, fmt


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name: str
    numerator: int
    denominator: int
    value: float | None  # percent, None when the denominator is 0 (无数据)
    band: str | None
    tone: str | None
    score: float | None
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "band": self.band,
            "tone": self.tone,
            "score": self.score,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Assessment:
    decision: Decision  # score = the total (None without any data), trace = one step per indicator + total
    indicators: tuple[IndicatorResult, ...]
    total_band: str | None
    total_tone: str | None


def policy_for(
    jurisdiction: str | None = None, on: date | None = None, *, registry: Registry | None = None
) -> LoadedRuleSet:
    registry = registry or get_registry()
    area = jurisdiction if jurisdiction and jurisdiction != "national" else None
    return registry.select("assessment", jurisdiction=area, on=on)


def _band(bands: list[AssessmentBand], value: Fraction) -> AssessmentBand:
    return next(b for b in bands if b.contains(value))


def evaluate(
    counts: Mapping[str, tuple[int, int]],
    loaded: LoadedRuleSet | None = None,
    *,
    on: date | None = None,
) -> Assessment:
    """counts: indicator id -> (numerator, denominator). Missing ids count as (0, 0) = 无数据."""
    loaded = loaded or policy_for(on=on)
    model: AssessmentPolicy = loaded.model
    unknown = set(counts) - {i.id for i in model.indicators}
    if unknown:
        raise RuleInputError("counts", f"未知指标：{'、'.join(sorted(unknown))}")
    name = model.short_name or model.title
    steps: list[TraceStep] = []
    results: list[IndicatorResult] = []
    weighted = Fraction(0)
    weights = Fraction(0)
    for n, ind in enumerate(model.indicators, start=1):
        num, den = counts.get(ind.id, (0, 0))
        if num < 0 or den < 0 or num > den:
            raise RuleInputError(f"counts.{ind.id}", f"{ind.name}：分子 {num} 与分母 {den} 不合理")
        entry = f"indicators.{ind.id}"
        if den == 0:
            results.append(IndicatorResult(ind.id, ind.name, num, den, None, None, None, None, ind.weight))
            steps.append(
                cite(
                    loaded,
                    entry,
                    ind.citation,
                    ind.id,
                    f"{ind.name}：分母为 0，无数据，不计分",
                    f"{ind.name}无数据（{ind.denominator} 为 0），不计分（{name} 第{n}条）",
                )
            )
            continue
        value = Fraction(num * 100, den)
        band = _band(ind.bands, value)
        results.append(
            IndicatorResult(
                ind.id,
                ind.name,
                num,
                den,
                round(float(value), 2),
                band.label,
                band.tone,
                band.score,
                ind.weight,
            )
        )
        weighted += Fraction(band.score) * Fraction(ind.weight)
        weights += Fraction(ind.weight)
        steps.append(
            cite(
                loaded,
                entry,
                band.citation,
                ind.id,
                f"{ind.name} = {num}/{den} = {fmt(value)}%，{band.describe('值')} → {band.label}，"
                f"得分 {fmt(Fraction(band.score))}，权重 {fmt(Fraction(ind.weight))}",
                f"{ind.name}{round(float(value), 1)}%（{num}/{den}），{band.label}，"
                f"得{fmt(Fraction(band.score))}分（{name} 第{n}条）",
            )
        )
    if weights == 0:
        steps.append(cite(loaded, "totals", model.citation, "总分", "所有指标均无数据，不计总分"))
        return Assessment(Decision("assessment", loaded.ref, trace=tuple(steps)), tuple(results), None, None)
    total = weighted / weights
    tband = _band(model.totals, total)
    steps.append(
        cite(
            loaded,
            "totals",
            tband.citation,
            "总分",
            f"加权平均 {fmt(weighted)}/{fmt(weights)} = {fmt(total)} → {tband.label}",
            f"总分{round(float(total), 1)}分，{tband.label}（{name} 第{len(model.indicators) + 1}条）",
        )
    )
    decision = Decision("assessment", loaded.ref, score=round(float(total), 2), trace=tuple(steps))
    return Assessment(decision, tuple(results), tband.label, tband.tone)
