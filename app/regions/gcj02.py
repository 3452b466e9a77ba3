"""GCJ-02 ⇄ WGS84, vectorised over numpy arrays.

GCJ-02 is the obfuscated datum that Chinese web maps (高德, 腾讯) publish coordinates in. The forward
transform (WGS84 → GCJ-02) is the published closed form on the Krasovsky 1940 ellipsoid; it has no
closed-form inverse, so GCJ-02 → WGS84 is solved by fixed-point iteration. Outside China's rough
bounding box GCJ-02 equals WGS84.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared

# The box inside which GCJ-02 applies its offset (the conventional "out of China" test).
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

# The offset is at most ~700 m and varies slowly, so the inverse converges by ~1e-3 per step.
_INVERSE_TOLERANCE = 1e-10
_INVERSE_MAX_STEPS = 30


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84 at WGS84 points, in degrees (zero outside the box)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    wave_x = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0

    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += wave_x
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0

    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += wave_x
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)

    inside = _in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _as_arrays(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return lon_a, lat_a


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """Forward transform; accepts scalars or arrays, returns arrays of the broadcast shape."""
    lon_a, lat_a = _as_arrays(lon, lat)
    d_lon, d_lat = _offset(lon_a, lat_a)
    return lon_a + d_lon, lat_a + d_lat


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """Inverse transform by fixed-point iteration: w ← w − (gcj(w) − g). Error < 1e-9 degree."""
    g_lon, g_lat = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon -= e_lon
        w_lat -= e_lat
        worst = max(
            float(np.nanmax(np.abs(e_lon), initial=0.0)), float(np.nanmax(np.abs(e_lat), initial=0.0))
        )
        if worst < _INVERSE_TOLERANCE:
            break
    return w_lon, w_lat


def _coords_fn(forward: bool) -> Any:
    convert = wgs84_to_gcj02 if forward else gcj02_to_wgs84

    def apply(coords: FloatArray) -> FloatArray:
        lon, lat = convert(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return apply


def geometry_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """A shapely geometry in GCJ-02 converted to WGS84 (all vertices in one vectorised call)."""
    return shapely.transform(geom, _coords_fn(forward=False))


def geometry_to_gcj02(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, _coords_fn(forward=True))
