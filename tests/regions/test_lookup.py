import math

import numpy as np
import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import BadInput, NotFound
from app.regions import service
from app.regions.lookup import IndexEntry, RegionIndex
from app.regions.models import Region
from tests.regions.conftest import import_small


def test_locate_returns_deepest_region(db: Session) -> None:
    import_small(db)
    lons = [100.2, 100.7, 101.5, 103.0, 120.0, math.nan]
    lats = [30.5, 30.5, 31.0, 33.0, 35.0, 30.5]
    assert service.locate_points(db, lons, lats) == ["990101001", "990101", "990102", "990000", None, None]
    town = service.locate_point(db, 100.2, 30.5)
    assert town is not None and town.name == "测试一街道"
    assert service.locate_point(db, 120.0, 35.0) is None


def test_point_on_shared_border_still_gets_a_region(db: Session) -> None:
    import_small(db)
    assert service.locate_points(db, [101.0], [31.5]) in (["990101"], ["990102"])


def test_index_sees_a_new_import_at_once(db: Session) -> None:
    assert service.locate_points(db, [100.2], [30.5]) == [None]
    import_small(db)
    assert service.locate_points(db, [100.2], [30.5]) == ["990101001"]


def test_region_index_without_database() -> None:
    entries = [
        IndexEntry("1", "city", shapely.box(0, 0, 10, 10)),
        IndexEntry("2", "county", shapely.box(0, 0, 5, 5)),
        IndexEntry("3", "township", shapely.box(1, 1, 2, 2)),
    ]
    index = RegionIndex.build(entries)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 11, 2000), rng.uniform(-1, 11, 2000)
    got = index.locate(x, y)
    expected = [
        "3"
        if 1 <= a <= 2 and 1 <= b <= 2
        else "2"
        if a <= 5 and b <= 5 and a >= 0 and b >= 0
        else "1"
        if 0 <= a <= 10 and 0 <= b <= 10
        else None
        for a, b in zip(x, y, strict=True)
    ]
    assert got == expected
    assert RegionIndex.build([]).locate([1.0], [1.0]) == [None]


def test_tree_helpers(db: Session) -> None:
    import_small(db)
    assert [r.code for r in service.region_path(db, "990101001")] == [
        "990000",
        "990100",
        "990101",
        "990101001",
    ]
    assert [r.code for r in service.list_regions(db, parent="990100")] == ["990101", "990102"]
    assert [r.code for r in service.list_regions(db, level="county")] == ["990101", "990102"]
    codes = set(
        db.scalars(select(Region.code).where(Region.code.in_(service.subtree_codes("990000/990100/"))))
    )
    assert codes == {"990100", "990101", "990102", "990101001"}
    with pytest.raises(NotFound, match="990199"):
        service.get_region(db, "990199")
    with pytest.raises(BadInput, match="未知的区划级别"):
        service.list_regions(db, level="planet")


def test_region_geojson(db: Session) -> None:
    import_small(db)
    feature = service.region_geojson(service.get_region(db, "990102"))
    assert feature["type"] == "Feature" and feature["id"] == "990102"
    assert feature["properties"]["name"] == "测试二区"
    assert shapely.geometry.shape(feature["geometry"]).equals(shapely.box(101, 30, 102, 32))
    assert "note" not in feature["properties"]


@pytest.mark.parametrize(
    ("lon", "lat", "field", "needle"),
    [
        (200.0, 39.9, "lon", "经度"),
        (119.6, 80.0, "lat", "纬度"),
        (39.93, 119.6, "lon", "经度和纬度可能填反了"),
        (None, 39.9, "lon", "缺少经度"),
        (119.6, math.inf, "lat", "有限数值"),
    ],
)
def test_check_coordinates(lon: float | None, lat: float | None, field: str, needle: str) -> None:
    with pytest.raises(BadInput) as info:
        service.check_coordinates(lon, lat)
    assert info.value.field == field
    assert needle in info.value.detail


def test_check_coordinates_prefix_and_ok() -> None:
    service.check_coordinates(119.6, 39.93)
    with pytest.raises(BadInput) as info:
        service.check_coordinates(-119.6, 39.93, field_prefix="site_")
    assert info.value.field == "site_lon" and "site_lon" in info.value.detail
