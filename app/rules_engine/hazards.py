"""重大事故隐患 determination: an item of a 判定标准 confirmed for an enterprise's industry."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, cite
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry, validity_window
from app.rules_engine.models import CatalogueRuleSet, HazardItem, IndustryStandards
from app.timeutil import local_today


def _owners(registry: Registry) -> dict[str, str]:
    """Item code → catalogue id, over every version (codes are unique per catalogue, checked on load)."""
    return {item.code: s.model.id for s in registry.of_kind("major_hidden_hazard") for item in s.model.items}


def applicable_catalogues(
    industry: str,
    *,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> tuple[LoadedRuleSet, IndustryStandards]:
    """The industry-map entry saying which 判定标准 apply to an industry (validates the code)."""
    registry = registry or get_registry()
    names = {i.code: i.name for i in registry.industries().industries}
    if industry not in names:
        raise RuleInputError("inputs.industry", f"未知行业代码 {industry!r}，可选：{', '.join(names)}")
    mapping = registry.select("industry_map", jurisdiction=jurisdiction, on=on)
    entry = next((e for e in mapping.model.map if e.industry == industry), None)
    if entry is None:  # an industry missing from the map has no 判定标准
        entry = IndustryStandards(
            industry=industry, catalogues=[], citation=mapping.model.citation, note="行业对照表未列出该行业"
        )
    return mapping, entry


def evaluate_major_hidden_hazard(
    raw: Any,
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> Decision:
    """inputs {"industry", "item"} → is_major True with the clause cited, or an error naming both."""
    registry = registry or get_registry()
    data = check.mapping(raw, "inputs", allowed=("industry", "item"))
    for key in ("industry", "item"):
        if key not in data:
            raise RuleInputError(f"inputs.{key}", "缺少必填项")
    industry = check.text(data["industry"], "inputs.industry")
    code = check.text(data["item"], "inputs.item").upper()
    names = {i.code: i.name for i in registry.industries().industries}
    mapping, entry = applicable_catalogues(industry, jurisdiction=jurisdiction, on=on, registry=registry)
    who = f"行业 {industry}（{names[industry]}）"

    if rule_set is not None:
        loaded = registry.select("major_hidden_hazard", rule_set=rule_set, on=on)
    else:
        owner = _owners(registry).get(code)
        if owner is None:
            raise RuleInputError("inputs.item", f"未知的重大事故隐患条目 {code!r}")
        if owner not in entry.catalogues:
            raise RuleInputError("inputs.item", _not_applicable(registry, code, owner, who, entry))
        loaded = registry.select("major_hidden_hazard", jurisdiction=jurisdiction, on=on, ids=[owner])
    catalogue: CatalogueRuleSet = loaded.model
    if catalogue.id not in entry.catalogues:
        raise RuleInputError("inputs.item", _not_applicable(registry, code, catalogue.id, who, entry))
    item = next((i for i in catalogue.items if i.code == code), None)
    if item is None:
        raise RuleInputError("inputs.item", _other_version(registry, code, loaded, on))
    if industry not in catalogue.item_industries(item):
        only = "、".join(names.get(c, c) for c in catalogue.item_industries(item))
        raise RuleInputError(
            "inputs.item", f"条目 {code}（{catalogue.short_name}{item.clause}）只适用于{only}，不适用于{who}"
        )
    scope = f"{who}适用的判定标准：{_titles(registry, entry)}"
    return _confirmed(mapping, entry, loaded, item, scope, on or local_today())


def _confirmed(
    mapping: LoadedRuleSet,
    entry: IndustryStandards,
    loaded: LoadedRuleSet,
    item: HazardItem,
    scope: str,
    day: date,
) -> Decision:
    catalogue: CatalogueRuleSet = loaded.model
    steps = [
        cite(mapping, f"map.{entry.industry}", entry.citation, "适用标准", scope),
        cite(
            loaded,
            f"items.{item.code}",
            item.citation,
            "判定",
            f"{item.code}：《{catalogue.title}》{item.clause}“{item.text}” → 判定为重大事故隐患",
        ),
        cite(
            loaded,
            "effective_from",
            catalogue.citation,
            "选用版本",
            f"{day.isoformat()} 施行的版本：{loaded.ref}（{validity_window(catalogue)}）",
        ),
    ]
    if not catalogue.verified:
        steps.append(
            cite(loaded, "verified", catalogue.citation, "提示", f"《{catalogue.title}》条文未经官方文本核实")
        )
    return Decision("major_hidden_hazard", loaded.ref, is_major=True, trace=tuple(steps))


def _other_version(registry: Registry, code: str, loaded: LoadedRuleSet, on: date | None) -> str:
    """An item of another version of the catalogue: say which version holds it and which one applies."""
    catalogue: CatalogueRuleSet = loaded.model
    day = (on or local_today()).isoformat()
    holder = next(
        (s for s in registry.versions(catalogue.id) if any(i.code == code for i in s.model.items)), None
    )
    if holder is None:
        return f"条目 {code!r} 不在 {loaded.ref}（{catalogue.title}）中"
    return (
        f"条目 {code} 属于 {holder.ref}《{holder.model.title}》（{validity_window(holder.model)}），"
        f"{day} 适用的是 {loaded.ref}《{catalogue.title}》，请从该版本的条目中选择"
    )


def _not_applicable(registry: Registry, code: str, owner: str, who: str, entry: IndustryStandards) -> str:
    title = registry.get(owner).model.title
    return f"条目 {code} 属于《{title}》，不适用于{who}；该行业适用的判定标准：{_titles(registry, entry)}"


def _titles(registry: Registry, entry: IndustryStandards) -> str:
    return "、".join(f"《{registry.get(c).model.title}》" for c in entry.catalogues) or "无"


def find_item(
    code: str,
    rule_set: str | None = None,
    *,
    on: date | None = None,
    registry: Registry | None = None,
) -> tuple[CatalogueRuleSet, HazardItem] | None:
    """A 判定标准 item by code: from the version `rule_set` ("gm@2023") when given and known, else from
    the version of its catalogue in force on `on` (a hazard's found date), else the latest holding it.
    None for a code no loaded version has. For showing a stored hazard's basis, so it never raises."""
    registry = registry or get_registry()
    index: dict[tuple[str, str], tuple[CatalogueRuleSet, HazardItem]] = registry.compiled(
        ("hazard_items",),
        lambda: {
            (s.ref, item.code): (s.model, item)
            for s in registry.of_kind("major_hidden_hazard")
            for item in s.model.items
        },
    )
    code = code.upper()
    if rule_set and (rule_set, code) in index:
        return index[(rule_set, code)]
    owner = registry.compiled(("hazard_owners",), lambda: _owners(registry)).get(code)
    if owner is None:
        return None
    if on is not None:
        try:
            ref = registry.select("major_hidden_hazard", on=on, ids=[owner]).ref
        except RuleInputError:
            ref = None
        if ref is not None and (ref, code) in index:
            return index[(ref, code)]
    holders = [s.ref for s in registry.versions(owner) if (s.ref, code) in index]
    return index[(holders[-1], code)] if holders else None


def describe_item(catalogue: CatalogueRuleSet, item: HazardItem) -> str:
    """“DY-3-1 无许可、超范围或超期经营（《道路运输企业和城市客运企业安全生产重大事故隐患判定标准（试行）》
    第三条第（一）项）”: code, item text, the standard's title and the clause."""
    return f"{item.code} {item.text}（《{catalogue.title}》{item.clause}）"
