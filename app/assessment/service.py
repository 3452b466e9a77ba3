"""考核 scorecards: per child region of a region the caller may see, for a month / quarter / year; each
indicator's value, score, rank among peers and change vs the previous period; drill-down to the records.

Scoping: the parent region must lie in the caller's region subtree (region rule, out of scope = 404); the
records are counted through the one enterprise scoping rule (hazards on their copied region columns), so
an inspector's card counts only the industries he supervises. Counting is one GROUP BY per base measure
for the period and the previous one together (a filtered count per period and narrowing;
app/assessment/indicators.py), never a query per region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.assessment import indicators
from app.assessment.indicators import MEASURES, Ctx
from app.auth.principal import Principal
from app.errors import BadInput, Forbidden, NotFound
from app.regions import service as regions
from app.regions.models import LEVEL_NAMES, Region
from app.rules_engine import assessment as scoring
from app.rules_engine.loader import LoadedRuleSet
from app.timeutil import local_today

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")
MAX_DRILL = 2000


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11" | "2026-Q4" | "2026"
    start: date
    end: date

    @property
    def label(self) -> str:
        if "-Q" in self.key:
            return f"{self.key[:4]}年第{self.key[-1]}季度"
        if "-" in self.key:
            return f"{self.key[:4]}年{int(self.key[5:])}月"
        return f"{self.key}年"

    def previous(self) -> Period:
        if "-Q" in self.key:
            y, q = int(self.key[:4]), int(self.key[-1])
            y, q = (y - 1, 4) if q == 1 else (y, q - 1)
            return parse_period(f"{y}-Q{q}")
        if "-" in self.key:
            last = self.start - timedelta(days=1)
            return parse_period(f"{last.year}-{last.month:02d}")
        return parse_period(str(int(self.key) - 1))


def _month_end(y: int, m: int) -> date:
    return (date(y + m // 12, m % 12 + 1, 1)) - timedelta(days=1)


def parse_period(text: str | None, field: str = "period") -> Period:
    """ "2026-11" (month), "2026-Q4" (quarter) or "2026" (year); default: the previous month."""
    if not text:
        first = local_today().replace(day=1) - timedelta(days=1)
        text = f"{first.year}-{first.month:02d}"
    m = _PERIOD.match(text.strip())
    if not m or not 2000 <= int(m.group(1)) <= 2100 or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise BadInput(
            f"考核期 {text!r} 格式不对：应为 2026-11（月）、2026-Q4（季度）或 2026（年）", field=field
        )
    y = int(m.group(1))
    if m.group(2):
        mo = int(m.group(2))
        return Period(f"{y}-{mo:02d}", date(y, mo, 1), _month_end(y, mo))
    if m.group(3):
        q = int(m.group(3))
        return Period(f"{y}-Q{q}", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    return Period(str(y), date(y, 1, 1), date(y, 12, 31))


def _depth(path: str) -> int:
    return len([c for c in path.split("/") if c])


def readable_region(session: Session, user: Principal, code: str, field: str = "region") -> Region:
    """A region in the caller's subtree (the region rule); others answer 404 like unknown codes."""
    if user.role == "enterprise":
        raise Forbidden("企业用户不能查看考核")
    region = session.get(Region, code)
    if region is None or not (user.is_admin or region.path.startswith(user.region_path or "\0")):
        raise NotFound(f"行政区 {code} 不存在", field=field)
    return region


def default_region(session: Session, user: Principal) -> Region:
    if user.role == "enterprise":
        raise Forbidden("企业用户不能查看考核")
    if user.region_code:
        return readable_region(session, user, user.region_code)
    root = session.scalar(select(Region).where(Region.parent_code.is_(None)).order_by(Region.code))
    if root is None:
        raise NotFound("还没有行政区划数据", field="region")
    return root


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _span(ctxs: list[Ctx]) -> Ctx:
    """One context over all the periods (they differ in their dates only)."""
    first = ctxs[0]
    return Ctx(
        min(c.start for c in ctxs),
        max(c.end for c in ctxs),
        first.parent_path,
        first.depth,
        first.user,
        first.dialect,
        first.only,
    )


def count_measures(
    session: Session, names: set[str], ctxs: list[Ctx], only: set[str] | None = None
) -> list[dict[str, dict[str, int]]]:
    """Each measure's count per region code at the contexts' depth, for each context (period): one GROUP BY
    per base measure over the span of the periods, each period and each narrowing a filtered count in it;
    a base without `spans` is counted with one query per period."""
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        narrows = MEASURES[name].narrows
        groups.setdefault(narrows[0] if narrows else name, [])
        if narrows:
            groups[narrows[0]].append(name)
    out: list[dict[str, dict[str, int]]] = [{} for _ in ctxs]
    paths: dict[str, str] = {}  # region code -> path, for the roll-ups (looked up once per card)
    for base, narrowings in groups.items():
        m = MEASURES[base]
        conds = [MEASURES[n].narrows[1] for n in narrowings]  # type: ignore[index]
        batches = (
            [(_span(ctxs), list(range(len(ctxs))))] if m.spans else [(c, [i]) for i, c in enumerate(ctxs)]
        )
        for ctx, which in batches:
            stmt = m.build(ctx)
            region = stmt.selected_columns.region
            cols = []
            for i in which:
                p = ctxs[i]
                inside = m.spans(p) if m.spans else None
                for cond in (None, *conds):
                    parts = [x for x in (inside, cond(p) if cond else None) if x is not None]
                    # COUNT(*) FILTER (WHERE …): PostgreSQL and SQLite ≥ 3.30; cheaper per row than SUM(CASE)
                    cols.append(func.count().filter(and_(*parts)) if parts else func.count())
            rows = [
                (code, list(ns))
                for code, *ns in session.execute(
                    stmt.with_only_columns(region, *cols).group_by(region.element)
                )
            ]
            if m.rollup:
                missing = [code for code, _ in rows if code is not None and code not in paths]
                if missing:
                    paths.update({c: p for c, p in session.execute(indicators.region_paths_stmt(missing))})
                up = indicators.ancestors_at([(c, paths[c]) for c, _ in rows if c in paths], ctx.depth)
            else:
                up = {code: code for code, _ in rows if code is not None}
            width = 1 + len(narrowings)
            for k, i in enumerate(which):
                for j, name in enumerate([base, *narrowings]):
                    if name not in names:
                        continue
                    per: dict[str, int] = {}
                    for code, ns in rows:
                        key = up.get(code)
                        if key is not None and (only is None or key in only):
                            per[key] = per.get(key, 0) + int(ns[k * width + j] or 0)
                    out[i][name] = per
    return out


def _counts(
    session: Session,
    user: Principal,
    loaded: LoadedRuleSet,
    parent: Region,
    periods: list[Period],
    codes: set[str],
) -> list[dict[str, dict[str, tuple[int, int]]]]:
    """Per period: region code -> indicator id -> (numerator, denominator)."""
    depth = _depth(parent.path) + 1
    only = tuple(sorted(codes))
    ctxs = [Ctx(p.start, p.end, parent.path, depth, user, _dialect(session), only) for p in periods]
    names = {n for ind in loaded.model.indicators for n in (ind.numerator, ind.denominator)}
    result = []
    for counts in count_measures(session, names, ctxs, codes):
        out: dict[str, dict[str, tuple[int, int]]] = {c: {} for c in codes}
        for ind in loaded.model.indicators:
            num, den = counts[ind.numerator], counts[ind.denominator]
            for c in codes:
                out[c][ind.id] = (num.get(c, 0), den.get(c, 0))
        result.append(out)
    return result


def _ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """Competition ranking, highest first; regions without a value have no rank."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: (ordered.index(v) + 1 if v is not None else None) for k, v in values.items()}


def scorecards(
    session: Session, user: Principal, parent_code: str | None, period_text: str | None
) -> dict[str, Any]:
    """The scorecards of the child regions of `parent_code` (default: the caller's region)."""
    parent = readable_region(session, user, parent_code) if parent_code else default_region(session, user)
    period = parse_period(period_text)
    children = list(
        session.scalars(select(Region).where(Region.parent_code == parent.code).order_by(Region.code))
    )
    if _depth(parent.path) + 1 > 4:
        children = []
    return _cards(session, user, parent, children, period)


def scorecard(session: Session, user: Principal, code: str, period_text: str | None) -> dict[str, Any]:
    """One region's card, ranked among the peers (children of its parent) the caller may see."""
    region = readable_region(session, user, code)
    period = parse_period(period_text)
    parent = session.get(Region, region.parent_code) if region.parent_code else None
    if parent is None or _depth(region.path) > 4:
        raise BadInput(f"{region.name}没有上级行政区，不能排名；请查看其下级的考核", field="region")
    if user.is_admin or parent.path.startswith(user.region_path or "\0"):
        peers = list(
            session.scalars(select(Region).where(Region.parent_code == parent.code).order_by(Region.code))
        )
    else:
        peers = [region]
    cards = _cards(session, user, parent, peers, period)
    row = next(r for r in cards["rows"] if r["code"] == region.code)
    return {**cards, "region": {"code": region.code, "name": region.name}, "card": row}


def _cards(
    session: Session, user: Principal, parent: Region, children: list[Region], period: Period
) -> dict[str, Any]:
    loaded = scoring.policy_for(parent.path.split("/")[0] or None, period.end)
    codes = {c.code for c in children}
    prev = period.previous()
    # Both periods in one pass over their records (conditional counts), not one pass each.
    now, before = _counts(session, user, loaded, parent, [period, prev], codes) if codes else ({}, {})
    rows: list[dict[str, Any]] = []
    for child in children:
        res = scoring.evaluate(now[child.code], loaded)
        old = scoring.evaluate(before[child.code], loaded)
        olds = {i.id: i for i in old.indicators}
        items = []
        for ind in res.indicators:
            d = ind.to_dict()
            p = olds[ind.id].value
            d["previous"] = p
            d["change"] = round(ind.value - p, 2) if ind.value is not None and p is not None else None
            items.append(d)
        total, old_total = res.decision.score, old.decision.score
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "level": child.level,
                "total": total,
                "total_band": res.total_band,
                "total_tone": res.total_tone,
                "previous_total": old_total,
                "change": round(float(total) - float(old_total), 2)
                if total is not None and old_total is not None
                else None,
                "indicators": items,
                "trace": [t.to_dict() for t in res.decision.trace],
            }
        )
    total_rank = _ranks({r["code"]: r["total"] for r in rows})
    for ind in loaded.model.indicators:
        ranks = _ranks(
            {r["code"]: next(i for i in r["indicators"] if i["id"] == ind.id)["value"] for r in rows}
        )
        for r in rows:
            item = next(i for i in r["indicators"] if i["id"] == ind.id)
            item["rank"] = ranks[r["code"]]
    for r in rows:
        r["rank"] = total_rank[r["code"]]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    return {
        "parent": {"code": parent.code, "name": parent.name, "level": parent.level},
        "level_name": LEVEL_NAMES.get(children[0].level, "") if children else "",
        "period": {"key": period.key, "label": period.label, "start": period.start, "end": period.end},
        "previous_period": prev.key,
        "rule_set": loaded.ref,
        "indicators": [
            {
                "id": i.id,
                "name": i.name,
                "weight": i.weight,
                "numerator": i.numerator,
                "denominator": i.denominator,
            }
            for i in loaded.model.indicators
        ],
        "peers": len(rows),
        "rows": rows,
    }


def drilldown(
    session: Session, user: Principal, code: str, indicator: str, part: str, period_text: str | None
) -> dict[str, Any]:
    """The records behind one figure of a region's card: the numerator's or the denominator's rows."""
    region = readable_region(session, user, code)
    period = parse_period(period_text)
    if part not in ("numerator", "denominator"):
        raise BadInput("part 须为 numerator（分子）或 denominator（分母）", field="part")
    loaded = scoring.policy_for(region.path.split("/")[0] or None, period.end)
    ind = next((i for i in loaded.model.indicators if i.id == indicator), None)
    if ind is None:
        known = "、".join(i.id for i in loaded.model.indicators)
        raise BadInput(f"未知指标 {indicator!r}，可选：{known}", field="indicator")
    measure = MEASURES[getattr(ind, part)]
    # The region itself as the parent: every record of its subtree (the same set the card counted).
    ctx = Ctx(period.start, period.end, region.path, _depth(region.path), user, _dialect(session))
    sub = measure.build(ctx).subquery()
    total = session.scalar(select(func.count()).select_from(sub)) or 0
    rows = [dict(r._mapping) for r in session.execute(select(sub).order_by(sub.c.id).limit(MAX_DRILL))]
    for r in rows:
        r["link"] = measure.link.format(**r)
        r.pop("region", None)
    return {
        "region": {"code": region.code, "name": region.name},
        "period": period.key,
        "indicator": {"id": ind.id, "name": ind.name},
        "part": part,
        "part_label": "分子" if part == "numerator" else "分母",
        "measure": measure.name,
        "label": measure.label,
        "count": total,
        "truncated": total > len(rows),
        "rows": rows,
    }


def region_children(session: Session, user: Principal, code: str) -> list[Region]:
    region = readable_region(session, user, code)
    return list(regions.list_regions(session, parent=region.code))
