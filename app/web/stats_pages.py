"""Statistics of a region for townships and inspectors: hazards found/closed per month, per industry, per
child region; enterprises per risk level; 挂牌督办 per level. Charts are server-side SVG (app.web.charts)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import ReadSession
from app.errors import Forbidden, NotFound
from app.grading import regional
from app.grading.models import LEVEL_COLOURS, LEVEL_LABELS, LEVEL_ORDER
from app.hazards import ledger
from app.regions import service as regions
from app.supervision import service as supervision
from app.supervision.models import LEVELS
from app.timeutil import local_today
from app.web import charts, region_field
from app.web.common import PageRoute, PageUser, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FOUND = ("found", "发现", "#1f6fd1")
CLOSED = ("closed", "销号", "#2f9e44")
UNRATED_COLOUR = "#9aa5b1"


def _months_back(today: date, n: int) -> date:
    y, m = divmod(today.year * 12 + today.month - 1 - (n - 1), 12)
    return date(y, m + 1, 1)


@router.get("/stats")
def statistics(
    request: Request,
    session: ReadSession,
    user: PageUser,
    region: str | None = None,
    county: str | None = None,
    township: str | None = None,
) -> Response:
    if user.role == "enterprise":
        raise Forbidden("企业用户不能查看区域统计")
    picked = region_field.choices(session, user)
    region_values = {"region": (region or "").strip()[:100], "county": county, "township": township}
    code, errors = region_field.resolve_filter(session, user, picked, region_values)
    code = code or user.region_code
    if code is None:
        roots = regions.list_regions(session, level="province") or regions.list_regions(session, level="city")
        if not roots:
            raise NotFound("还没有行政区划数据")
        code = roots[0].code
    area = regions.get_region(session, code)
    if not user.is_admin and not area.path.startswith(user.region_path or "\0"):
        raise NotFound(f"行政区 {code} 不存在")
    since = _months_back(local_today(), 12)
    f = ledger.Filters(region=code)
    monthly = ledger.statistics(
        session, user, "month", ledger.Filters(region=code, found_from=since), since, None
    )
    for row in monthly:
        row["short"] = row["key"][5:] + "月"
    by_industry = ledger.statistics(session, user, "industry", f, None, None)
    by_region = ledger.statistics(session, user, "region", f, None, None)
    current = regional.current_levels(session, [code]).get(code)
    counts: dict[str, Any] = current.counts if current else {}
    level_items = [
        (LEVEL_LABELS[lv], float(counts.get(lv, 0)), LEVEL_COLOURS[lv]) for lv in reversed(LEVEL_ORDER)
    ]
    level_items.append((regional.UNRATED_LABEL, float(counts.get(regional.UNRATED, 0)), UNRATED_COLOUR))
    cases = supervision.stats(session, user, code, open_only=False)
    totals = {k: sum(r[k] for r in by_region) for k in ledger.COUNTS}
    return page(
        request,
        session,
        "stats.html",
        user,
        area=area,
        totals=totals,
        by_region=by_region,
        by_industry=by_industry,
        cases=cases["rows"],
        LEVELS=LEVELS,
        region_level=regional.level_dict(current) if current else None,
        monthly_chart=charts.grouped_bars(monthly, [FOUND, CLOSED], "近 12 个月隐患发现与销号"),
        industry_chart=charts.grouped_bars(
            [{**r, "short": r["label"][:6]} for r in by_industry], [FOUND, CLOSED], "各行业隐患发现与销号"
        ),
        level_chart=charts.horizontal_bars(level_items, "企业安全风险等级分布"),
        children=regions.list_regions(session, parent=code),
        regions=picked,
        region_values=region_values if errors or code != user.region_code else {},
        errors=errors,
    )
