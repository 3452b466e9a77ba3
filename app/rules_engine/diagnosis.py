"""危化企业安全风险评估诊断分级 (应急〔2018〕19号): grade an enterprise from its scored table items.

Pure: the assessor says which lines of the scoring table apply (and how many times for the "每一种/每一处"
lines) and which direct-red situations exist; the engine sums the deductions per project (capped at the
project's points, 表注2), adds the bonuses, and looks up the colour band. Any direct-red situation makes
the enterprise red whatever the score.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from app.rules_engine import inputs as check
from app.rules_engine.decision import Decision, TraceStep, cite, number
from app.rules_engine.engine import colour
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import LoadedRuleSet, Registry, get_registry
from app.rules_engine.models import HcDiagnosisRuleSet, exact, fmt

INPUT_FIELDS = ("items", "direct_red")
ITEM_FIELDS = ("code", "count")


def diagnosis_rule_set(
    *, rule_set: str | None = None, on: date | None = None, registry: Registry | None = None
) -> LoadedRuleSet:
    """The 诊断分级 scheme in force on a date (or the one named by "id@version")."""
    return (registry or get_registry()).select("hc_diagnosis", rule_set=rule_set, on=on)


def reassessment_due(assessed_on: date, model: HcDiagnosisRuleSet) -> date:
    """The day from which an assessment made on assessed_on is out of date (原则上每三年开展一次)."""
    years = int(model.reassess_years.value)
    try:
        return assessed_on.replace(year=assessed_on.year + years)
    except ValueError:  # 29 Feb
        return assessed_on.replace(year=assessed_on.year + years, day=28)


def _scored(raw: Any, model: HcDiagnosisRuleSet) -> list[tuple[str, int]]:
    if not isinstance(raw, list):
        raise RuleInputError(
            "inputs.items", '应为评分条目列表，如 [{"code": "1.1.2"}, {"code": "1.2.3", "count": 4}]'
        )
    known = model.project_rules()
    seen: set[str] = set()
    out: list[tuple[str, int]] = []
    for i, entry in enumerate(raw):
        fld = f"inputs.items[{i}]"
        data = check.mapping(entry, fld, allowed=ITEM_FIELDS)
        code = check.text(data.get("code"), f"{fld}.code")
        if code not in known:
            raise RuleInputError(
                f"{fld}.code", f"{code!r} 不是 {model.ref} 评分表中的条目编号（如 1.1.1–9.2.4）"
            )
        if code in seen:
            raise RuleInputError(f"{fld}.code", f"条目 {code} 重复；多处或多种请用 count")
        seen.add(code)
        count = check.count(data.get("count", 1), f"{fld}.count")
        rule = known[code][1]
        if count == 0:
            raise RuleInputError(f"{fld}.count", "应 ≥ 1；不适用的条目不要列出")
        if rule.per is None and count != 1:
            raise RuleInputError(
                f"{fld}.count", f"条目 {code} 只计一次（不是“每一种/每一处”的条目），count 应为 1"
            )
        out.append((code, count))
    for project in (p for c in model.categories for p in c.projects if p.exclusive):
        hits = [code for code, _ in out if known[code][0].code == project.code]
        if len(hits) > 1:
            raise RuleInputError(
                "inputs.items", f"项目“{project.name}”的条目 {'、'.join(hits)} 互斥，只能选一项"
            )
    return out


def evaluate_hc_diagnosis(
    inputs: Any,
    *,
    rule_set: str | None = None,
    jurisdiction: str | None = None,
    on: date | None = None,
    registry: Registry | None = None,
) -> Decision:
    """inputs = {"items": [{"code": "1.1.2", "count": 1}, …], "direct_red": ["R2", …]}
    → score, level and trace."""
    del jurisdiction  # the 2018 scheme is national; the parameter keeps the `rules eval` signature
    loaded = diagnosis_rule_set(rule_set=rule_set, on=on, registry=registry)
    model: HcDiagnosisRuleSet = loaded.model
    data = check.mapping(inputs, "inputs", allowed=INPUT_FIELDS)
    scored = _scored(data.get("items") or [], model)
    reds_raw = data.get("direct_red") or []
    if not isinstance(reds_raw, list):
        raise RuleInputError("inputs.direct_red", '应为直接判定情形编号列表，如 ["R2"]')
    cases = {d.code: d for d in model.direct_red}
    for i, code in enumerate(reds_raw):
        if code not in cases:
            raise RuleInputError(
                f"inputs.direct_red[{i}]", f"{check.show(code)} 不是直接判定情形，可选：{', '.join(cases)}"
            )

    known = model.project_rules()
    steps: list[TraceStep] = []
    deducted: dict[str, Fraction] = {}
    bonus = Fraction(0)
    for code, count in scored:
        project, rule = known[code]
        amount = exact(rule.points) * count
        verb = "加" if rule.bonus else "扣"
        pts = fmt(exact(rule.points))
        times = f"{rule.per}{verb} {pts} 分 × {count}" if rule.per else f"{verb} {pts} 分"
        steps.append(
            cite(
                loaded,
                f"rules.{code}",
                rule.citation,
                f"{verb}分",
                f"{code} {rule.text}：{times} = {fmt(amount)} 分",
            )
        )
        if rule.bonus:
            bonus += amount
        else:
            deducted[project.code] = deducted.get(project.code, Fraction(0)) + amount
    total_off = Fraction(0)
    for project in (p for c in model.categories for p in c.projects if p.code in deducted):
        cap = exact(project.points)
        off = deducted[project.code]
        if off > cap:
            steps.append(
                cite(
                    loaded,
                    f"projects.{project.code}",
                    project.citation,
                    "扣完为止",
                    f"项目“{project.name}”（{fmt(cap)}分）扣分合计 {fmt(off)}，扣完为止，按 {fmt(cap)} 分计",
                )
            )
            off = cap
        total_off += off
    full = exact(model.total_points)
    score = full - total_off + bonus
    steps.append(
        cite(
            loaded,
            "total_points",
            model.citation,
            "计算",
            f"总分 = {fmt(full)} − 扣分 {fmt(total_off)} + 加分 {fmt(bonus)} = {fmt(score)}",
        )
    )
    cap = exact(model.score_cap.value)
    if score > cap:
        steps.append(
            cite(
                loaded,
                "score_cap",
                model.score_cap.citation,
                "封顶",
                f"{fmt(score)} 分超过 {fmt(cap)} 分，按 {fmt(cap)} 分计（项目默认）",
            )
        )
        score = cap
    band = next(b for b in model.bands if b.contains(score))
    level = band.level
    assert level is not None
    steps.append(
        cite(
            loaded,
            f"bands.{level}",
            band.citation,
            "分级",
            f"{fmt(score)} 分，{band.describe('得分')} → {colour(level)}：{band.label}",
        )
    )
    for code in dict.fromkeys(reds_raw):
        case = cases[code]
        outcome = "得分结果已为红色" if level == "red" else f"覆盖得分结果{colour(level)}"
        steps.append(
            cite(
                loaded,
                f"direct_red.{code}",
                case.citation,
                "直接判定",
                f"{code} {case.text} → 直接判定为红色，{outcome}",
            )
        )
    if reds_raw:
        level = "red"
    return Decision("hc_diagnosis", loaded.ref, number(score), level, level == "red", trace=tuple(steps))
