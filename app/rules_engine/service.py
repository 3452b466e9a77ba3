"""Functions behind the HTTP router and the CLI (no HTTP here): list, show, evaluate."""

from __future__ import annotations

from typing import Any

from app.rules_engine.decision import number
from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError, RuleSetNotFound
from app.rules_engine.loader import KIND_LABELS, LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import PointMethodRuleSet, exact

RESULT_FIELDS = (
    "method",
    "rule_set",
    "score",
    "level",
    "level_label",
    "is_major",
    "grade",
    "s",
    "r",
    "trace",
    "residual",
)


def summary(loaded: LoadedRuleSet) -> dict[str, Any]:
    m = loaded.model
    return {
        "id": m.id,
        "version": m.version,
        "ref": loaded.ref,
        "kind": m.kind,
        "kind_label": KIND_LABELS.get(m.kind, m.kind),
        "title": m.title,
        "jurisdiction": m.jurisdiction,
        "status": m.status,
        "effective_from": m.effective_from.isoformat(),
        "effective_to": m.effective_to.isoformat() if m.effective_to else None,
        "auto_select": m.auto_select,
        "verified": m.verified,
        "file": loaded.file,
        "citation": m.citation.render(),
    }


def list_rule_sets(registry: Registry | None = None) -> list[dict[str, Any]]:
    """Summaries of every loaded rule set, sorted by kind then id and version."""
    registry = registry or get_registry()
    return [
        summary(s) for s in sorted(registry.sets, key=lambda s: (s.model.kind, s.model.id, s.model.version))
    ]


def get_rule_set(
    rule_set_id: str, version: str | None = None, registry: Registry | None = None
) -> dict[str, Any]:
    """One rule set in full ("content"), plus for LEC/LS/MES the published value choices for forms."""
    registry = registry or get_registry()
    try:
        loaded = registry.get(f"{rule_set_id}@{version}" if version else rule_set_id, "id")
    except RuleInputError as exc:
        raise RuleSetNotFound(exc.detail) from None
    out = summary(loaded)
    out["content"] = loaded.model.model_dump(mode="json", by_alias=True)
    if isinstance(loaded.model, PointMethodRuleSet):
        out["choices"] = {
            f.key: [
                {
                    "value": number(exact(v.value)),
                    "description": v.description,
                    "variants": [x.description for x in v.variants],
                }
                for v in f.values
            ]
            for f in loaded.model.factors
        }
    return out


def error_result(case: Any, message: str) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    method = case.get("method") if isinstance(case, dict) else None
    out.update(method=method if isinstance(method, str) else None, trace=[], error=message)
    return out


def evaluate(case: Any, registry: Registry | None = None) -> dict[str, Any]:
    """One case (as in `rules eval`) → result dict; a bad case gets "error" instead of raising."""
    try:
        return evaluate_case(case, registry).to_dict()
    except RuleInputError as exc:
        return error_result(case, exc.detail)


def evaluate_batch(cases: list[Any], registry: Registry | None = None) -> list[dict[str, Any]]:
    registry = registry or get_registry()
    return [evaluate(case, registry) for case in cases]
