"""Loading, validating and choosing rule sets.

All file I/O of the rules engine happens here, once; evaluation afterwards is pure. Errors name the
file, the path inside it and the problem ("methods/lec.yaml: bands.2.le: 应为数字").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from app.config import Settings
from app.rules_engine.errors import RuleFileError, RuleInputError
from app.rules_engine.models import (
    KIND_MODELS,
    CatalogueRuleSet,
    ControlledListRuleSet,
    HcDiagnosisRuleSet,
    HolidayCalendarRuleSet,
    IndustriesRuleSet,
    IndustryMapRuleSet,
    PathError,
    RuleSetHeader,
    normalise_adcode,
)
from app.timeutil import local_today

KIND_LABELS = {
    "lec": "LEC法",
    "ls": "LS风险矩阵法",
    "mes": "MES法",
    "direct": "直接判定",
    "gb18218": "GB 18218 重大危险源辨识",
    "major_hidden_hazard": "重大事故隐患判定标准",
    "industry_map": "行业—判定标准对照",
    "industries": "行业目录",
    "enterprise_level": "企业整体等级政策",
    "regional_level": "区域等级政策",
    "inspection_frequency": "执法检查频次政策",
    "workflow_time_limits": "流程时限政策",
    "control_levels": "默认管控层级政策",
    "catalogue": "受控清单",
    "hc_diagnosis": "危化企业安全风险评估诊断分级",
    "holiday_calendar": "节假日安排",
    "statutory_holidays": "法定节假日（放假办法）",
    "campaign_policy": "专项整治与安全提示政策",
    "accident_rules": "事故等级与时限政策",
    "credit_list": "安全生产严重失信主体名单",
    "credit_grade": "诚信等级政策",
    "enforcement": "执法时限与文书政策",
    "assessment": "考核指标政策",
}

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml keeps loading well under 0.5 s
T = TypeVar("T")


def rules_dir() -> Path:
    """SHUANGKONG_RULES_DIR, else the repository's rules/ folder (read fresh, so tests may point it away)."""
    return Settings().rules_dir


@dataclass(frozen=True)
class LoadedRuleSet:
    model: Any  # one of models.RuleSet; Any keeps attribute access simple for callers
    file: str  # path relative to the rules directory, posix style

    @property
    def ref(self) -> str:
        return str(self.model.ref)


def _version_key(version: str) -> tuple[tuple[int, ...], str]:
    return tuple(int(n) for n in re.findall(r"\d+", version)), version


def _parse_ref(ref: str) -> tuple[str, str | None]:
    rid, _, version = ref.partition("@")
    return rid, version or None


@dataclass
class Registry:
    root: Path
    sets: list[LoadedRuleSet]
    by_ref: dict[str, LoadedRuleSet] = field(init=False)
    _cache: dict[Any, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_ref = {s.ref: s for s in self.sets}

    def of_kind(self, kind: str) -> list[LoadedRuleSet]:
        return [s for s in self.sets if s.model.kind == kind]

    def versions(self, rule_set_id: str) -> list[LoadedRuleSet]:
        found = [s for s in self.sets if s.model.id == rule_set_id]
        return sorted(found, key=lambda s: _version_key(s.model.version))

    def get(self, ref: str, fld: str = "rule_set") -> LoadedRuleSet:
        """A rule set by "id@version" (or by bare id: the latest non-draft version)."""
        rid, version = _parse_ref(ref)
        if version is None:
            candidates = [s for s in self.versions(rid) if s.model.status != "draft"] or self.versions(rid)
            if candidates:
                return candidates[-1]
        elif ref in self.by_ref:
            return self.by_ref[ref]
        known = self.versions(rid)
        hint = f"已有版本：{', '.join(s.ref for s in known)}" if known else "没有这个 id 的规则集"
        raise RuleInputError(fld, f"未知规则集 {ref!r}（{hint}）")

    def select(
        self,
        kind: str,
        *,
        rule_set: str | None = None,
        jurisdiction: str | None = None,
        on: date | None = None,
        ids: Iterable[str] | None = None,
    ) -> LoadedRuleSet:
        """The rule set that applies: explicit "id@version", else the most specific jurisdiction
        (city > province > national), then the latest effective_from, then the highest version."""
        wanted = tuple(sorted(ids)) if ids is not None else None
        key = ("select", kind, rule_set, jurisdiction, on or local_today(), wanted)
        if key not in self._cache:
            self._cache[key] = self._select(kind, rule_set, jurisdiction, on, wanted)
        return self._cache[key]  # type: ignore[no-any-return]

    def _select(
        self,
        kind: str,
        rule_set: str | None,
        jurisdiction: str | None,
        on: date | None,
        wanted: tuple[str, ...] | None,
    ) -> LoadedRuleSet:
        label = KIND_LABELS.get(kind, kind)
        if rule_set is not None:
            chosen = self.get(rule_set)
            if chosen.model.kind != kind:
                other = KIND_LABELS.get(chosen.model.kind, chosen.model.kind)
                raise RuleInputError("rule_set", f"{chosen.ref} 是{other}规则集，不能用于{label}")
            if on is not None and not _in_force(chosen.model, on):
                raise RuleInputError(
                    "date",
                    f"{on.isoformat()} 不在 {chosen.ref} 的有效期内（{validity_window(chosen.model)}）",
                )
            return chosen
        area = normalise_adcode(jurisdiction) if jurisdiction and jurisdiction != "national" else ""
        pool = [
            s
            for s in self.of_kind(kind)
            if s.model.auto_select
            and s.model.status != "draft"
            and (wanted is None or s.model.id in wanted)
            and (s.model.jurisdiction == "national" or area.startswith(s.model.jurisdiction))
        ]
        if not pool:
            explicit = [s.ref for s in self.of_kind(kind) if wanted is None or s.model.id in wanted]
            hint = f"；可用 rule_set 显式指定：{', '.join(explicit)}" if explicit else ""
            raise RuleInputError("rule_set", f"没有可自动选用的{label}规则集{hint}")
        day = on or local_today()
        in_force = [s for s in pool if _in_force(s.model, day)]
        if not in_force:
            windows = "；".join(f"{s.ref}：{validity_window(s.model)}" for s in pool)
            raise RuleInputError("date", f"{day.isoformat()} 不在任何{label}规则集的有效期内（{windows}）")
        return max(
            in_force,
            key=lambda s: (
                0 if s.model.jurisdiction == "national" else len(s.model.jurisdiction),
                s.model.effective_from,
                _version_key(s.model.version),
            ),
        )

    def compiled(self, key: Any, build: Callable[[], T]) -> T:
        """Memoise derived lookups (compiled methods, indexes) for the life of this registry."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[no-any-return]

    def industries(self) -> IndustriesRuleSet:
        return self.get("industries").model  # type: ignore[no-any-return]

    def catalogue(self, rule_set_id: str) -> ControlledListRuleSet:
        """A controlled list (kind: catalogue) by id, e.g. "accident-types": its latest non-draft version."""
        model = self.get(rule_set_id).model
        if not isinstance(model, ControlledListRuleSet):
            raise RuleInputError("rule_set", f"{model.ref} 不是受控清单（kind: catalogue）")
        return model


def _in_force(model: RuleSetHeader, day: date) -> bool:
    return model.effective_from <= day and (model.effective_to is None or day <= model.effective_to)


def validity_window(model: RuleSetHeader) -> str:
    end = f"至 {model.effective_to.isoformat()}" if model.effective_to else "起"
    return f"{model.effective_from.isoformat()} {end}"


# ---------------------------------------------------------------- validation messages

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段（拼写错误？）",
    "string_type": "应为字符串（版本号等数字样的文字请加引号）",
    "string_too_short": "不能为空",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
}


def _problem(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"取值应为 {ctx.get('expected')}，实际为 {err.get('input')!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"应 {op} {bound}，实际为 {err.get('input')!r}"
    if kind == "too_short":
        return f"至少需要 {ctx.get('min_length')} 项"
    return _MESSAGES.get(kind, str(err["msg"]))


def format_validation_error(file: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        parts = [str(p) for p in err["loc"]]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, PathError):  # a cross-field check that knows the exact place
            parts.append(cause.path)
        path = ".".join(parts) or "(根)"
        out.append(f"{file}: {path}: {_problem(err)}")
    return out


# ---------------------------------------------------------------- loading


def _load_file(path: Path, rel: str) -> tuple[LoadedRuleSet | None, list[str]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark is not None else "(根)"
        return None, [f"{rel}: {where}: YAML 语法错误：{getattr(exc, 'problem', None) or exc}"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{rel}: (根): 无法读取文件：{exc}"]
    if not isinstance(data, dict):
        return None, [f"{rel}: (根): 文件内容应为映射（键: 值）"]
    kind = data.get("kind")
    model_cls = KIND_MODELS.get(kind) if isinstance(kind, str) else None
    if model_cls is None:
        return None, [f"{rel}: kind: 未知的 kind {kind!r}，可选：{', '.join(KIND_MODELS)}"]
    try:
        return LoadedRuleSet(model_cls.model_validate(data), rel), []
    except ValidationError as exc:
        return None, format_validation_error(rel, exc)


def _cross_checks(sets: list[LoadedRuleSet]) -> list[str]:
    """Checks that need several files: unique refs, known industry codes, unambiguous selection."""
    errors: list[str] = []
    seen: dict[str, str] = {}
    for s in sets:
        if s.ref in seen:
            errors.append(f"{s.file}: id: 规则集 {s.ref} 与 {seen[s.ref]} 重复")
        seen.setdefault(s.ref, s.file)

    industry_sets = [s for s in sets if isinstance(s.model, IndustriesRuleSet)]
    codes = {i.code for s in industry_sets for i in s.model.industries}
    catalogues = [s for s in sets if isinstance(s.model, CatalogueRuleSet)]
    if not industry_sets:
        errors.append("industries.yaml: (根): 缺少行业目录（kind: industries）")
    else:
        for s in catalogues:
            for i, code in enumerate(s.model.industries):
                if code not in codes:
                    errors.append(f"{s.file}: industries.{i}: 未知行业代码 {code!r}")
    owners: dict[str, str] = {}
    for s in catalogues:
        for i, item in enumerate(s.model.items):
            owner = owners.setdefault(item.code, s.model.id)
            if owner != s.model.id:
                errors.append(f"{s.file}: items.{i}.code: 条目编号 {item.code} 已被规则集 {owner} 使用")
    catalogue_industries: dict[str, set[str]] = {}
    for s in catalogues:
        catalogue_industries.setdefault(s.model.id, set()).update(s.model.industries)
    for s in sets:
        if not isinstance(s.model, IndustryMapRuleSet):
            continue
        for i, entry in enumerate(s.model.map):
            if codes and entry.industry not in codes:
                errors.append(f"{s.file}: map.{i}.industry: 未知行业代码 {entry.industry!r}")
            for j, cid in enumerate(entry.catalogues):
                if cid not in catalogue_industries:
                    errors.append(f"{s.file}: map.{i}.catalogues.{j}: 未知判定标准 {cid!r}")
                elif entry.industry not in catalogue_industries[cid]:
                    errors.append(
                        f"{s.file}: map.{i}.catalogues.{j}: 判定标准 {cid} 的适用行业不含 {entry.industry}"
                    )

    for s in sets:
        if isinstance(s.model, HcDiagnosisRuleSet) and codes:
            for i, code in enumerate(s.model.industries):
                if code not in codes:
                    errors.append(f"{s.file}: industries.{i}: 未知行业代码 {code!r}")
    years: dict[int, str] = {}
    for s in sets:
        if isinstance(s.model, HolidayCalendarRuleSet) and s.model.status != "draft":
            if s.model.year in years:
                errors.append(
                    f"{s.file}: year: {s.model.year} 年已由 {years[s.model.year]} 给出，"
                    "每年只能有一个节假日文件"
                )
            years.setdefault(s.model.year, s.file)

    # Two auto-selectable sets of one kind, place and start date would make the choice arbitrary.
    slots: dict[tuple[str, str, date], str] = {}
    for s in sets:
        m = s.model
        # Standards and controlled lists are chosen by id, never automatically.
        if m.kind in ("major_hidden_hazard", "catalogue") or not m.auto_select or m.status == "draft":
            continue
        slot = (m.kind, m.jurisdiction, m.effective_from)
        if slot in slots and slots[slot] != m.id:
            errors.append(
                f"{s.file}: effective_from: 与 {slots[slot]} 同类、同辖区、同起始日期，自动选用时无法区分"
                "（其一请设 auto_select: false 或改日期）"
            )
        slots.setdefault(slot, m.id)
    return errors


def load_rules(root: Path | None = None) -> Registry:
    """Load and validate every *.yaml under root; raises RuleFileError listing all problems."""
    root = (root or rules_dir()).resolve()
    if not root.is_dir():
        raise RuleFileError([f"{root}: (根): 规则目录不存在"])
    sets: list[LoadedRuleSet] = []
    errors: list[str] = []
    for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")]):
        loaded, problems = _load_file(path, path.relative_to(root).as_posix())
        errors.extend(problems)
        if loaded is not None:
            sets.append(loaded)
    errors.extend(_cross_checks(sets))
    if errors:
        raise RuleFileError(errors)
    return Registry(root, sets)


_REGISTRIES: dict[str, Registry] = {}


def get_registry(root: Path | None = None) -> Registry:
    """The loaded rules for root (default: rules_dir()), loaded once and then reused."""
    # Keyed by the path as given (no filesystem call), so that the per-evaluation lookup is cheap.
    key = str(root) if root is not None else os.environ.get("SHUANGKONG_RULES_DIR", "")
    registry = _REGISTRIES.get(key)
    if registry is None:
        registry = _REGISTRIES[key] = load_rules(root)
    return registry


def reload_registry() -> None:
    """Forget loaded rules, e.g. after the files changed."""
    _REGISTRIES.clear()
