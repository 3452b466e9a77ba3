"""GB 18218-2018 危险化学品重大危险源辨识 (4.2) and 分级 (4.3).

S = Σ q/Q (S ≥ 1 is a major hazard source, S = 1 included); only then R = α · Σ β·q/Q and the grade.
All arithmetic is on exact fractions of the decimals written by the user and the standard, so S = 1
and R = 10 / 50 / 100 are judged exactly, never through binary floating point.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, TraceStep, cite
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import GB18218RuleSet, Table1Row, Table2Row, exact, fmt

SUBSTANCE_FIELDS = ("name", "cas", "category", "quantity_t")


@lru_cache(maxsize=4096)
def normalise(name: str) -> str:
    """Full-width brackets/commas, subscripts and spacing do not make a different substance."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def _base(name: str) -> str:
    return re.split(r"[(\[]", normalise(name), maxsplit=1)[0]


class Substance(NamedTuple):
    label: str
    q_text: str
    ratio: Fraction  # q/Q
    beta: Fraction | None
    beta_text: str
    found: TraceStep  # how Q was found
    beta_step: TraceStep | None
    beta_problem: str


class GB18218:
    """Lookups over Tables 1–6 of one rule set."""

    def __init__(self, loaded: LoadedRuleSet):
        m: GB18218RuleSet = loaded.model
        self.loaded, self.model = loaded, m
        self.by_name: dict[str, list[Table1Row]] = {}
        self.by_base: dict[str, list[Table1Row]] = {}
        self.by_cas: dict[str, list[Table1Row]] = {}
        for row in m.table1:
            for key in {normalise(n) for n in (row.name, *row.aliases, *row.search_names)}:
                self.by_name.setdefault(key, []).append(row)
            self.by_base.setdefault(_base(row.name), []).append(row)
            for cas in row.cas:
                self.by_cas.setdefault(cas, []).append(row)
        # Table 3 names a gas as it is commonly called (氯化氢 for Table 1's 氯化氢(无水)): the same entry.
        seqs = {row.seq: row for row in m.table1}
        for t3 in m.table3:
            if t3.table1_no is not None:
                self.by_name.setdefault(normalise(t3.name), [seqs[t3.table1_no]])
        # Exact values computed once; Fraction parsing is the main cost of an evaluation.
        self.q1 = {r.seq: exact(r.q) for r in m.table1}
        self.q2 = {r.symbol: exact(r.q) for r in m.table2}
        self.texts = {key: fmt(v) for table in (self.q1, self.q2) for key, v in table.items()}
        self.cites = {id(r): r.citation.render() for t in (m.table1, m.table2, m.table3, m.table4) for r in t}
        self.b3 = {r.name: exact(r.beta) for r in m.table3}
        self.b4 = {r.symbol: exact(r.beta) for r in m.table4}
        self.table2 = {r.symbol.upper(): r for r in m.table2}
        self.texts.update({f"β{b}": fmt(b) for b in (*self.b3.values(), *self.b4.values())})
        self.beta3_by_name = {normalise(r.name): r for r in m.table3}
        self.beta3_by_seq = {r.table1_no: r for r in m.table3 if r.table1_no is not None}
        self.beta4 = {r.symbol.upper(): r for r in m.table4}

    # -- substance lookup ---------------------------------------------------------------------------

    def table1_row(self, name: str | None, cas: str | None, fld: str, has_category: bool) -> Table1Row | None:
        """The Table 1 row named by name and/or CAS; None when absent and a Table 2 category is given."""
        by_cas = self.by_cas.get(cas, []) if cas else None
        by_name = self.by_name.get(normalise(name), []) if name else None
        if cas and not by_cas and not has_category:
            raise RuleInputError(
                f"{fld}.cas", f"CAS {cas} 不在 GB 18218-2018 表1中；如属表2类别请提供 category"
            )
        if name and not by_name and not has_category:
            near = self.by_base.get(_base(name), [])
            hint = f"；表1中相近的条目：{'；'.join(f'序号{r.seq} {r.name}' for r in near)}" if near else ""
            raise RuleInputError(
                f"{fld}.name",
                f"{name!r} 不在 GB 18218-2018 表1中（名称、别名均未匹配）{hint}；如属表2类别请提供 category",
            )
        rows = (
            by_cas if by_name is None else by_name if by_cas is None else [r for r in by_name if r in by_cas]
        )
        if name and cas and by_name and by_cas and not rows:
            raise RuleInputError(fld, f"name {name!r} 与 cas {cas} 指向表1中不同的条目")
        if rows and len(rows) > 1:
            listed = "；".join(f"序号{r.seq} {r.name}" for r in rows)
            raise RuleInputError(
                f"{fld}.{'name' if name else 'cas'}",
                f"{name or cas} 对应表1中多个条目（{listed}），请用完整名称指定",
            )
        return rows[0] if rows else None

    def categories(self, raw: Any, fld: str) -> list[Table2Row]:
        symbols = [raw] if isinstance(raw, str) else raw
        if not isinstance(symbols, list) or not symbols:
            raise RuleInputError(fld, '应为表2类别符号或符号列表，如 "W2" 或 ["W2", "J3"]')
        rows = []
        for i, sym in enumerate(symbols):
            row = self.table2.get(sym.strip().upper()) if isinstance(sym, str) else None
            if row is None:
                where = fld if isinstance(raw, str) else f"{fld}[{i}]"
                raise RuleInputError(
                    where,
                    f"{check.show(sym)} 不是 GB 18218-2018 表2中的类别符号，可选：{', '.join(self.table2)}",
                )
            rows.append(row)
        return rows

    def substance(self, raw: Any, fld: str) -> Substance:
        data = check.mapping(raw, fld, allowed=SUBSTANCE_FIELDS)
        if "quantity_t" not in data:
            raise RuleInputError(f"{fld}.quantity_t", "缺少必填项（实际存在量，吨）")
        raw_q = check.non_negative(data["quantity_t"], f"{fld}.quantity_t")
        q = exact(raw_q)
        name = check.text(data["name"], f"{fld}.name") if data.get("name") is not None else None
        cas = check.text(data["cas"], f"{fld}.cas") if data.get("cas") is not None else None
        cats = (
            self.categories(data["category"], f"{fld}.category") if data.get("category") is not None else []
        )
        if not (name or cas or cats):
            raise RuleInputError(fld, "须给出 name、cas 或 category 之一")
        row = self.table1_row(name, cas, fld, bool(cats))
        m, loaded = self.model, self.loaded
        if row is not None:
            label, big_q = name or row.name, self.q1[row.seq]
            found = cite(
                loaded,
                f"table1.{row.seq}",
                self.cites[id(row)],
                "临界量",
                f"{label}：表1序号{row.seq}“{row.name}”，临界量 Q = {self.texts[row.seq]} t",
            )
        else:
            lowest = min(cats, key=lambda r: self.q2[r.symbol])
            label, big_q = name or cas or "+".join(r.symbol for r in cats), self.q2[lowest.symbol]
            several = (
                f"，多种危险性取最低临界量（{m.multi_category_q.citation.render()}）" if len(cats) > 1 else ""
            )
            found = cite(
                loaded,
                f"table2.{lowest.symbol}",
                self.cites[id(lowest)],
                "临界量",
                f"{label}：表1未列明，按表2类别 {'、'.join(r.symbol for r in cats)}{several}，"
                f"取 {lowest.symbol}（{lowest.category}）Q = {self.texts[lowest.symbol]} t",
            )
        beta, beta_step, problem = self._beta(label, name, row, cats)
        beta_text = self.texts[f"β{beta}"] if beta is not None else ""
        return Substance(label, fmt(raw_q), q / big_q, beta, beta_text, found, beta_step, problem)

    def _beta(
        self, label: str, name: str | None, row: Table1Row | None, cats: list[Table2Row]
    ) -> tuple[Fraction | None, TraceStep | None, str]:
        t3 = (self.beta3_by_seq.get(row.seq) if row else None) or (
            self.beta3_by_name.get(normalise(name)) if name else None
        )
        if t3 is not None:
            beta = self.b3[t3.name]
            detail = f"{label}：表3毒性气体“{t3.name}”，β = {self.texts[f'β{beta}']}"
            return beta, cite(self.loaded, f"table3.{t3.name}", self.cites[id(t3)], "β", detail), ""
        if not cats:
            return None, None, f"{label} 不在表3中，须提供 category（表2类别符号）以按表4确定 β"
        best = max((self.beta4[c.symbol.upper()] for c in cats), key=lambda r: self.b4[r.symbol])
        beta = self.b4[best.symbol]
        several = f"，多个类别取最大值（{self.model.multi_category_beta.note}）" if len(cats) > 1 else ""
        detail = f"{label}：不在表3中，按表4类别 {best.symbol} 取 β = {self.texts[f'β{beta}']}{several}"
        return beta, cite(self.loaded, f"table4.{best.symbol}", self.cites[id(best)], "β", detail), ""

    # -- identification and grading -----------------------------------------------------------------

    def evaluate(self, raw: Any) -> Decision:
        m, loaded = self.model, self.loaded
        data = check.mapping(raw, "inputs", allowed=("substances", "exposed_people"))
        items = data.get("substances")
        if not isinstance(items, list) or not items:
            raise RuleInputError("inputs.substances", "应为至少含一种物质的列表")
        subs = [self.substance(item, f"inputs.substances[{i}]") for i, item in enumerate(items)]
        steps: list[TraceStep] = []
        total = exact_sum(sub.ratio for sub in subs)
        shown = [fmt(sub.ratio) for sub in subs]
        for sub, ratio in zip(subs, shown, strict=True):
            steps.append(sub.found)
            steps.append(
                TraceStep("q/Q", f"{sub.label}：q = {sub.q_text} t，q/Q = {ratio}", *_src(sub.found))
            )
        threshold = exact(m.identification.value)
        is_major = total >= threshold
        terms = " + ".join(shown)
        verdict = (
            f"≥ {fmt(threshold)}，构成重大危险源"
            if is_major
            else f"< {fmt(threshold)}，不构成重大危险源，不分级"
        )
        steps.append(
            cite(
                loaded,
                "identification",
                m.identification.citation,
                "辨识",
                f"S = Σq/Q = {terms} = {fmt(total)} {verdict}",
            )
        )
        if not is_major:
            return Decision("gb18218", loaded.ref, is_major=False, s=float(total), trace=tuple(steps))

        if data.get("exposed_people") is None:
            raise RuleInputError(
                "inputs.exposed_people",
                "构成重大危险源（S ≥ 1）时须提供厂区边界外500 m内可能暴露人员数，以按表5确定 α",
            )
        people = check.count(data["exposed_people"], "inputs.exposed_people")
        for i, sub in enumerate(subs):
            if sub.beta is None:
                raise RuleInputError(f"inputs.substances[{i}].category", sub.beta_problem)
            assert sub.beta_step is not None
            steps.append(sub.beta_step)
        weighted = exact_sum(sub.beta * sub.ratio for sub in subs if sub.beta is not None)
        alpha_row = next(r for r in m.table5 if r.contains(Fraction(people)))
        alpha = exact(alpha_row.alpha)
        steps.append(
            cite(
                loaded,
                f"table5.{alpha_row.label}",
                alpha_row.citation,
                "α",
                f"厂外可能暴露人员 {people} 人，属“{alpha_row.label}”，α = {fmt(alpha)}",
            )
        )
        r_value = alpha * weighted
        grade_row = next(g for g in m.table6 if g.contains(r_value))
        sums = " + ".join(f"{s.beta_text}×{r}" for s, r in zip(subs, shown, strict=True))
        steps.append(
            cite(loaded, "table6", m.citation, "R", f"R = α·Σβq/Q = {fmt(alpha)} × ({sums}) = {fmt(r_value)}")
        )
        steps.append(
            cite(
                loaded,
                f"table6.{grade_row.grade}",
                grade_row.citation,
                "分级",
                f"R = {fmt(r_value)}，{grade_row.describe('R')} → {grade_row.label}重大危险源",
            )
        )
        return Decision(
            "gb18218",
            loaded.ref,
            is_major=True,
            grade=grade_row.grade,
            s=float(total),
            r=float(r_value),
            trace=tuple(steps),
        )


def exact_sum(terms: Iterable[Fraction]) -> Fraction:
    """Σ of fractions over one common denominator: one normalisation instead of one per addition."""
    parts = list(terms)
    den = math.lcm(*(f.denominator for f in parts))
    return Fraction(sum(f.numerator * (den // f.denominator) for f in parts), den)


def _src(step: TraceStep) -> tuple[str, str, str]:
    return step.file, step.entry, step.citation


def gb18218_rules(
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> GB18218:
    registry = registry or get_registry()
    loaded = registry.select("gb18218", rule_set=rule_set, jurisdiction=jurisdiction, on=on)
    return registry.compiled(("gb18218", loaded.ref), lambda: GB18218(loaded))


def evaluate_gb18218(
    raw: Any,
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> Decision:
    """inputs {"substances": [{"name"|"cas"|"category", "quantity_t"}], "exposed_people"} → S, R, grade."""
    return gb18218_rules(rule_set=rule_set, jurisdiction=jurisdiction, on=on, registry=registry).evaluate(raw)


__all__ = ["GB18218", "gb18218_rules", "evaluate_gb18218", "normalise"]
