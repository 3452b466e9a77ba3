"""Point → region benchmark: 100,000 seeded random points against the 167 districts of 河北省.

No database: the index is built straight from maps/data (GCJ-02 converted to WGS84), exactly as
app.regions.lookup builds it from the regions table. One more row times `load_demo_regions` (the
秦皇岛 demo regions) into a fresh migrated SQLite file.
"""

import json
import tempfile
import time
from typing import Any

import numpy as np

from app.regions.demo import MAPS_DATA
from app.regions.geo_import import parse_geometry
from app.regions.lookup import IndexEntry, RegionIndex

HEBEI = MAPS_DATA / "hebei-130000-province-cities-districts.geojson"
POINTS = 100_000
SEED = 20240601
TARGET_SECONDS = 1.0
LOAD_TARGET = 5.0  # one-off, at startup or import
BUILD_TARGET = 1.0
DEMO_TARGET = 3.0


def _districts() -> list[IndexEntry]:
    doc = json.loads(HEBEI.read_text(encoding="utf-8"))
    entries = []
    for feature in doc["features"]:
        props = feature["properties"]
        if props["level"] != "区县":
            continue
        geom, _, error = parse_geometry(feature["geometry"], "gcj02")
        if geom is None:
            raise RuntimeError(f"{props['adcode']} {props['name']}: {error}")
        entries.append(IndexEntry(props["adcode"], "county", geom))
    return entries


def main() -> list[dict[str, Any]]:
    t0 = time.perf_counter()
    entries = _districts()
    t1 = time.perf_counter()
    index = RegionIndex.build(entries)
    t2 = time.perf_counter()

    bounds = np.array([e.geometry.bounds for e in entries])
    rng = np.random.default_rng(SEED)
    lons = rng.uniform(bounds[:, 0].min(), bounds[:, 2].max(), POINTS)
    lats = rng.uniform(bounds[:, 1].min(), bounds[:, 3].max(), POINTS)
    t3 = time.perf_counter()
    codes = index.locate(lons, lats)
    t4 = time.perf_counter()

    located = sum(c is not None for c in codes)
    load, build, query = t1 - t0, t2 - t1, t4 - t3
    return [
        _row("load + GCJ-02→WGS84 + validate 河北 districts", load, LOAD_TARGET),
        _row("build region index (prepare + bbox arrays)", build, BUILD_TARGET),
        _row(f"point→region, {POINTS:,} points vs {len(entries)} 河北 districts", query, TARGET_SECONDS)
        | {"located": located},
        _row("load_demo_regions (秦皇岛 demo, fresh SQLite)", _demo_load(), DEMO_TARGET),
    ]


def _demo_load() -> float:
    from alembic import command
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.regions.demo import load_demo_regions
    from tests.conftest import alembic_config

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with Session(engine) as session:
            started = time.perf_counter()
            load_demo_regions(session)
            session.commit()
            elapsed = time.perf_counter() - started
        engine.dispose()
    return elapsed


def _row(name: str, seconds: float, target: float) -> dict[str, Any]:
    return {
        "name": name,
        "value": round(seconds, 4),
        "unit": "s",
        "target": f"<= {target:g}",
        "ok": seconds <= target,
    }


if __name__ == "__main__":
    for row in main():
        print(row)
