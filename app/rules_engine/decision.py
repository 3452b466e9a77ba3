"""The result of every evaluation: a Decision with a trace of cited steps. Immutable, so that
precomputed decisions can be shared between calls."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from app.rules_engine.loader import LoadedRuleSet
from app.rules_engine.models import LEVEL_LABELS, Citation, fmt


@dataclass(frozen=True, slots=True)
class TraceStep:
    step: str
    detail: str
    file: str
    entry: str
    citation: str
    # The step as a plain sentence for users, with the rule set's name and clause, e.g.
    # "存在1项未销号的重大事故隐患，…（企业整体风险等级规则 第2条）". None where `detail` reads well
    # enough (explain.sentence then adds the citation); `detail` stays the technical account.
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step,
            "detail": self.detail,
            "source": {"file": self.file, "entry": self.entry, "citation": self.citation},
        }
        if self.text is not None:  # only where set, so traces stored before it compare unchanged
            out["text"] = self.text
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceStep:
        src = data["source"]
        return cls(data["step"], data["detail"], src["file"], src["entry"], src["citation"], data.get("text"))


def cite(
    loaded: LoadedRuleSet,
    entry: str,
    citation: Citation | str,
    step: str,
    detail: str,
    text: str | None = None,
) -> TraceStep:
    """A trace step whose source is an entry of a rule file (citation may be pre-rendered for speed)."""
    rendered = citation if isinstance(citation, str) else citation.render()
    return TraceStep(step, detail, loaded.file, entry, rendered, text)


@dataclass(frozen=True, slots=True)
class Decision:
    method: str
    rule_set: str
    score: int | float | None = None
    level: str | None = None
    is_major: bool | None = None
    grade: int | None = None
    s: float | None = None
    r: float | None = None
    trace: tuple[TraceStep, ...] = ()
    residual: Decision | None = None

    @property
    def level_label(self) -> str | None:
        return LEVEL_LABELS.get(self.level) if self.level else None

    def with_steps(self, *steps: TraceStep, **changes: Any) -> Decision:
        return replace(self, trace=self.trace + steps, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rule_set": self.rule_set,
            "score": self.score,
            "level": self.level,
            "level_label": self.level_label,
            "is_major": self.is_major,
            "grade": self.grade,
            "s": self.s,
            "r": self.r,
            "trace": [t.to_dict() for t in self.trace],
            "residual": self.residual.to_dict() if self.residual else None,
            "error": None,
        }


def number(value: Fraction) -> int | float:
    """JSON-friendly number: 126 rather than 126.0, 0.05 for 1/20."""
    return value.numerator if value.denominator == 1 else float(value)


__all__ = ["Decision", "TraceStep", "cite", "number", "fmt"]
