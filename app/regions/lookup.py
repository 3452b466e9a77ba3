"""Point → deepest region, in memory and vectorised.

The index holds every region that has a geometry: prepared shapely polygons plus their bounding boxes as
numpy arrays. Points are sorted by longitude once, so each region's bbox prefilter is a binary search
plus one comparison over the slice that falls in its longitude band; only the survivors are tested
against the polygon. Regions are visited deepest first and a point stops being tested once it is placed,
so a point inside a township never costs a test against its county, city or province.

One index is cached per database (engine URL). An import in this process drops it at once; other
processes' writes are noticed by comparing count(*) and max(updated_at) of the regions that have a
geometry, at most once every REVALIDATE_SECONDS.
"""

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.regions.models import LEVELS, Region

REVALIDATE_SECONDS = 5.0


@dataclass(frozen=True)
class IndexEntry:
    code: str
    level: str
    geometry: BaseGeometry


@dataclass
class RegionIndex:
    codes: list[str]
    geometries: npt.NDArray[np.object_]
    bounds: npt.NDArray[np.float64]  # (n, 4): min_lon, min_lat, max_lon, max_lat
    stamp: tuple[Any, ...] = ()
    checked_at: float = field(default_factory=time.monotonic)

    @classmethod
    def build(cls, entries: Iterable[IndexEntry], stamp: tuple[Any, ...] = ()) -> "RegionIndex":
        # Deepest first; code order breaks ties so overlapping data gives a stable answer.
        ordered = sorted(entries, key=lambda e: (-LEVELS.get(e.level, 0), e.code))
        geoms = np.array([e.geometry for e in ordered], dtype=object)
        if len(geoms):
            shapely.prepare(geoms)
            bounds = shapely.bounds(geoms).astype(np.float64)
        else:
            bounds = np.empty((0, 4), dtype=np.float64)
        return cls(codes=[e.code for e in ordered], geometries=geoms, bounds=bounds, stamp=stamp)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(
        self, lons: Sequence[float] | npt.ArrayLike, lats: Sequence[float] | npt.ArrayLike
    ) -> list[str | None]:
        """For each point, the code of the deepest region whose polygon covers it, or None."""
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats must have the same length")
        found = np.full(x.shape, -1, dtype=np.int64)
        valid = np.isfinite(x) & np.isfinite(y)
        order = np.argsort(np.where(valid, x, np.inf), kind="stable")
        xs, ys = x[order], y[order]
        n_valid = int(valid.sum())
        placed = np.zeros(x.shape, dtype=bool)  # in sorted order
        for i, (min_x, min_y, max_x, max_y) in enumerate(self.bounds):
            lo = int(np.searchsorted(xs[:n_valid], min_x, side="left"))
            hi = int(np.searchsorted(xs[:n_valid], max_x, side="right"))
            if lo >= hi:
                continue
            band_y = ys[lo:hi]
            candidates = np.flatnonzero((band_y >= min_y) & (band_y <= max_y) & ~placed[lo:hi]) + lo
            if not len(candidates):
                continue
            # Covers, not strictly contains: a point on a shared border still gets a region.
            hit = shapely.intersects_xy(self.geometries[i], xs[candidates], ys[candidates])
            winners = candidates[hit]
            placed[winners] = True
            found[order[winners]] = i
        return [self.codes[i] if i >= 0 else None for i in found.tolist()]


_cache: dict[str, RegionIndex] = {}
_lock = threading.Lock()


def invalidate() -> None:
    """Drop every cached index; call after writing regions outside app.regions.geo_import."""
    with _lock:
        _cache.clear()


def _cache_key(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def _stamp(session: Session) -> tuple[Any, ...]:
    row = session.execute(
        select(func.count(), func.max(Region.updated_at)).where(Region.geometry.is_not(None))
    ).one()
    return (row[0], row[1])


def _interval() -> float:
    # Tests roll back between cases, which a timestamp check every few seconds could not notice.
    return 0.0 if get_settings().mode == "test" else REVALIDATE_SECONDS


def _load(session: Session, stamp: tuple[Any, ...]) -> RegionIndex:
    rows = session.execute(
        select(Region.code, Region.level, Region.geometry).where(Region.geometry.is_not(None))
    ).all()
    wkbs = np.array([r.geometry for r in rows], dtype=object)
    geoms = shapely.from_wkb(wkbs) if len(wkbs) else wkbs
    entries = (IndexEntry(r.code, r.level, g) for r, g in zip(rows, geoms, strict=True))
    return RegionIndex.build(entries, stamp=stamp)


def get_index(session: Session) -> RegionIndex:
    key = _cache_key(session)
    now = time.monotonic()
    with _lock:
        index = _cache.get(key)
    if index is not None and now - index.checked_at < _interval():
        return index
    stamp = _stamp(session)
    if index is not None and index.stamp == stamp:
        index.checked_at = now
        return index
    index = _load(session, stamp)
    with _lock:
        _cache[key] = index
    return index
