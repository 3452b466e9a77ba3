import itertools

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.regions import service
from app.regions.demo import load_demo_regions
from app.regions.models import Region


def test_demo_regions(db: Session) -> None:
    report = load_demo_regions(db)  # its speed is measured in benchmarks/bench_regions.py
    assert report.errors == []
    counts = dict(db.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert counts == {"province": 1, "city": 1, "county": 7, "township": 102}
    city = service.get_region(db, "130300")
    assert city.parent_code == "130000" and city.path == "130000/130300/" and not city.is_synthetic

    for district in service.list_regions(db, parent="130300"):
        assert district.geometry is not None
        area = shapely.from_wkb(district.geometry)
        towns = service.list_regions(db, parent=district.code)
        assert towns, district.name
        cells = [shapely.from_wkb(t.geometry) for t in towns if t.geometry is not None]
        assert len(cells) == len(towns)
        for town, cell in zip(towns, cells, strict=True):
            assert town.is_synthetic and "示意" in (town.source or "")
            assert cell.is_valid and cell.area > 0
            assert cell.difference(area).area <= 1e-9 * area.area, town.name
        for a, b in itertools.combinations(cells, 2):
            assert a.intersection(b).area <= 1e-9 * area.area
        # Together the cells cover the district.
        assert abs(shapely.union_all(cells).area - area.area) <= 1e-6 * area.area


def test_demo_is_deterministic_and_idempotent(db: Session) -> None:
    load_demo_regions(db)
    first = {r.code: r.geometry for r in db.scalars(select(Region))}
    again = load_demo_regions(db)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 111
    assert {r.code: r.geometry for r in db.scalars(select(Region))} == first


def test_demo_point_lookup(db: Session) -> None:
    load_demo_regions(db)
    # 北戴河 (WGS84): inside 北戴河区, so the answer is one of its synthetic townships.
    town = service.locate_point(db, 119.48, 39.83)
    assert town is not None and town.level == "township" and town.parent_code == "130304"
    feature = service.region_geojson(town)
    assert feature["properties"]["is_synthetic"] is True and "示意" in feature["properties"]["note"]
