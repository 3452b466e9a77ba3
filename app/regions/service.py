"""Reading regions: lookups, subtrees, GeoJSON, and the coordinate sanity check other domains share."""

import math
from collections.abc import Sequence
from typing import Any

import numpy.typing as npt
import shapely
from shapely.geometry import mapping
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.errors import BadInput, NotFound

# China's rough bounding box; anything outside is a typo, a swapped pair or projected coordinates.
from app.fields import CHINA_LAT, CHINA_LON
from app.regions import lookup
from app.regions.gcj02 import gcj02_to_wgs84
from app.regions.models import LEVEL_NAMES, Region

SYNTHETIC_NOTE = "示意边界，非真实行政界线"


def in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def check_coordinates(lon: float | None, lat: float | None, field_prefix: str = "") -> None:
    """Raise BadInput naming the field when (lon, lat) cannot be a WGS84/GCJ-02 point in China."""
    lon_field, lat_field = f"{field_prefix}lon", f"{field_prefix}lat"
    for value, name, label in ((lon, lon_field, "经度"), (lat, lat_field, "纬度")):
        if value is None:
            raise BadInput(f"缺少{label}（{name}）", field=name)
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise BadInput(f"{label}（{name}）必须是有限数值", field=name)
    assert lon is not None and lat is not None
    if in_china(lon, lat):
        return
    if in_china(lat, lon):
        raise BadInput(
            f"经度和纬度可能填反了：{lon_field}={lon}，{lat_field}={lat}；"
            f"中国境内经度约 {CHINA_LON[0]:g}–{CHINA_LON[1]:g}，纬度约 {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}",
            field=lon_field,
        )
    if not CHINA_LON[0] <= lon <= CHINA_LON[1]:
        raise BadInput(
            f"经度（{lon_field}={lon}）超出中国范围（约 {CHINA_LON[0]:g}–{CHINA_LON[1]:g}）", field=lon_field
        )
    raise BadInput(
        f"纬度（{lat_field}={lat}）超出中国范围（约 {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}）", field=lat_field
    )


def checked_wgs84(
    lon: float | None, lat: float | None, crs: str = "wgs84", field_prefix: str = ""
) -> tuple[float, float]:
    """check_coordinates, then the WGS84 point (converted from GCJ-02 when crs is "gcj02")."""
    check_coordinates(lon, lat, field_prefix)
    assert lon is not None and lat is not None
    if crs == "gcj02":
        wlon, wlat = gcj02_to_wgs84(lon, lat)
        return float(wlon), float(wlat)
    return float(lon), float(lat)


def get_region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"行政区划 {code} 不存在", field="code")
    return region


def list_regions(
    session: Session, parent: str | None = None, level: str | None = None, limit: int | None = None
) -> list[Region]:
    """Children of `parent` (or every region when None), optionally of one level, in code order."""
    stmt = select(Region)
    if parent is not None:
        stmt = stmt.where(Region.parent_code == parent)
    if level is not None:
        if level not in LEVEL_NAMES:
            raise BadInput(f"未知的区划级别：{level}（可选 {'、'.join(LEVEL_NAMES)}）", field="level")
        stmt = stmt.where(Region.level == level)
    stmt = stmt.order_by(Region.code)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def subtree_codes(path: str) -> Select[str]:
    """A select() of the codes of the region with this path and all below it, for use in IN (...)."""
    return select(Region.code).where(Region.path.like(f"{path}%"))


def region_path(session: Session, code: str) -> list[Region]:
    """The region and its ancestors, root first."""
    region = get_region(session, code)
    codes = [c for c in region.path.split("/") if c]
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in codes if c in found]


def locate_points(
    session: Session, lons: Sequence[float] | npt.ArrayLike, lats: Sequence[float] | npt.ArrayLike
) -> list[str | None]:
    """Deepest region code containing each WGS84 point (None outside every imported region)."""
    return lookup.get_index(session).locate(lons, lats)


def locate_point(session: Session, lon: float, lat: float) -> Region | None:
    code = locate_points(session, [lon], [lat])[0]
    return None if code is None else session.get(Region, code)


def region_summary(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_name": LEVEL_NAMES.get(region.level, region.level),
        "parent_code": region.parent_code,
        "path": region.path,
        "is_synthetic": region.is_synthetic,
    }


def region_dict(region: Region, *, geometry: bool = False) -> dict[str, Any]:
    out = region_summary(region)
    has_geometry = region.geometry is not None
    out.update(
        has_geometry=has_geometry,
        bbox=[region.min_lon, region.min_lat, region.max_lon, region.max_lat] if has_geometry else None,
        source=region.source,
        note=SYNTHETIC_NOTE if region.is_synthetic else None,
        version=region.version,
        updated_at=region.updated_at.isoformat() if region.updated_at else None,
    )
    if geometry:
        out["geometry"] = _geometry_mapping(region)
    return out


def _geometry_mapping(region: Region) -> dict[str, Any] | None:
    if region.geometry is None:
        return None
    geom = shapely.from_wkb(region.geometry)
    return dict(mapping(geom))


def region_geojson(region: Region) -> dict[str, Any]:
    """A GeoJSON Feature (WGS84); synthetic boundaries carry the 示意 note in their properties."""
    props = region_summary(region)
    if region.is_synthetic:
        props["note"] = SYNTHETIC_NOTE
    return {"type": "Feature", "id": region.code, "properties": props, "geometry": _geometry_mapping(region)}
