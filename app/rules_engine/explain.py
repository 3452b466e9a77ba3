"""Plain sentences from stored traces, for pages and exports.

Users (enterprise staff, townships) read one sentence per trace step, naming the rule set and clause in
Chinese: the step's `text` where the engine wrote one, otherwise its detail with the citation added. The
rule set ids and versions ("enterprise-level@2026.1") and the technical detail ("open_major_hazards >= 1")
are the 依据 that pages show to regulators only (`basis`).

Traces stored before steps had a `text` still read as sentences: a step from a policy entry gives that
entry's reason and clause, and any known "id@version" in a detail is replaced by the rule set's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.policies import cited, policy_name

_REF = re.compile(r"[a-z0-9][a-z0-9_-]*@[0-9A-Za-z._-]*[0-9A-Za-z]")


def rule_set_name(ref: str, registry: Registry | None = None) -> str:
    """The Chinese name of a rule set ("企业整体风险等级规则"); the ref itself when it is unknown."""
    try:
        return policy_name((registry or get_registry()).get(ref).model)
    except RuleInputError:
        return ref


def _by_file(registry: Registry) -> dict[str, LoadedRuleSet]:
    return registry.compiled(("explain", "by_file"), lambda: {s.file: s for s in registry.sets})


def _names(line: str, registry: Registry) -> str:
    """Known "id@version" refs in a line replaced by the rule sets' names."""

    def name(m: re.Match[str]) -> str:
        found = registry.by_ref.get(m.group(0))
        return policy_name(found.model) if found is not None else m.group(0)

    return _REF.sub(name, line)


def _reason(model: Any, entry: str) -> str | None:
    if entry == "otherwise":
        return getattr(model.otherwise, "reason", None)
    rule_id = entry.removeprefix("rules.")
    rule = next((r for r in getattr(model, "rules", []) if getattr(r, "id", None) == rule_id), None)
    return getattr(rule, "reason", None)


def sentence(step: Mapping[str, Any], registry: Registry | None = None) -> str:
    """One stored trace step ({"step", "detail", "source", "text"?}) as a sentence for users."""
    text = step.get("text")
    if text:
        return str(text)
    registry = registry or get_registry()
    source = step.get("source") or {}
    entry = str(source.get("entry") or "")
    loaded = _by_file(registry).get(str(source.get("file") or ""))
    model = loaded.model if loaded is not None else None
    line = f"{step.get('step', '')}：{step.get('detail', '')}"
    if model is not None and hasattr(model, "clause") and model.clause(entry):
        # A policy step stored before entries had sentences: the entry's reason and its clause.
        return f"{_reason(model, entry) or _names(line, registry)}（{cited(model, entry)}）"
    line = _names(line, registry)
    citation = str(source.get("citation") or "")
    said = citation in line or (citation.startswith("项目默认") and "项目默认" in line)
    return f"{line}（{citation}）" if citation and not said else line


def sentences(trace: Iterable[Mapping[str, Any]], registry: Registry | None = None) -> list[str]:
    registry = registry or get_registry()
    return [sentence(step, registry) for step in trace]


def basis(trace: Iterable[Mapping[str, Any]]) -> list[str]:
    """The technical account for regulators: each step's detail with the file and entry it cites."""
    out = []
    for step in trace:
        source = step.get("source") or {}
        where = " ".join(str(source.get(k)) for k in ("file", "entry") if source.get(k))
        out.append(f"{step.get('step', '')}：{step.get('detail', '')}" + (f"〔{where}〕" if where else ""))
    return out


__all__ = ["basis", "rule_set_name", "sentence", "sentences"]
