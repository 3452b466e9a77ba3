import json
from typing import Any

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.errors import BadInput
from app.regions.gcj02 import wgs84_to_gcj02
from app.regions.geo_import import import_geojson
from app.regions.models import Region
from tests.regions.conftest import SMALL, feature, import_small, region_count

CODES = {"990000", "990100", "990101", "990102", "990101001"}


def audit_rows(db: Session, action: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == "region", AuditEntry.action == action)
    return list(db.scalars(stmt))


def test_happy_path_writes_tree_with_paths_and_bbox(db: Session) -> None:
    report = import_geojson(db, SMALL.read_bytes(), SYSTEM, crs="wgs84")
    assert set(report.created) == CODES
    assert report.updated == [] and report.errors == [] and report.warnings == []
    town = db.get(Region, "990101001")
    assert town is not None
    assert town.level == "township" and town.parent_code == "990101"
    assert town.path == "990000/990100/990101/990101001/"
    assert (town.min_lon, town.min_lat, town.max_lon, town.max_lat) == (100.0, 30.0, 100.5, 31.0)
    assert town.geometry is not None
    assert shapely.from_wkb(town.geometry).equals(shapely.box(100, 30, 100.5, 31))
    province = db.get(Region, "990000")
    assert province is not None and province.parent_code is None and province.path == "990000/"
    assert not province.is_synthetic


def test_one_audit_row_per_written_region(db: Session) -> None:
    import_small(db)
    rows = audit_rows(db, "region.create")
    assert sorted(r.entity_id for r in rows) == sorted(CODES)
    town = next(r for r in rows if r.entity_id == "990101001")
    assert town.actor_name == "system"
    assert town.region_path == "990000/990100/990101/990101001/"
    assert town.after is not None and town.after["name"] == "测试一街道"


def test_reimport_is_idempotent_and_updates_changes(db: Session, fc: dict[str, Any]) -> None:
    import_small(db)
    again = import_small(db)
    assert again.created == [] and again.updated == [] and set(again.unchanged) == CODES
    assert len(audit_rows(db, "region.update")) == 0

    feature(fc, "990102")["properties"]["name"] = "测试二区（新）"
    feature(fc, "990102")["geometry"]["coordinates"] = [
        [[101, 30], [102.5, 30], [102.5, 32], [101, 32], [101, 30]]
    ]
    changed = import_small(db, fc)
    assert changed.updated == ["990102"]
    district = db.get(Region, "990102")
    assert district is not None and district.name == "测试二区（新）" and district.max_lon == 102.5
    assert district.version == 2
    (update,) = audit_rows(db, "region.update")
    assert update.before is not None and update.before["name"] == "测试二区"
    assert update.after is not None and update.after["name"] == "测试二区（新）"
    assert region_count(db) == 5


def test_gcj02_input_is_stored_as_wgs84(db: Session, fc: dict[str, Any]) -> None:
    for f in fc["features"]:
        ring = f["geometry"]["coordinates"][0]
        lon, lat = wgs84_to_gcj02([p[0] for p in ring], [p[1] for p in ring])
        f["geometry"]["coordinates"] = [[[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]]
    import_geojson(db, fc, SYSTEM, crs="gcj02")
    town = db.get(Region, "990101001")
    assert town is not None and town.geometry is not None
    back = shapely.from_wkb(town.geometry)
    assert back.hausdorff_distance(shapely.box(100, 30, 100.5, 31)) < 1e-8


def test_custom_property_names_english_levels_and_implied_parents(db: Session) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"gb": 990101, "mc": "测试一区", "jb": "district"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[100, 30], [101, 30], [101, 32], [100, 30]]],
                },
            },
            {
                "type": "Feature",
                "properties": {"gb": "990100", "mc": "测试市", "jb": "city"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[100, 30], [102, 30], [102, 32], [100, 30]]],
                },
            },
        ],
    }
    report = import_geojson(
        db, fc, SYSTEM, code_property="gb", name_property="mc", level_property="jb", parent_property="sj"
    )
    assert set(report.created) == {"990100", "990101"}
    district = db.get(Region, "990101")
    # No parent property: the parent is the one its code implies, since it is in the file.
    assert district is not None and district.parent_code == "990100" and district.path == "990100/990101/"


def test_parent_may_already_be_in_database(db: Session, fc: dict[str, Any]) -> None:
    import_small(db)
    only_town = {"type": "FeatureCollection", "features": [feature(fc, "990101001")]}
    report = import_small(db, only_town)
    assert report.unchanged == ["990101001"]


# ------------------------------------------------------------------ bad input: nothing written


def assert_rejected(db: Session, data: Any, *needles: str) -> BadInput:
    before = region_count(db)
    with pytest.raises(BadInput) as info:
        import_geojson(db, data, SYSTEM, crs="wgs84")
    text = info.value.detail + json.dumps(info.value.extra, ensure_ascii=False)
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text}"
    assert region_count(db) == before
    assert audit_rows(db, "region.create") == []
    return info.value


def test_not_a_feature_collection(db: Session) -> None:
    assert_rejected(db, {"type": "Feature", "properties": {}, "geometry": None}, "FeatureCollection")
    assert_rejected(db, b"[1, 2", "JSON")


def test_unknown_crs(db: Session) -> None:
    with pytest.raises(BadInput) as info:
        import_geojson(db, SMALL.read_bytes(), SYSTEM, crs="bd09")
    assert info.value.field == "crs"


def test_empty_feature_collection(db: Session) -> None:
    assert_rejected(db, {"type": "FeatureCollection", "features": []}, "没有任何要素")


def test_self_intersecting_polygon_is_rejected_with_location(db: Session, fc: dict[str, Any]) -> None:
    bow_tie = [[[100, 30], [101, 31], [101, 30], [100, 31], [100, 30]]]
    feature(fc, "990101")["geometry"]["coordinates"] = bow_tie
    err = assert_rejected(db, fc, "第 2 个要素", "990101", "测试一区", "自相交", "经度 100.5")
    assert err.extra["errors"][0]["code"] == "990101"


def test_empty_polygon_is_rejected(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990102")["geometry"]["coordinates"] = []
    assert_rejected(db, fc, "第 3 个要素", "990102", "几何为空")


def test_missing_geometry_and_wrong_type(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990102")["geometry"] = None
    feature(fc, "990100")["geometry"] = {"type": "Point", "coordinates": [101, 31]}
    err = assert_rejected(db, fc, "990102", "缺少几何", "990100", "Point")
    assert len(err.extra["errors"]) == 2  # every error reported, not only the first


def test_missing_and_malformed_code(db: Session, fc: dict[str, Any]) -> None:
    del feature(fc, "990102")["properties"]["adcode"]
    feature(fc, "990100")["properties"]["adcode"] = "99010"
    assert_rejected(db, fc, "第 3 个要素", "测试二区", "缺少区划代码", "'99010'", "6、9 或 12 位数字")


def test_duplicated_code(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990102")["properties"]["adcode"] = "990101"
    assert_rejected(db, fc, "第 3 个要素", "区划代码重复", "与第 2 个要素相同")


def test_parent_that_does_not_exist(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990101001")["properties"]["parent_adcode"] = "990109"
    assert_rejected(db, fc, "第 1 个要素", "990101001", "上级区划 990109 不存在")


def test_unknown_level_and_level_order(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990102")["properties"]["level"] = "特区"
    feature(fc, "990100")["properties"]["level"] = "乡镇"
    assert_rejected(db, fc, "未知的区划级别", "'特区'", "不高于本级")


def test_projected_or_swapped_coordinates(db: Session, fc: dict[str, Any]) -> None:
    feature(fc, "990102")["geometry"]["coordinates"] = [
        [[30, 101], [30, 102], [32, 102], [32, 101], [30, 101]]
    ]
    feature(fc, "990100")["geometry"]["coordinates"] = [
        [[1.1e7, 3.5e6], [1.2e7, 3.5e6], [1.2e7, 3.6e6], [1.1e7, 3.5e6]]
    ]
    assert_rejected(db, fc, "经度和纬度可能填反了", "投影坐标")


# ------------------------------------------------------------------ safe repairs


def test_duplicate_vertex_and_unclosed_ring_are_repaired_with_warning(
    db: Session, fc: dict[str, Any]
) -> None:
    feature(fc, "990102")["geometry"]["coordinates"] = [
        [[101, 30], [102, 30], [102, 30], [102, 32], [101, 32]]
    ]
    report = import_small(db, fc)
    texts = [w.text for w in report.warnings]
    assert any("990102" in t and "重复顶点" in t for t in texts), texts
    assert any("990102" in t and "未闭合" in t for t in texts), texts
    district = db.get(Region, "990102")
    assert district is not None and district.geometry is not None
    assert shapely.from_wkb(district.geometry).equals(shapely.box(101, 30, 102, 32))


def test_touching_parts_are_merged_when_area_is_unchanged(db: Session, fc: dict[str, Any]) -> None:
    # Two halves sharing an edge: an invalid MultiPolygon that make_valid merges without changing area.
    halves = [
        [[[101, 30], [101.5, 30], [101.5, 32], [101, 32], [101, 30]]],
        [[[101.5, 30], [102, 30], [102, 32], [101.5, 32], [101.5, 30]]],
    ]
    feature(fc, "990102")["geometry"] = {"type": "MultiPolygon", "coordinates": halves}
    report = import_small(db, fc)
    assert any("已自动修复" in w.text and "990102" in w.text for w in report.warnings)
    district = db.get(Region, "990102")
    assert district is not None and district.geometry is not None
    repaired = shapely.from_wkb(district.geometry)
    assert repaired.is_valid and abs(repaired.area - 2.0) < 1e-12


def test_overlapping_parts_are_rejected(db: Session, fc: dict[str, Any]) -> None:
    overlapping = [
        [[[101, 30], [101.8, 30], [101.8, 32], [101, 32], [101, 30]]],
        [[[101.2, 30], [102, 30], [102, 32], [101.2, 32], [101.2, 30]]],
    ]
    feature(fc, "990102")["geometry"] = {"type": "MultiPolygon", "coordinates": overlapping}
    assert_rejected(db, fc, "990102", "无法安全修复")


def test_audit_count_matches_written_rows(db: Session) -> None:
    import_small(db)
    total = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "region"))
    assert total == 5


def test_moving_a_region_moves_its_subtree(db: Session, fc: dict[str, Any]) -> None:
    import_small(db)
    town = {
        "type": "Feature",
        "properties": {"adcode": "990102001", "name": "测试二街道", "level": "街道"},
        "geometry": {"type": "Polygon", "coordinates": [[[101, 30], [101.5, 30], [101.5, 31], [101, 30]]]},
    }
    import_small(db, {"type": "FeatureCollection", "features": [town]})
    moved = db.get(Region, "990102001")
    assert moved is not None and moved.path == "990000/990100/990102/990102001/"

    district = feature(fc, "990102")
    district["properties"]["parent_adcode"] = "990200"
    city = {
        "type": "Feature",
        "properties": {"adcode": "990200", "name": "测试新市", "level": "市", "parent_adcode": "990000"},
        "geometry": district["geometry"],
    }
    report = import_small(db, {"type": "FeatureCollection", "features": [district, city]})
    assert report.created == ["990200"] and report.updated == ["990102"]
    db.refresh(moved)
    assert moved.path == "990000/990200/990102/990102001/"
    (audit,) = [r for r in audit_rows(db, "region.update") if r.entity_id == "990102001"]
    assert audit.before == {"path": "990000/990100/990102/990102001/"}
