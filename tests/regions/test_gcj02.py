import numpy as np
import shapely

from app.regions.gcj02 import gcj02_to_wgs84, geometry_to_gcj02, geometry_to_wgs84, wgs84_to_gcj02


def test_known_point_forward() -> None:
    # Tiananmen area; the widely published reference value of the GCJ-02 forward transform.
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert abs(lon - 116.41024449916938) < 1e-9
    assert abs(lat - 39.91640428150164) < 1e-9


def test_inverse_round_trip_is_accurate_over_china() -> None:
    rng = np.random.default_rng(2)
    lon = rng.uniform(73.0, 136.0, 50_000)
    lat = rng.uniform(3.0, 54.0, 50_000)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    back_lon, back_lat = wgs84_to_gcj02(wlon, wlat)
    assert np.abs(back_lon - lon).max() < 1e-6
    assert np.abs(back_lat - lat).max() < 1e-6
    # And the other way round: GCJ-02 of a WGS84 point maps back to that point.
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.abs(wlon - lon).max() < 1e-8
    assert np.abs(wlat - lat).max() < 1e-8


def test_offset_is_a_few_hundred_metres_in_china() -> None:
    glon, glat = wgs84_to_gcj02(119.6, 39.93)  # 秦皇岛
    shift = np.hypot(glon - 119.6, glat - 39.93)
    assert 0.001 < shift < 0.01


def test_identity_outside_china() -> None:
    lon = np.array([2.35, -74.0, 151.2])
    lat = np.array([48.85, 40.7, -33.9])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(glon, lon) and np.array_equal(glat, lat)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    assert np.array_equal(wlon, lon) and np.array_equal(wlat, lat)


def test_geometry_conversion_round_trip() -> None:
    square = shapely.box(119.0, 39.5, 119.5, 40.0)
    back = geometry_to_gcj02(geometry_to_wgs84(square))
    assert shapely.equals_exact(back, square, tolerance=1e-8)
