"""What changes between two rule-set versions, and which assessments would change level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import Registry, get_registry

# Fields that identify an entry inside a list, tried in this order (first one present and unique wins).
_KEYS = (
    "code",
    "seq",
    "key",
    "id",
    "industry",
    "symbol",
    "value",
    "class",
    "grade",
    "level",
    "name",
    "label",
    "clause",
    "scope",
)


def _keyed(value: Any) -> Any:
    """Lists of entries become dicts keyed by their natural key, so a diff says "bands.red.ge", not "[2]"."""
    if isinstance(value, dict):
        return {k: _keyed(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for key in _KEYS:
            ids = [v.get(key) for v in value]
            if None not in ids and len(set(map(str, ids))) == len(ids):
                return {str(i): _keyed(v) for i, v in zip(ids, value, strict=True)}
    return value


def _walk(a: Any, b: Any, path: str, out: list[dict[str, Any]]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():
            sub = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append({"change": "removed", "path": sub, "before": a[k], "after": None})
            elif k not in a:
                out.append({"change": "added", "path": sub, "before": None, "after": b[k]})
            else:
                _walk(a[k], b[k], sub, out)
    elif a != b:
        out.append({"change": "changed", "path": path, "before": a, "after": b})


def diff_rule_sets(a: str, b: str, registry: Registry | None = None) -> list[dict[str, Any]]:
    """Entries and thresholds added, removed or changed from rule set a to b (both "id@version")."""
    registry = registry or get_registry()
    left, right = registry.get(a, "A"), registry.get(b, "B")
    changes: list[dict[str, Any]] = []
    _walk(
        _keyed(left.model.model_dump(mode="json", by_alias=True)),
        _keyed(right.model.model_dump(mode="json", by_alias=True)),
        "",
        changes,
    )
    order = {"removed": 0, "changed": 1, "added": 2}
    return sorted(changes, key=lambda c: (c["path"], order[c["change"]]))


def format_diff(changes: list[dict[str, Any]]) -> list[str]:
    sign = {"added": "+", "removed": "-", "changed": "~"}
    lines = []
    for c in changes:
        if c["change"] == "changed":
            lines.append(f"~ {c['path']}: {c['before']!r} → {c['after']!r}")
        else:
            value = c["after"] if c["change"] == "added" else c["before"]
            lines.append(f"{sign[c['change']]} {c['path']}: {value!r}")
    return lines


def levels_that_change(
    assessments: Iterable[Mapping[str, Any]], a: str, b: str, registry: Registry | None = None
) -> list[dict[str, Any]]:
    """Re-evaluate stored assessments [{"id": ..., "inputs": {...}}] under rule sets a and b (same kind);
    return those whose outcome (level, grade, is_major) differs, or that fail under one of them."""
    registry = registry or get_registry()
    kind = registry.get(a, "A").model.kind
    if registry.get(b, "B").model.kind != kind:
        raise RuleInputError("B", f"{b} 与 {a} 不是同一类规则集")
    rows = []
    for item in assessments:
        outcome = {}
        for side, ref in (("before", a), ("after", b)):
            try:
                d = evaluate_case({"method": kind, "inputs": item.get("inputs"), "rule_set": ref}, registry)
                outcome[side] = {
                    "level": d.level,
                    "grade": d.grade,
                    "is_major": d.is_major,
                    "score": d.score,
                    "error": None,
                }
            except RuleInputError as exc:
                outcome[side] = {
                    "level": None,
                    "grade": None,
                    "is_major": None,
                    "score": None,
                    "error": exc.detail,
                }
        if _differs(outcome["before"], outcome["after"]):
            rows.append({"id": item.get("id"), **outcome})
    return rows


def _differs(x: dict[str, Any], y: dict[str, Any]) -> bool:
    """Level, grade or validity changed (a different score alone does not count)."""
    return any(x[k] != y[k] for k in ("level", "grade", "is_major")) or (x["error"] is None) != (
        y["error"] is None
    )
