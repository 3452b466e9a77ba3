"""Map scale targets, through the builder's data-in API (build_map takes plain data).

河北省: 167 districts (maps/data, GCJ-02 → WGS84 as on import) with 50 000 enterprises:
HTML ≤ 5 MB, built ≤ 5 s, first render in headless Chromium (standalone file, no network) ≤ 3 s.
A township with 200 enterprises builds ≤ 0.5 s.
"""

import json
import random
import time

import shapely

from app.config import PROJECT_ROOT
from app.mapping.builder import EnterprisePoint, MapOptions, RegionShape, build_map, render_html
from app.regions.gcj02 import geometry_to_wgs84

HEBEI = PROJECT_ROOT / "maps" / "data" / "hebei-130000-province-cities-districts.geojson"
LEVELS = ["blue", "blue", "blue", "yellow", "yellow", "orange", "red", None]


def districts() -> list[RegionShape]:
    doc = json.loads(HEBEI.read_text(encoding="utf-8"))
    rng = random.Random(1)
    return [
        RegionShape(
            code=f["properties"]["adcode"],
            name=f["properties"]["name"],
            geometry=geometry_to_wgs84(shapely.geometry.shape(f["geometry"])),
            level=rng.choice(LEVELS),
            counts={"red": 1, "orange": 2, "yellow": 3, "blue": 4, "unrated": 0},
        )
        for f in doc["features"]
        if f["properties"]["level"] == "区县"
    ]


def points_in(shapes: list[RegionShape], n: int, seed: int = 2) -> list[EnterprisePoint]:
    """n points spread over the shapes (rejection sampling in each shape's bbox)."""
    rng = random.Random(seed)
    out: list[EnterprisePoint] = []
    while len(out) < n:
        shape = shapes[len(out) % len(shapes)]
        x0, y0, x1, y1 = shape.geometry.bounds
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shapely.contains_xy(shape.geometry, x, y):
            name = f"河北某某化工有限公司{len(out)}"
            out.append(EnterprisePoint(len(out) + 1, name, x, y, rng.choice(LEVELS)))
    return out


def _build(shapes: list[RegionShape], points: list[EnterprisePoint], standalone: bool) -> tuple[str, float]:
    options = MapOptions(title="河北省安全风险四色分布图", link_base=None)
    started = time.perf_counter()
    html = render_html(build_map(shapes, points, None, options), options, standalone=standalone)
    return html, time.perf_counter() - started


def main() -> list[dict]:
    from app.mapping.cli import snapshot

    shapes = districts()
    points = points_in(shapes, 50_000)
    for s in shapes:
        shapely.prepare(s.geometry)
    html, built = _build(shapes, points, standalone=False)
    size_mb = len(html.encode()) / 1e6
    standalone, _ = _build(shapes, points, standalone=True)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        rendered = snapshot(standalone, Path(tmp) / "hebei.png")

    township = [RegionShape("130302001", "文化路街道", shapely.box(119.58, 39.92, 119.62, 39.96), "yellow")]
    town_points = points_in(township, 200)
    _build(township, town_points, standalone=False)  # warm-up (imports, templates)
    _, town_built = _build(township, town_points, standalone=False)
    return [
        {"name": "hebei 167 districts + 50k enterprises: HTML size", "value": size_mb, "unit": "MB",
         "target": "≤ 5", "ok": size_mb <= 5},
        {"name": "hebei: build (build_map + render_html)", "value": built, "unit": "s",
         "target": "≤ 5", "ok": built <= 5},
        {"name": "hebei: first render in headless Chromium (standalone, offline)", "value": rendered,
         "unit": "s", "target": "≤ 3", "ok": rendered <= 3},
        {"name": "township 200 enterprises: build", "value": town_built, "unit": "s",
         "target": "≤ 0.5", "ok": town_built <= 0.5},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in main():
        print(row)
