"""Map scale targets, through the builder's data-in API (build_map takes plain data).

河北省: 167 districts (maps/data, GCJ-02 → WGS84 as on import) with 50 000 enterprises:
HTML ≤ 5 MB, built ≤ 5 s, first render in headless Chromium (standalone file, no network) ≤ 3 s, counted
from navigation until the map is ready (every layer drawn) and painted, and only if polygons, legend, layer
control and the enterprise layer are there with all 50 000 enterprises counted in clusters or markers;
zooming in to single markers ≤ 1 s. A township with 200 enterprises builds ≤ 0.5 s and renders ≤ 1 s.
"""

import json
import random
import time

import shapely

from app.config import PROJECT_ROOT
from app.mapping.builder import (
    GRID_MAX_ZOOM,
    EnterprisePoint,
    MapOptions,
    RegionShape,
    build_map,
    render_html,
)
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


# What a user sees once the map says it is ready: it only counts as rendered if all of this is there.
SEEN = """() => {
  const all = s => [...document.querySelectorAll(s)];
  const layer = all('.leaflet-control-layers-overlays label')
    .find(l => l.textContent.includes('企业（'));
  return {
    polygons: all('path.sk-region').length,
    clusters: all('.sk-cluster').length,
    markers: all('.sk-ent').length,
    enterprises: all('.sk-cluster span').reduce((n, e) => n + +e.textContent, 0) + all('.sk-ent').length,
    legend: all('[data-sk=legend]').length === 1,
    layer_on: !!layer && layer.querySelector('input').checked,
  };
}"""

# Zoom the map (Folium's global map_… variable) to [lat, lon, zoom], resolve with the seconds until the
# markers there are drawn and painted.
ZOOM_TO = """async ([lat, lon, zoom]) => {
  const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
  const started = performance.now();
  await new Promise(done => { map.once('moveend', done); map.setView([lat, lon], zoom, {animate: false}); });
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return (performance.now() - started) / 1000;
}"""


def _first_render(html: str, shapes: int, points: int, zoom_to: tuple[float, float] | None = None):
    """(seconds to first render, seconds to zoom in to single markers or None); AssertionError if the
    map is not usable then (polygons, legend, enterprise layer on and every enterprise counted)."""
    from app.mapping.cli import open_map

    with open_map(html) as (page, rendered):
        seen = page.evaluate(SEEN)
        usable = seen["polygons"] == shapes and seen["legend"] and seen["layer_on"]
        assert usable and seen["enterprises"] == points, f"map not usable at first render: {seen}"
        assert page.locator(".leaflet-control-layers").count() == 1
        zoomed = None
        if zoom_to is not None:
            zoomed = page.evaluate(ZOOM_TO, [zoom_to[1], zoom_to[0], GRID_MAX_ZOOM + 1])
            seen = page.evaluate(SEEN)
            assert seen["markers"] > 0, f"no single enterprise drawn when zoomed in: {seen}"
    return rendered, zoomed


def main() -> list[dict]:
    shapes = districts()
    points = points_in(shapes, 50_000)
    for s in shapes:
        shapely.prepare(s.geometry)
    html, built = _build(shapes, points, standalone=False)
    size_mb = len(html.encode()) / 1e6
    standalone, _ = _build(shapes, points, standalone=True)
    rendered, zoomed = _first_render(standalone, len(shapes), len(points), (points[0].lon, points[0].lat))

    township = [RegionShape("130302001", "文化路街道", shapely.box(119.58, 39.92, 119.62, 39.96), "yellow")]
    town_points = points_in(township, 200)
    _build(township, town_points, standalone=False)  # warm-up (imports, templates)
    _, town_built = _build(township, town_points, standalone=False)
    town_html, _ = _build(township, town_points, standalone=True)
    town_rendered, _ = _first_render(town_html, 1, len(town_points))
    return [
        {"name": "hebei 167 districts + 50k enterprises: HTML size", "value": size_mb, "unit": "MB",
         "target": "≤ 5", "ok": size_mb <= 5},
        {"name": "hebei: build (build_map + render_html)", "value": built, "unit": "s",
         "target": "≤ 5", "ok": built <= 5},
        {"name": "hebei: first render in headless Chromium (standalone, offline)", "value": rendered,
         "unit": "s", "target": "≤ 3", "ok": rendered <= 3},
        {"name": f"hebei: zoom in to {GRID_MAX_ZOOM + 1} (single markers drawn)", "value": zoomed,
         "unit": "s", "target": "≤ 1", "ok": zoomed is not None and zoomed <= 1},
        {"name": "township 200 enterprises: build", "value": town_built, "unit": "s",
         "target": "≤ 0.5", "ok": town_built <= 0.5},
        {"name": "township 200 enterprises: first render", "value": town_rendered, "unit": "s",
         "target": "≤ 1", "ok": town_rendered <= 1},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in main():
        print(row)
