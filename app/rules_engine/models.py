"""Pydantic schemas of the rule files under rules/.

Every file is one rule set: a common header (id, version, kind, dates, jurisdiction, status, citation)
plus a body chosen by `kind`. Every entry that states a fact or a choice is an `Entry` and so carries a
citation; entries that are the project's own choice say so with `project_default: true` and a note.
Messages raised here are user-facing, hence Chinese.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import product
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["red", "orange", "yellow", "blue"]
# Lowest first, so that the index is the severity.
LEVELS: tuple[Level, ...] = ("blue", "yellow", "orange", "red")
LEVEL_LABELS: dict[str, str] = {
    "red": "重大风险",
    "orange": "较大风险",
    "yellow": "一般风险",
    "blue": "低风险",
}
LEVEL_COLOURS: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ADCODE_RE = re.compile(r"^\d{2,12}$")


def exact(value: float | int) -> Fraction:
    """The decimal the file (or the user) wrote, as an exact fraction: 0.1 → 1/10, not the binary float."""
    if isinstance(value, float):
        # Decimal parses the shortest repr in C, about twice as fast as Fraction(str).
        return (
            Fraction(int(value)) if value.is_integer() else Fraction(*Decimal(repr(value)).as_integer_ratio())
        )
    return Fraction(value)


def fmt(value: Fraction | float | int) -> str:
    """Short decimal text for traces: 126, 0.05, 1.2, 0.333333."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.6f}".rstrip("0").rstrip(".")


def normalise_adcode(code: str) -> str:
    """370200 → 3702: a trailing 00 pair only pads a province or city code to six digits."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


class PathError(ValueError):
    """A check across fields that knows where in the file the problem is (e.g. "items.3.code")."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(StrictModel):
    standard: str = Field(min_length=1)
    article: str | None = None
    table: str | None = None
    item: str | None = None
    url: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # `citation: "GB 18218-2018 表1"` is accepted as the standard alone.
        return {"standard": data} if isinstance(data, str) else data

    def render(self) -> str:
        return " ".join(p for p in (self.standard, self.article, self.table, self.item) if p)


class Entry(StrictModel):
    """One fact or choice in a rule file; it must say where it comes from."""

    citation: Citation
    project_default: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _default_needs_note(self) -> Entry:
        if self.project_default and not self.note:
            raise ValueError("project_default 条目须用 note 说明这是项目默认（无公开来源）")
        return self


class Bounds(StrictModel):
    """An interval written with explicit operators, so the edge convention is visible in the file."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @model_validator(mode="after")
    def _one_bound_per_side(self) -> Bounds:
        if self.gt is not None and self.ge is not None:
            raise ValueError("gt 与 ge 不能同时给出")
        if self.lt is not None and self.le is not None:
            raise ValueError("lt 与 le 不能同时给出")
        if all(v is None for v in (self.gt, self.ge, self.lt, self.le)):
            raise ValueError("区间至少要有一个边界（gt/ge/lt/le）")
        return self

    def contains(self, x: Fraction) -> bool:
        return not (
            (self.gt is not None and not x > exact(self.gt))
            or (self.ge is not None and not x >= exact(self.ge))
            or (self.lt is not None and not x < exact(self.lt))
            or (self.le is not None and not x <= exact(self.le))
        )

    def edges(self) -> list[Fraction]:
        return [exact(v) for v in (self.gt, self.ge, self.lt, self.le) if v is not None]

    def describe(self, var: str) -> str:
        """e.g. "70 < D ≤ 160", "D > 320", "R < 10"."""
        lower = self._side(self.gt, "<", self.ge, "≤")
        upper = self._side(self.lt, "<", self.le, "≤")
        if lower and upper:
            return f"{lower[1]} {lower[0]} {var} {upper[0]} {upper[1]}"
        if upper:
            return f"{var} {upper[0]} {upper[1]}"
        assert lower is not None
        return f"{var} {'>' if lower[0] == '<' else '≥'} {lower[1]}"

    @staticmethod
    def _side(strict: float | None, s_op: str, loose: float | None, l_op: str) -> tuple[str, str] | None:
        if strict is not None:
            return s_op, fmt(exact(strict))
        if loose is not None:
            return l_op, fmt(exact(loose))
        return None


def check_partition(bands: list[Any], points: Iterable[Fraction], what: str, path: str) -> None:
    """Every point must fall in exactly one band; otherwise the file has a gap or an overlap."""
    for x in sorted(points):
        hits = [i for i, band in enumerate(bands) if band.contains(x)]
        if len(hits) != 1:
            problem = "不属于任何分档" if not hits else f"同时属于第 {'、'.join(str(i) for i in hits)} 项"
            raise PathError(path, f"{what}：取值 {fmt(x)} {problem}（分档有缺口或重叠）")


def edge_points(bands: list[Any]) -> set[Fraction]:
    """Each edge and points just either side of it: enough to find gaps or overlaps on the real line."""
    tiny = Fraction(1, 10**9)
    return {p for band in bands for e in band.edges() for p in (e - tiny, e, e + tiny)}


# ---------------------------------------------------------------- common header


class RuleSetHeader(StrictModel):
    id: str
    version: str = Field(min_length=1)
    kind: str
    title: str = Field(min_length=1)
    jurisdiction: str = "national"
    status: Literal["active", "draft", "superseded"]
    effective_from: date
    effective_to: date | None = None  # last day on which the set applies (inclusive)
    effective_from_note: str | None = None
    citation: Citation
    # False: only chosen by an explicit "id@version" (alternatives, unverified profiles).
    auto_select: bool = True
    # False: the thresholds are 未经权威来源核实 and every evaluation's trace says so.
    verified: bool = True
    notes: list[str] = []

    @field_validator("id")
    @classmethod
    def _id_format(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(f"id {v!r} 只能含小写字母、数字、- 和 _")
        return v

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction_format(cls, v: str) -> str:
        if v == "national":
            return v
        if not _ADCODE_RE.match(v):
            raise ValueError(f"jurisdiction {v!r} 须为 national 或行政区划代码（2–12位数字）")
        return normalise_adcode(v)

    @model_validator(mode="after")
    def _dates_in_order(self) -> RuleSetHeader:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to 早于 effective_from")
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """(path, entry) for every cited entry in the set, for the citation audit and diffs."""
        yield from _walk_entries(self, "")


def _walk_entries(obj: Any, path: str) -> Iterator[tuple[str, Entry]]:
    if isinstance(obj, Entry):
        yield path, obj
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            if name != "citation":
                yield from _walk_entries(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _walk_entries(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk_entries(item, f"{path}.{key}")


# ---------------------------------------------------------------- point-level methods


class Variant(StrictModel):
    description: str
    source: str


class FactorValue(Entry):
    value: float = Field(gt=0)
    description: str
    details: dict[str, str] | None = None
    variants: list[Variant] = []


class Factor(StrictModel):
    key: str
    name: str
    values: list[FactorValue] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _unique(cls, values: list[FactorValue]) -> list[FactorValue]:
        seen = [v.value for v in values]
        dupes = sorted({v for v in seen if seen.count(v) > 1})
        if dupes:
            raise ValueError(f"取值重复：{', '.join(fmt(exact(d)) for d in dupes)}")
        return values


class Band(Entry, Bounds):
    class_: int | None = Field(default=None, alias="class")
    label: str
    level: Level | None = None


class LevelMap(Entry):
    map: dict[int, Level]


METHOD_FACTORS = {"lec": ("L", "E", "C"), "ls": ("L", "S"), "mes": ("M", "E", "S")}


class PointMethodRuleSet(RuleSetHeader):
    kind: Literal["lec", "ls", "mes"]
    score_name: str
    formula: str
    edge_convention: str
    factors: list[Factor]
    bands: list[Band] = Field(min_length=1)
    level_map: LevelMap | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PointMethodRuleSet:
        keys = tuple(f.key for f in self.factors)
        if keys != METHOD_FACTORS[self.kind]:
            expected = ", ".join(METHOD_FACTORS[self.kind])
            raise PathError("factors", f"{self.kind} 的因子须依次为 {expected}，实际为 {keys}")
        if self.level_map is None:
            if any(b.level is None for b in self.bands):
                raise PathError("bands", "没有 level_map 时每个分档都须给出 level")
        else:
            missing = [b.class_ for b in self.bands if b.class_ not in self.level_map.map]
            if missing:
                raise PathError("level_map.map", f"level_map 未覆盖分档 class {missing}")
        # Only products of published values can occur, so each of them must land in exactly one band.
        products = {
            _product(combo) for combo in product(*([exact(v.value) for v in f.values] for f in self.factors))
        }
        check_partition(self.bands, products, f"{self.score_name} 分档", "bands")
        return self

    def allowed(self, key: str) -> list[FactorValue]:
        return next(f.values for f in self.factors if f.key == key)


def _product(values: Iterable[Fraction]) -> Fraction:
    out = Fraction(1)
    for v in values:
        out *= v
    return out


class DirectRule(Entry):
    id: str
    flag: Literal[
        "violates_mandatory",
        "accident_conditions_persist",
        "involves_major_hazard_source",
        "toxic_explosive_fire",
    ]
    exposed_people_at_least: int | None = Field(default=None, ge=1)
    description: str


class DirectRuleSet(RuleSetHeader):
    kind: Literal["direct"]
    rules: list[DirectRule] = Field(min_length=1)


# ---------------------------------------------------------------- GB 18218-2018

_CAS_RE = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit_ok(cas: str) -> bool:
    m = _CAS_RE.match(cas)
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(m.group(3))


class Table1Row(Entry):
    seq: int
    name: str
    aliases: list[str] = []
    # Extra lookup names split from the published name column (e.g. 甲烷,天然气).
    search_names: list[str] = []
    cas: list[str] = []
    q: float = Field(gt=0)

    @field_validator("cas")
    @classmethod
    def _cas_valid(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not cas_check_digit_ok(c)]
        if bad:
            raise ValueError(f"CAS 号格式或校验位错误：{', '.join(bad)}")
        return v


class Table2Row(Entry):
    symbol: str
    category: str
    description: str
    q: float = Field(gt=0)


class Table3Row(Entry):
    name: str
    beta: float = Field(gt=0)
    table1_no: int | None = None


class Table4Row(Entry):
    symbol: str
    beta: float = Field(gt=0)


class AlphaRow(Entry, Bounds):
    label: str
    alpha: float = Field(gt=0)


class GradeRow(Entry, Bounds):
    grade: int = Field(ge=1, le=4)
    label: str


class Threshold(Entry):
    value: float
    description: str


class Choice(Entry):
    rule: Literal["lowest", "highest"]
    description: str


class GB18218RuleSet(RuleSetHeader):
    kind: Literal["gb18218"]
    identification: Threshold
    multi_category_q: Choice
    multi_category_beta: Choice
    table1: list[Table1Row] = Field(min_length=1)
    table2: list[Table2Row] = Field(min_length=1)
    table3: list[Table3Row] = Field(min_length=1)
    table4: list[Table4Row] = Field(min_length=1)
    table5: list[AlphaRow] = Field(min_length=1)
    table6: list[GradeRow] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> GB18218RuleSet:
        _unique_keys([r.seq for r in self.table1], "table1", "seq")
        _unique_keys([r.name for r in self.table1], "table1", "name")
        _unique_keys([r.symbol for r in self.table2], "table2", "symbol")
        _unique_keys([r.symbol for r in self.table4], "table4", "symbol")
        if {r.symbol for r in self.table4} != {r.symbol for r in self.table2}:
            raise PathError("table4", "table4 的符号须与 table2 一一对应")
        numbers = {r.seq for r in self.table1}
        for i, r in enumerate(self.table3):
            if r.table1_no is not None and r.table1_no not in numbers:
                raise PathError(f"table3.{i}.table1_no", f"{r.name} 引用了不存在的表1序号 {r.table1_no}")
        # People are counted in whole persons, from 0 upwards.
        check_partition(self.table5, (Fraction(n) for n in range(0, 1001)), "表5 暴露人数分档", "table5")
        check_partition(self.table6, edge_points(self.table6) | {Fraction(0)}, "表6 R 值分级", "table6")
        return self


def _unique_keys(keys: list[Any], path: str, field: str) -> None:
    for i, k in enumerate(keys):
        if keys.index(k) != i:
            raise PathError(f"{path}.{i}.{field}", f"{k} 与 {path}.{keys.index(k)} 重复")


# ---------------------------------------------------------------- 重大事故隐患判定标准


class HazardItem(Entry):
    code: str
    clause: str
    text: str
    industries: list[str] | None = None  # None: the catalogue's industries


class KnownGap(StrictModel):
    clause: str
    note: str
    # Items of one article (citation.article) the official text has but the file lacks, so that
    # expected_counts can state the official count and `rules check` still balances.
    article: str | None = None
    missing: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _missing_names_its_article(self) -> KnownGap:
        if self.missing and not self.article:
            raise ValueError("missing 大于 0 时须用 article 写明所属条（与条目 citation.article 一致）")
        return self


class CatalogueRuleSet(RuleSetHeader):
    """kind: major_hidden_hazard — one 重大事故隐患判定标准 (a list of hazard items)."""

    kind: Literal["major_hidden_hazard"]
    short_name: str
    code_prefix: str
    industries: list[str] = Field(min_length=1)
    items: list[HazardItem] = Field(min_length=1)
    known_gaps: list[KnownGap] = []
    # Items per article as counted in the official text (key: each item's citation.article, "全文" when
    # it has none), so `rules check` notices an item that was dropped or typed twice. Items a file lacks
    # are declared in known_gaps (article + missing) and count towards the article's total.
    expected_counts: dict[str, int] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueRuleSet:
        _unique_keys([i.code for i in self.items], "items", "code")
        if self.expected_counts is not None:
            found = Counter(item.citation.article or "全文" for item in self.items)
            missing = Counter[str]()
            for gap in self.known_gaps:
                if gap.missing:
                    missing[gap.article or ""] += gap.missing
            for article in sorted(set(found) | set(self.expected_counts) | set(missing)):
                want, got = self.expected_counts.get(article, 0), found.get(article, 0)
                lacking = missing[article]
                if want != got + lacking:
                    declared = f"，known_gaps 另列 {lacking} 项" if lacking else ""
                    raise PathError("expected_counts", f"{article}：应有 {want} 项，实有 {got} 项{declared}")
        for n, item in enumerate(self.items):
            if not item.code.startswith(self.code_prefix + "-"):
                raise PathError(f"items.{n}.code", f"条目编号 {item.code} 须以 {self.code_prefix}- 开头")
            extra = set(item.industries or ()) - set(self.industries)
            if extra:
                raise PathError(f"items.{n}.industries", f"行业 {sorted(extra)} 不在本标准适用行业内")
        return self

    def item_industries(self, item: HazardItem) -> list[str]:
        return item.industries if item.industries is not None else self.industries


class IndustryStandards(Entry):
    industry: str
    catalogues: list[str]


class IndustryMapRuleSet(RuleSetHeader):
    kind: Literal["industry_map"]
    map: list[IndustryStandards]

    @model_validator(mode="after")
    def _unique(self) -> IndustryMapRuleSet:
        _unique_keys([m.industry for m in self.map], "map", "industry")
        return self


class Industry(Entry):
    code: str
    name: str
    gbt4754: str | None = None
    group: str | None = None


class IndustriesRuleSet(RuleSetHeader):
    kind: Literal["industries"]
    industries: list[Industry]

    @model_validator(mode="after")
    def _unique(self) -> IndustriesRuleSet:
        _unique_keys([i.code for i in self.industries], "industries", "code")
        return self


# ---------------------------------------------------------------- controlled lists


class ListItem(Entry):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class ControlledListRuleSet(RuleSetHeader):
    """kind: catalogue — a controlled list of codes and names (GB/T 13861 危险和有害因素, GB 6441 事故类别).
    Chosen by id, never by date (see Registry.catalogue). Not CatalogueRuleSet (重大事故隐患判定标准)."""

    kind: Literal["catalogue"]
    items: list[ListItem] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _items_cite_the_list(cls, data: Any) -> Any:
        # An item without its own citation comes from the list's source, so it carries that citation.
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            return data
        if data.get("citation") is None:
            raise PathError("citation", "缺少必填字段（未写 citation 的条目沿用它）")
        cited = data["citation"]
        items = [
            {**item, "citation": cited} if isinstance(item, dict) and "citation" not in item else item
            for item in data["items"]
        ]
        return {**data, "items": items}

    @model_validator(mode="after")
    def _unique(self) -> ControlledListRuleSet:
        _unique_keys([i.code for i in self.items], "items", "code")
        _unique_keys([i.name for i in self.items], "items", "name")
        return self

    def names(self) -> list[str]:
        return [i.name for i in self.items]

    def by_code(self) -> dict[str, str]:
        return {i.code: i.name for i in self.items}


# ---------------------------------------------------------------- 危化企业诊断分级 (应急〔2018〕19号)


class CitedNumber(Entry):
    value: float = Field(ge=0)


class BonusScope(Entry):
    rule: Literal["total"]  # bonuses add to the total, outside the project's deduction cap


class DiagnosisRule(Entry):
    """One line of the scoring table: a deduction (or a bonus), once or per counted unit."""

    code: str
    text: str
    points: float = Field(gt=0)
    per: str | None = None  # "每一种", "每一处" …: points × count; None: once
    bonus: bool = False


class DiagnosisProject(Entry):
    code: str
    name: str
    points: float = Field(ge=0)  # the project's 分值: deductions stop there (表注2)
    exclusive: bool = False  # at most one of its rules applies (标准化 一级/二级/三级)
    rules: list[DiagnosisRule] = Field(min_length=1)


class DiagnosisCategory(StrictModel):
    code: str
    name: str
    projects: list[DiagnosisProject] = Field(min_length=1)


class DirectRedCase(Entry):
    code: str
    text: str


class HcDiagnosisRuleSet(RuleSetHeader):
    """kind: hc_diagnosis — a published 100-point enterprise grading scheme (危化 诊断分级)."""

    kind: Literal["hc_diagnosis"]
    industries: list[str] = Field(min_length=1)
    total_points: float = Field(gt=0)
    score_cap: CitedNumber
    bonus_scope: BonusScope
    reassess_years: CitedNumber
    bands: list[Band] = Field(min_length=1)
    direct_red: list[DirectRedCase] = []
    categories: list[DiagnosisCategory] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> HcDiagnosisRuleSet:
        projects = [p for c in self.categories for p in c.projects]
        rules = [r for p in projects for r in p.rules]
        _unique_keys([p.code for p in projects], "categories", "projects.code")
        _unique_keys([r.code for r in rules] + [d.code for d in self.direct_red], "categories", "rules.code")
        if any(b.level is None for b in self.bands):
            raise PathError("bands", "每个分档都须给出 level")
        caps = sum(p.points for p in projects)
        if caps != self.total_points:
            raise PathError(
                "categories",
                f"各项目分值之和为 {fmt(exact(caps))}，应等于总分 {fmt(exact(self.total_points))}",
            )
        points = {Fraction(0), exact(self.score_cap.value)} | edge_points(self.bands)
        check_partition(self.bands, (p for p in points if p >= 0), "总分分级", "bands")
        return self

    def project_rules(self) -> dict[str, tuple[DiagnosisProject, DiagnosisRule]]:
        return {r.code: (p, r) for c in self.categories for p in c.projects for r in p.rules}


# ---------------------------------------------------------------- policies

ENTERPRISE_FACTS = ("open_major_hazards", "overdue_hazards", "major_hazard_source_grade", "fatal_accidents")
REGION_FACTS = tuple(
    f"{lvl}{suffix}" for lvl in ("red", "orange", "yellow", "blue") for suffix in ("", "_share")
)


class Condition(StrictModel):
    fact: str
    op: Literal[">=", ">", "<=", "<", "=="]
    value: float
    window_months: int | None = Field(default=None, ge=1)

    def holds(self, x: Fraction) -> bool:
        v = exact(self.value)
        return {">=": x >= v, ">": x > v, "<=": x <= v, "<": x < v, "==": x == v}[self.op]

    def describe(self) -> str:
        return f"{self.fact} {self.op} {fmt(exact(self.value))}"


def sentence_template(text: str, allowed: tuple[str, ...]) -> str:
    """A `text` sentence of a rule entry: plain Chinese with {placeholders} filled in at evaluation.
    Only the listed names, without format specs, so a typo fails `rules check` rather than a page."""
    try:
        fields = [
            (name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        raise ValueError(f"句子模板 {text!r} 的花括号不成对（{exc}）") from None
    for name, spec, conv in fields:
        if name not in allowed or spec or conv:
            usable = "、".join(f"{{{a}}}" for a in allowed) or "无"
            raise ValueError(f"句子模板中的 {{{name}}} 不是可用的占位符，可用：{usable}")
    return text


BASE_PLACEHOLDERS = ("n", "level")  # number of risk points, the base level (“黄色（一般风险）”)
ENTERPRISE_PLACEHOLDERS = ("n", "n_zh", "months")  # the fact's value (also in Chinese numerals), window
REGION_PLACEHOLDERS = ("total", *REGION_FACTS)  # counts per level, and shares as “30%”


def zh_number(n: int) -> str:
    """一 … 十 for 1–10 (“一级重大危险源”); other numbers as digits."""
    return "零一二三四五六七八九十"[n] if 0 <= n <= 10 else str(n)


class EnterpriseRule(Entry):
    id: str
    when: Condition
    effect: Literal["at_least", "raise", "set"]
    level: Level | None = None
    steps: int | None = Field(default=None, ge=1)
    reason: str
    # The reason as users read it, with the counted value: "存在{n}项未销号的重大事故隐患，…".
    text: str = Field(min_length=1)

    @field_validator("text")
    @classmethod
    def _text_placeholders(cls, v: str) -> str:
        return sentence_template(v, ENTERPRISE_PLACEHOLDERS)

    @model_validator(mode="after")
    def _effect_args(self) -> EnterpriseRule:
        if self.when.fact not in ENTERPRISE_FACTS:
            raise PathError("when.fact", f"未知事实 {self.when.fact!r}，可用：{', '.join(ENTERPRISE_FACTS)}")
        if (self.effect == "raise") != (self.steps is not None) or (self.effect != "raise") != (
            self.level is not None
        ):
            raise ValueError("effect=raise 须给 steps；at_least/set 须给 level")
        return self


class BaseRule(Entry):
    description: str
    level_if_none: Level
    text: str = Field(min_length=1)  # placeholders {n} (risk points), {level}
    text_if_none: str = Field(min_length=1)  # placeholder {level}

    @field_validator("text", "text_if_none")
    @classmethod
    def _text_placeholders(cls, v: str) -> str:
        return sentence_template(v, BASE_PLACEHOLDERS)


class EnterpriseLevelPolicy(RuleSetHeader):
    kind: Literal["enterprise_level"]
    # How users' sentences name the rule set, e.g. "企业整体风险等级规则"; the title when absent.
    short_name: str | None = None
    base: BaseRule
    rules: list[EnterpriseRule]

    def clause(self, entry: str) -> str | None:
        """The clause number of a trace entry: 第1条 is the base level, the rules follow in file order."""
        if entry == "base":
            return "第1条"
        ids = [f"rules.{r.id}" for r in self.rules]
        return f"第{ids.index(entry) + 2}条" if entry in ids else None


class RegionalRule(Entry):
    id: str
    level: Level
    any: list[Condition] = Field(min_length=1)
    reason: str
    # The reason as users read it, e.g. "辖区内有{red}家红色（重大风险）企业"; placeholders are the
    # counts {red} {orange} {yellow} {blue} {total} and the shares {red_share} … (“30%”).
    text: str = Field(min_length=1)

    @field_validator("text")
    @classmethod
    def _text_placeholders(cls, v: str) -> str:
        return sentence_template(v, REGION_PLACEHOLDERS)

    @field_validator("any")
    @classmethod
    def _known_facts(cls, conds: list[Condition]) -> list[Condition]:
        for c in conds:
            if c.fact not in REGION_FACTS:
                raise ValueError(f"未知事实 {c.fact!r}，可用：{', '.join(REGION_FACTS)}")
        return conds


class RegionalDefault(Entry):
    level: Level
    reason: str
    text: str = Field(min_length=1)  # the same placeholders as RegionalRule.text

    @field_validator("text")
    @classmethod
    def _text_placeholders(cls, v: str) -> str:
        return sentence_template(v, REGION_PLACEHOLDERS)


class RegionalLevelPolicy(RuleSetHeader):
    kind: Literal["regional_level"]
    short_name: str | None = None  # how users' sentences name the rule set; the title when absent
    formula: str
    rules: list[RegionalRule]  # first match wins
    otherwise: RegionalDefault

    def clause(self, entry: str) -> str | None:
        """The clause number of a trace entry: the rules in file order, then otherwise."""
        ids = [f"rules.{r.id}" for r in self.rules] + ["otherwise"]
        return f"第{ids.index(entry) + 1}条" if entry in ids else None


class InspectionLevel(Entry):
    level: Level
    min_per_year: int | None = Field(default=None, ge=0)
    measures: str


class PublishedFigure(Entry):
    scope: str
    description: str
    figures: dict[str, str]


class InspectionFrequencyPolicy(RuleSetHeader):
    kind: Literal["inspection_frequency"]
    levels: list[InspectionLevel]
    published: list[PublishedFigure] = []

    @model_validator(mode="after")
    def _all_levels(self) -> InspectionFrequencyPolicy:
        if sorted(i.level for i in self.levels) != sorted(LEVELS):
            raise PathError("levels", "levels 须恰好包含 red、orange、yellow、blue 各一次")
        return self

    def for_level(self, level: str) -> InspectionLevel:
        return next(i for i in self.levels if i.level == level)


class TimeLimit(Entry):
    key: str
    description: str
    value: int = Field(ge=0)
    unit: Literal[
        "working_days", "calendar_days", "months", "years", "day_of_next_quarter", "day_of_next_year"
    ]
    month: int | None = Field(default=None, ge=1, le=12)

    @model_validator(mode="after")
    def _month_for_yearly_dates(self) -> TimeLimit:
        if (self.unit == "day_of_next_year") != (self.month is not None):
            raise ValueError("unit=day_of_next_year 须给 month，其他单位不用 month")
        return self


class WorkflowTimeLimitsPolicy(RuleSetHeader):
    kind: Literal["workflow_time_limits"]
    limits: list[TimeLimit]

    @model_validator(mode="after")
    def _unique(self) -> WorkflowTimeLimitsPolicy:
        _unique_keys([limit.key for limit in self.limits], "limits", "key")
        return self

    def limit(self, key: str) -> TimeLimit:
        for item in self.limits:
            if item.key == key:
                return item
        raise KeyError(key)


CONTROL_LEVELS = ("company", "workshop", "team", "post")  # 公司、车间（部门）、班组、岗位


class ControlLevelsPolicy(RuleSetHeader, Entry):
    """kind: control_levels — the control level (管控层级) a measure gets by default for a risk level.
    The whole mapping is one choice, so the set is itself a cited entry (project_default needs a note)."""

    kind: Literal["control_levels"]
    levels: dict[str, str]

    @model_validator(mode="after")
    def _complete(self) -> ControlLevelsPolicy:
        if sorted(self.levels) != sorted(LEVELS):
            raise PathError("levels", "levels 须恰好包含 red、orange、yellow、blue 各一次")
        for level, target in self.levels.items():
            if target not in CONTROL_LEVELS:
                raise PathError(
                    f"levels.{level}", f"{target!r} 不是管控层级，可选：{', '.join(CONTROL_LEVELS)}"
                )
        return self


# ---------------------------------------------------------------- working-day calendars


class HolidaySpan(Entry):
    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> HolidaySpan:
        if self.end < self.start:
            raise ValueError("end 早于 start")
        return self


class MakeUpDay(Entry):
    """A weekend day that is a working day (调休上班)."""

    day: date
    name: str


class Notice(StrictModel):
    title: str
    number: str | None = None  # 文号; None when the copy read did not show it (say so in note)
    issued: date
    note: str | None = None


class HolidayCalendarRuleSet(RuleSetHeader):
    """kind: holiday_calendar — one year's 放假调休 arrangement (国务院办公厅 notice). A year here
    overrides or extends the chinese-calendar package (see app/workdays.py)."""

    kind: Literal["holiday_calendar"]
    year: int = Field(ge=2000, le=2200)
    notice: Notice
    holidays: list[HolidaySpan] = Field(min_length=1)
    workdays: list[MakeUpDay] = []

    @model_validator(mode="after")
    def _within_year(self) -> HolidayCalendarRuleSet:
        for i, span in enumerate(self.holidays):
            if span.start.year != self.year or span.end.year != self.year:
                raise PathError(
                    f"holidays.{i}", f"{span.start.isoformat()}–{span.end.isoformat()} 不在 {self.year} 年内"
                )
        off = self.days_off()
        for i, w in enumerate(self.workdays):
            if w.day.year != self.year:
                raise PathError(f"workdays.{i}.day", f"{w.day.isoformat()} 不在 {self.year} 年内")
            if w.day.weekday() < 5:
                raise PathError(
                    f"workdays.{i}.day", f"{w.day.isoformat()} 不是周六或周日，无须列为调休上班日"
                )
            if w.day in off:
                raise PathError(f"workdays.{i}.day", f"{w.day.isoformat()} 同时列在放假日期中")
        return self

    def days_off(self) -> set[date]:
        return {
            date.fromordinal(n)
            for span in self.holidays
            for n in range(span.start.toordinal(), span.end.toordinal() + 1)
        }


class StatutoryYear(StrictModel):
    """One year's statutory holidays (全体公民放假的节日) as dates: the fixed ones, and the lunar and
    solar-term ones worked out for that year."""

    year: int = Field(ge=2000, le=2200)
    holidays: list[HolidaySpan] = Field(min_length=1)

    @model_validator(mode="after")
    def _within_year(self) -> StatutoryYear:
        for i, span in enumerate(self.holidays):
            if span.start.year != self.year or span.end.year != self.year:
                raise PathError(
                    f"holidays.{i}", f"{span.start.isoformat()}–{span.end.isoformat()} 不在 {self.year} 年内"
                )
        return self

    def days_off(self) -> set[date]:
        return {
            date.fromordinal(n)
            for span in self.holidays
            for n in range(span.start.toordinal(), span.end.toordinal() + 1)
        }


class StatutoryHolidaysRuleSet(RuleSetHeader):
    """kind: statutory_holidays — the holidays the law itself fixes (全国年节及纪念日放假办法), for years
    whose 放假调休 notice is not out yet: a better estimate than Monday–Friday (app/workdays.py). The
    notice's 调休 cannot be known before it is published, so such a year stays an estimate."""

    kind: Literal["statutory_holidays"]
    years: list[StatutoryYear] = Field(min_length=1)
    # 第六条: a holiday on a Saturday or Sunday is made up on the following working day(s).
    weekend_makeup: Entry

    @model_validator(mode="after")
    def _one_entry_per_year(self) -> StatutoryHolidaysRuleSet:
        seen: set[int] = set()
        for i, y in enumerate(self.years):
            if y.year in seen:
                raise PathError(f"years.{i}.year", f"{y.year} 年重复")
            seen.add(y.year)
        return self


# ---------------------------------------------------------------- 信用: 严重失信主体名单


class CreditCondition(Entry):
    """One situation that puts a subject on the list (列入情形), with the article it comes from."""

    code: str = Field(min_length=1)
    group: Literal["accident", "violation"]  # 发生生产安全事故 / 未发生事故但受到行政处罚
    text: str = Field(min_length=1)
    subjects: str = Field(min_length=1)  # who is listed: 生产经营单位及其主要负责人 …


class CreditClause(Entry):
    code: str = Field(min_length=1)
    text: str = Field(min_length=1)


class CreditScope(Entry):
    industries: list[str] = Field(min_length=1)  # codes of rules/industries.yaml
    sectors_text: str = Field(min_length=1)  # the article's own list, as written
    institutions: str = Field(min_length=1)  # 承担安全评价、认证、检测、检验职责的机构及其人员


class CreditTerm(Entry):
    years: int = Field(ge=1, le=10)


class CreditEarlyRemoval(Entry):
    min_months: int = Field(ge=1, le=120)
    conditions: list[CreditClause]


class CreditListRuleSet(RuleSetHeader):
    """kind: credit_list — a 严重失信主体名单 rule (应急管理部令第11号 or a province's version): scope,
    listing conditions, procedure time limits, the term, early removal, revocation, measures and public
    fields."""

    kind: Literal["credit_list"]
    scope: CreditScope
    principle: CreditClause
    conditions: list[CreditCondition] = Field(min_length=1)
    procedure: list[CreditClause]
    time_limits: list[TimeLimit]
    term: CreditTerm
    early_removal: CreditEarlyRemoval
    revocation: CreditClause
    measures: list[CreditClause]
    public_fields: list[str] = Field(min_length=1)
    public_fields_citation: Citation
    known_gaps: list[KnownGap] = []

    @model_validator(mode="after")
    def _unique(self) -> CreditListRuleSet:
        _unique_keys([c.code for c in self.conditions], "conditions", "code")
        _unique_keys([c.code for c in self.measures], "measures", "code")
        _unique_keys([c.code for c in self.early_removal.conditions], "early_removal.conditions", "code")
        _unique_keys([t.key for t in self.time_limits], "time_limits", "key")
        return self

    def condition(self, code: str) -> CreditCondition | None:
        return next((c for c in self.conditions if c.code == code), None)

    def limit(self, key: str) -> TimeLimit:
        for item in self.time_limits:
            if item.key == key:
                return item
        raise KeyError(key)


class InspectorMinimum(Entry):
    """How many 执法人员 an inspection of a kind needs at least."""

    inspection_kind: str
    min_inspectors: int = Field(ge=1, le=10)


class DocumentKind(Entry):
    """One 执法文书 kind: its key, its title and the prefix letter of its number."""

    key: str
    title: str = Field(min_length=1)
    number_suffix: str = Field(min_length=1, max_length=4)


class EnforcementPolicy(RuleSetHeader):
    """kind: enforcement — 执法 time limits (行政处罚 steps, publication), inspector minimums per
    inspection kind and the 执法文书 kinds (app/enforcement)."""

    kind: Literal["enforcement"]
    limits: list[TimeLimit]
    inspectors: list[InspectorMinimum]
    documents: list[DocumentKind]

    @model_validator(mode="after")
    def _unique(self) -> EnforcementPolicy:
        _unique_keys([limit.key for limit in self.limits], "limits", "key")
        _unique_keys([i.inspection_kind for i in self.inspectors], "inspectors", "inspection_kind")
        _unique_keys([d.key for d in self.documents], "documents", "key")
        return self

    def limit(self, key: str) -> TimeLimit:
        for item in self.limits:
            if item.key == key:
                return item
        raise KeyError(key)

    def min_inspectors(self, inspection_kind: str) -> InspectorMinimum | None:
        return next((i for i in self.inspectors if i.inspection_kind == inspection_kind), None)

    def document(self, key: str) -> DocumentKind:
        for item in self.documents:
            if item.key == key:
                return item
        raise KeyError(key)


# ---------------------------------------------------------------- 事故: levels, reporting, investigation


ACCIDENT_LEVELS = ("general", "larger", "serious", "extra_serious")  # lowest first: index is severity
ACCIDENT_LEVEL_LABELS = {
    "extra_serious": "特别重大事故",
    "serious": "重大事故",
    "larger": "较大事故",
    "general": "一般事故",
}
REPORT_TIERS = ("county", "city", "province", "ministry")  # 县级 → 设区的市级 → 省级 → 国务院部门


class AccidentThreshold(Entry):
    """A level of 第三条: reached when deaths OR serious injuries OR direct loss reach the lower bound
    (“以上”包括本数). The highest level whose one figure is reached wins; 一般 has no bounds."""

    level: Literal["general", "larger", "serious", "extra_serious"]
    deaths_ge: int | None = Field(default=None, ge=1)
    serious_injuries_ge: int | None = Field(default=None, ge=1)
    direct_loss_yuan_ge: int | None = Field(default=None, ge=1)
    report_up_to: Literal["city", "province", "ministry"]  # 第十条: the highest tier the report reaches
    report_up_to_citation: Citation


class AccidentLimit(Entry):
    key: str
    description: str
    value: int = Field(ge=0)
    unit: Literal["hours", "calendar_days", "working_days", "months", "years"]


class AccidentSupervision(Entry):
    """From which level an accident investigation may be put under 挂牌督办."""

    min_level: Literal["general", "larger", "serious", "extra_serious"]


class PlanEvaluationScope(Entry):
    """The units that must evaluate their 应急预案 every three years, as industry codes."""

    industries: list[str] = Field(min_length=1)  # rules/industries.yaml codes


class AccidentRulesPolicy(RuleSetHeader):
    """kind: accident_rules — 事故等级 (第三条) and the time limits of reporting, 续报, investigation,
    批复, the 整改评估 window, 应急预案 备案/评估 and 演练 frequencies, each cited."""

    kind: Literal["accident_rules"]
    short_name: str | None = None
    levels: list[AccidentThreshold]  # highest first
    boundaries: Entry  # 以上含本数、以下不含本数
    limits: list[AccidentLimit]
    supervision: AccidentSupervision
    plan_evaluation_scope: PlanEvaluationScope

    @model_validator(mode="after")
    def _complete(self) -> AccidentRulesPolicy:
        if sorted(t.level for t in self.levels) != sorted(ACCIDENT_LEVELS):
            raise PathError("levels", "levels 须恰好包含 extra_serious、serious、larger、general 各一次")
        order = [ACCIDENT_LEVELS.index(t.level) for t in self.levels]
        if order != sorted(order, reverse=True):
            raise PathError("levels", "levels 须从最高等级到最低等级排列")
        for i, t in enumerate(self.levels):
            bounds = (t.deaths_ge, t.serious_injuries_ge, t.direct_loss_yuan_ge)
            if (t.level == "general") != all(b is None for b in bounds):
                raise PathError(f"levels.{i}", "一般事故不设下限，其他等级须给出全部三项下限")
        _unique_keys([limit.key for limit in self.limits], "limits", "key")
        return self

    def limit(self, key: str) -> AccidentLimit:
        for item in self.limits:
            if item.key == key:
                return item
        raise KeyError(key)


class CampaignPhase(Entry):
    name: str = Field(min_length=1, max_length=50)
    description: str
    # Share of the campaign period this phase takes by default (the phases' shares add up to 1).
    share: float = Field(gt=0, le=1)


class NoticeTemplate(Entry):
    key: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)
    ack_hours: int = Field(ge=1, le=24 * 30)


class EnterpriseTagEntry(Entry):
    tag: str = Field(min_length=1, max_length=30)
    # 重大事故隐患判定标准 items a campaign for this tag checks (code prefixes,
    # e.g. "GM-11-": 第十一条 粉尘爆炸).
    item_prefixes: list[str] = []


class CampaignPolicy(RuleSetHeader):
    """kind: campaign_policy — default phases of a 专项整治, the phase whose deadline the 自查报告 is due
    by, default targets, the enterprise tags scopes may filter on, and 安全提示 templates."""

    kind: Literal["campaign_policy"]
    phases: list[CampaignPhase] = Field(min_length=1)
    report_phase: str
    target_coverage: int = Field(ge=1, le=100)
    default_ack_hours: int = Field(ge=1, le=24 * 30)
    tags: list[EnterpriseTagEntry]
    templates: list[NoticeTemplate]

    @model_validator(mode="after")
    def _consistent(self) -> CampaignPolicy:
        _unique_keys([p.name for p in self.phases], "phases", "name")
        _unique_keys([t.key for t in self.templates], "templates", "key")
        if self.report_phase not in [p.name for p in self.phases]:
            raise PathError("report_phase", "report_phase 须为 phases 中的一个阶段")
        if abs(sum(p.share for p in self.phases) - 1) > 1e-6:
            raise PathError("phases", "各阶段 share 之和须为 1")
        return self


class CreditGrade(Entry):
    """One grade of a 诚信等级 policy: the first grade whose `when` holds applies ("none": the fallback)."""

    grade: str = Field(min_length=1, max_length=2)
    label: str = Field(min_length=1)
    when: Literal["listed", "external_listed", "expired_licence", "none"]
    # The 双随机 stratum an enterprise of this grade is drawn in at least (None: its risk level only).
    draw_level: Literal["red", "orange", "yellow", "blue"] | None = None


class CreditGradePolicy(RuleSetHeader):
    """kind: credit_grade — a 诚信等级 policy (A/B/C/D …) that the 双随机 draw may use (use_in_draw)."""

    kind: Literal["credit_grade"]
    use_in_draw: bool
    grades: list[CreditGrade] = Field(min_length=1)

    @model_validator(mode="after")
    def _fallback_last(self) -> CreditGradePolicy:
        _unique_keys([g.grade for g in self.grades], "grades", "grade")
        if self.grades[-1].when != "none" or any(g.when == "none" for g in self.grades[:-1]):
            raise PathError("grades", "最后一级须为 when: none（兜底），且只能有这一级")
        return self


def _percent_points(bands: list[Any]) -> set[Fraction]:
    """Edge points of bands inside 0–100 %, and both ends: every one must fall in exactly one band."""
    return {p for p in edge_points(bands) if 0 <= p <= 100} | {Fraction(0), Fraction(100)}


class AssessmentBand(Entry, Bounds):
    """A scoring band of an 考核 indicator (value in percent, 0–100) or of the total score."""

    score: float = Field(ge=0, le=100)
    label: str = Field(min_length=1, max_length=20)
    # praise: 表扬名单; criticise: 批评名单; neutral: neither (通报 lists are chosen by these).
    tone: Literal["praise", "neutral", "criticise"] = "neutral"


class AssessmentIndicator(Entry):
    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=40)
    # Names of counted measures (app/assessment/indicators.py MEASURES): value = numerator / denominator.
    numerator: str = Field(min_length=1, max_length=60)
    denominator: str = Field(min_length=1, max_length=60)
    weight: float = Field(gt=0, le=100)
    bands: list[AssessmentBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_cover_percent(self) -> AssessmentIndicator:
        check_partition(self.bands, _percent_points(self.bands), self.name, "bands")
        return self


class AssessmentPolicy(RuleSetHeader):
    """kind: assessment — 考核 indicators of regions (formula, weight, scoring bands), total-score bands."""

    kind: Literal["assessment"]
    short_name: str | None = None
    indicators: list[AssessmentIndicator] = Field(min_length=1)
    totals: list[AssessmentBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentPolicy:
        _unique_keys([i.id for i in self.indicators], "indicators", "id")
        check_partition(self.totals, _percent_points(self.totals), "总分", "totals")
        return self

    def clause(self, entry: str) -> str | None:
        ids = [f"indicators.{i.id}" for i in self.indicators] + ["totals"]
        return f"第{ids.index(entry) + 1}条" if entry in ids else None


RuleSet = (
    PointMethodRuleSet
    | DirectRuleSet
    | GB18218RuleSet
    | CatalogueRuleSet
    | IndustryMapRuleSet
    | IndustriesRuleSet
    | EnterpriseLevelPolicy
    | RegionalLevelPolicy
    | InspectionFrequencyPolicy
    | WorkflowTimeLimitsPolicy
    | ControlledListRuleSet
    | ControlLevelsPolicy
    | HcDiagnosisRuleSet
    | HolidayCalendarRuleSet
    | CampaignPolicy
    | AccidentRulesPolicy
    | CreditListRuleSet
    | CreditGradePolicy
    | EnforcementPolicy
    | AssessmentPolicy
)

KIND_MODELS: dict[str, type[RuleSetHeader]] = {
    "lec": PointMethodRuleSet,
    "ls": PointMethodRuleSet,
    "mes": PointMethodRuleSet,
    "direct": DirectRuleSet,
    "gb18218": GB18218RuleSet,
    "major_hidden_hazard": CatalogueRuleSet,
    "industry_map": IndustryMapRuleSet,
    "industries": IndustriesRuleSet,
    "enterprise_level": EnterpriseLevelPolicy,
    "regional_level": RegionalLevelPolicy,
    "inspection_frequency": InspectionFrequencyPolicy,
    "workflow_time_limits": WorkflowTimeLimitsPolicy,
    "catalogue": ControlledListRuleSet,
    "control_levels": ControlLevelsPolicy,
    "hc_diagnosis": HcDiagnosisRuleSet,
    "holiday_calendar": HolidayCalendarRuleSet,
    "statutory_holidays": StatutoryHolidaysRuleSet,
    "campaign_policy": CampaignPolicy,
    "accident_rules": AccidentRulesPolicy,
    "credit_list": CreditListRuleSet,
    "credit_grade": CreditGradePolicy,
    "enforcement": EnforcementPolicy,
    "assessment": AssessmentPolicy,
}
POLICY_KINDS = (
    "enterprise_level",
    "regional_level",
    "inspection_frequency",
    "workflow_time_limits",
    "control_levels",
    "accident_rules",
    "enforcement",
)
