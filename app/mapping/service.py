"""From the database to build_map's plain data, scoped to the caller. No HTTP here.

Who may see a regional map: admin everywhere; inspectors and township users their region subtree
(out of it answers 404, as if the region did not exist). Enterprise users get 403: the four-colour map
shows other enterprises' levels, which are not theirs to read. Points on the map are the enterprises the
caller may read (an inspector limited to some industries sees only those), while region levels are the
stored RegionLevel rows computed over all enterprises.
"""

from dataclasses import dataclass, field
from typing import Any

import shapely
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Forbidden, NotFound
from app.grading import regional
from app.grading.models import EnterpriseLevel
from app.mapping import providers
from app.mapping.builder import EnterprisePoint, MapLayers, MapOptions, RegionShape
from app.regions import service as regions
from app.regions.models import LEVEL_NAMES, Region
from app.timeutil import fmt_local

UNLOCATED_SHOWN = 500  # the page lists at most this many enterprises without coordinates


@dataclass
class RegionMapData:
    region: Region
    shapes: list[RegionShape]
    points: list[EnterprisePoint]
    unlocated: list[tuple[int, str]]  # (id, name) of enterprises without coordinates
    unlocated_total: int
    layers: MapLayers
    missing_geometry: list[str] = field(default_factory=list)  # names of regions that cannot be drawn
    computed_at: str | None = None
    # No subdivision has a boundary (e.g. a township without village boundaries): the map draws the
    # region itself, outlined, and its enterprises carry the colours.
    outline: bool = False

    @property
    def title(self) -> str:
        return map_title(self.region)


def map_title(region: Region) -> str:
    return f"{region.name}安全风险四色分布图"


def readable_region(session: Session, user: Principal, code: str) -> Region:
    """The region if this user may see its map; 404 (unknown or out of scope) or 403 (enterprise user)."""
    if user.role == "enterprise":
        raise Forbidden("企业用户不能查看区域安全风险分布图，请查看本企业页面")
    region = session.get(Region, code)
    in_scope = region is not None and (
        user.is_admin or (bool(user.region_path) and region.path.startswith(user.region_path))
    )
    if region is None or not in_scope:
        raise NotFound(f"行政区划 {code} 不存在或不在您的管辖范围内", field="code")
    return region


def drawn_regions(session: Session, region: Region, level: str | None) -> tuple[list[Region], list[str]]:
    """Regions to draw: the given level in the subtree, else the children, else the region itself."""
    if level is not None:
        if level not in LEVEL_NAMES:
            raise BadInput(f"未知的区划级别：{level}（可选 {'、'.join(LEVEL_NAMES)}）", field="level")
        stmt = select(Region).where(Region.path.like(f"{region.path}%"), Region.level == level)
        candidates = list(session.scalars(stmt.order_by(Region.code)))
    else:
        candidates = list(session.scalars(select(Region).where(Region.parent_code == region.code)))
        if not any(r.geometry is not None for r in candidates):
            candidates = [region]
    drawn = [r for r in candidates if r.geometry is not None]
    missing = [r.name for r in candidates if r.geometry is None]
    if not drawn:
        raise BadInput(
            f"{region.name}（{region.code}）及其下级区划没有边界数据，无法绘制地图；请先导入行政区划边界",
            field="code",
        )
    return drawn, missing


def _enterprise_rows(session: Session, user: Principal, region: Region) -> list[Any]:
    current = and_(EnterpriseLevel.enterprise_id == Enterprise.id, EnterpriseLevel.is_current.is_(True))
    stmt = (
        select(
            Enterprise.id,
            Enterprise.name,
            Enterprise.credit_code,
            Enterprise.lon,
            Enterprise.lat,
            Enterprise.is_demo,
            EnterpriseLevel.level,
        )
        .outerjoin(EnterpriseLevel, current)
        .where(Enterprise.region_code.in_(regions.subtree_codes(region.path)), Enterprise.status != "closed")
        .order_by(Enterprise.id)
    )
    return list(session.execute(enterprises.readable(stmt, user)))


def unlocated_enterprises(
    session: Session, user: Principal, region: Region
) -> tuple[list[tuple[int, str]], int]:
    """Enterprises in the subtree without coordinates: (first UNLOCATED_SHOWN as (id, name), total)."""
    rows = [(r.id, r.name) for r in _enterprise_rows(session, user, region) if r.lon is None or r.lat is None]
    return rows[:UNLOCATED_SHOWN], len(rows)


def region_map_data(session: Session, user: Principal, code: str, level: str | None = None) -> RegionMapData:
    region = readable_region(session, user, code)
    drawn, missing = drawn_regions(session, region, level)
    stored = regional.current_levels(session, [r.code for r in drawn])
    shapes = [
        RegionShape(
            code=r.code,
            name=r.name,
            geometry=shapely.from_wkb(r.geometry),
            level=stored[r.code].level if r.code in stored else None,
            counts=stored[r.code].counts if r.code in stored else None,
            is_synthetic=r.is_synthetic,
        )
        for r in drawn
    ]
    points: list[EnterprisePoint] = []
    unlocated: list[tuple[int, str]] = []
    for row in _enterprise_rows(session, user, region):
        if row.lon is None or row.lat is None:
            unlocated.append((row.id, row.name))
        else:
            points.append(
                EnterprisePoint(row.id, row.name, row.lon, row.lat, row.level, row.is_demo, row.credit_code)
            )
    layers = MapLayers(
        major_hazards=providers.major_hazard_points(session, user, region.path),
        major_sources=providers.major_source_points(session, user, region.path),
    )
    times = [row.computed_at for row in stored.values() if row.computed_at is not None]
    return RegionMapData(
        region=region,
        shapes=shapes,
        points=points,
        unlocated=unlocated[:UNLOCATED_SHOWN],
        unlocated_total=len(unlocated),
        layers=layers,
        missing_geometry=missing,
        computed_at=fmt_local(max(times)) if times else None,
        outline=[r.code for r in drawn] == [region.code],
    )


SEARCH_LIMIT = 20  # search answers at most this many enterprises, best first
NAMES_MAX_IDS = 500  # ids asked for at once


def _on_map(user: Principal, region: Region) -> Any:
    """The enterprises a region's map draws for this user (located, not closed, readable), as a query."""
    stmt = select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
        Enterprise.region_code.in_(regions.subtree_codes(region.path)),
        Enterprise.status != "closed",
        Enterprise.lon.is_not(None),
        Enterprise.lat.is_not(None),
    )
    return enterprises.readable(stmt, user)


def _named(rows: Any) -> list[dict[str, Any]]:
    return [{"id": r.id, "name": r.name, "credit_code": r.credit_code} for r in rows]


def map_enterprise_names(
    session: Session, user: Principal, code: str, ids: list[int]
) -> list[dict[str, Any]]:
    """Names of those of `ids` that this user's map of the region draws; others are left out silently."""
    region = readable_region(session, user, code)
    if len(ids) > NAMES_MAX_IDS:
        raise BadInput(f"一次最多查询 {NAMES_MAX_IDS} 家企业", field="ids")
    stmt = _on_map(user, region).where(Enterprise.id.in_(ids)).order_by(Enterprise.id)
    return _named(session.execute(stmt))


def search_map_enterprises(session: Session, user: Principal, code: str, q: str) -> list[dict[str, Any]]:
    """Enterprises on this user's map of the region whose name holds q, or whose 统一社会信用代码 starts
    with it; exact names first, then shorter names."""
    region = readable_region(session, user, code)
    q = q.strip()
    if not q:
        raise BadInput("请输入企业名称或统一社会信用代码", field="q")
    found = Enterprise.name.contains(q, autoescape=True) | Enterprise.credit_code.startswith(
        q.upper(), autoescape=True
    )
    exact = case((Enterprise.name == q, 0), else_=1)
    stmt = _on_map(user, region).where(found)
    stmt = stmt.order_by(exact, func.length(Enterprise.name), Enterprise.id).limit(SEARCH_LIMIT)
    return _named(session.execute(stmt))


def map_options(data: RegionMapData, **kw: Any) -> MapOptions:
    """Title, notes and subtitle for a region's map; kw overrides other MapOptions fields."""
    notes = []
    if data.unlocated_total:
        notes.append(f"另有 {data.unlocated_total} 家企业无坐标，未在图上标注")
    if data.missing_geometry:
        notes.append(f"{len(data.missing_geometry)} 个下级区划无边界：{'、'.join(data.missing_geometry[:5])}")
    if not data.computed_at:
        notes.append("区域等级尚未计算（shuangkong map recompute-levels）")
    if data.outline:
        notes.append("下级区划暂无边界数据，图中按企业标注风险等级")
    subtitle = f"区域等级计算于 {data.computed_at}" if data.computed_at else None
    return MapOptions(title=data.title, subtitle=subtitle, notes=notes, outline=data.outline, **kw)
