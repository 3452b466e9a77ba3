"""Map scale targets, through the builder's data-in API (build_map takes plain data), each beside a
baseline: a lean plain-Folium build of the same data (lean_folium_build below).

河北省: 167 districts (maps/data, GCJ-02 → WGS84 as on import) with 50 000 enterprises (issue #16 "map"):
the page the server sends (names fetched on demand) ≤ 2.0 MB, and the standalone file (scripts inlined,
names in a side file) ≤ 2.0 MB; built no slower than the baseline; first draw in headless Chromium
(standalone, offline) ≤ 1 s, counted from navigation until the map is ready (every layer drawn) and
painted, and only if polygons, legend, layer control and the enterprise layer are there with all 50 000
enterprises counted in clusters or markers; zooming in to single markers ≤ 1 s; searching a name and
zooming to it ≤ 1 s. A township with 200 enterprises builds ≤ 0.5 s and renders ≤ 1 s.
Times are the best of a few runs (the machine is shared), for the project and the baseline alike.
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
            code = f"91130000MA{len(out):08d}"  # 18 characters, like a 统一社会信用代码
            out.append(EnterprisePoint(len(out) + 1, name, x, y, rng.choice(LEVELS), credit_code=code))
    return out


NAMES_FILE = "hebei_names.js"
NAMES_API = "/api/maps/region/130000/enterprises"
RUNS = 3  # timings: the best of this many runs


def _options(standalone: bool) -> MapOptions:
    # Standalone: a file on disk with its names side file; else the server's page (names on demand).
    return MapOptions(
        title="河北省安全风险四色分布图",
        link_base=None,
        names_file=NAMES_FILE if standalone else None,
        names_api=None if standalone else NAMES_API,
    )


def _build(shapes: list[RegionShape], points: list[EnterprisePoint], standalone: bool) -> tuple[str, float]:
    options = _options(standalone)
    started = time.perf_counter()
    html = render_html(build_map(shapes, points, None, options), options, standalone=standalone)
    return html, time.perf_counter() - started


LEAN_COLOURS = {
    "red": "#d7191c",
    "orange": "#fd8d3c",
    "yellow": "#ffd700",
    "blue": "#2c7bb6",
    None: "#b0b0b0",
}
LEAN_MARKER = "function (row) { return L.marker([row[0], row[1]]).bindTooltip(row[2]); }"
# Folium sets nothing when the map is drawn; the baseline page says so itself, like map.js does.
LEAN_READY = (
    "document.addEventListener('DOMContentLoaded', () => document.body.setAttribute('data-sk-ready', '1'));"
)


def lean_folium_build(shapes: list[RegionShape], points: list[EnterprisePoint]) -> tuple[str, float]:
    """The baseline: what a plain Folium script makes of the same data, done leanly. Districts simplified
    each on its own (same tolerance as the builder, preserve_topology), coordinates rounded to 1e-5°, as
    one GeoJson coloured by level with a name tooltip; enterprises as a FastMarkerCluster of
    [lat, lon, name] rows, names in the page. Folium's scripts are pointed at the same local files (no
    CDN), so the first draw can be timed offline. Returns (html, seconds to build)."""
    import folium
    import numpy as np
    from branca.element import Element
    from folium.plugins import FastMarkerCluster

    from app.mapping import assets
    from app.mapping.builder import SIMPLIFY_FRACTION

    started = time.perf_counter()
    geoms = np.array([s.geometry for s in shapes], dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    geoms = shapely.simplify(geoms, max(x1 - x0, y1 - y0) * SIMPLIFY_FRACTION, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda c: np.round(c, 5))
    features = [
        {"type": "Feature", "properties": {"name": s.name, "level": s.level}, "geometry": json.loads(g)}
        for s, g in zip(shapes, shapely.to_geojson(geoms), strict=True)
    ]
    # No tiles (offline), so the zoom range is set on the map: markercluster needs a maxZoom.
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=7, tiles=None, maxZoom=16)
    m.fit_bounds([[y0, x0], [y1, x1]])
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="区县",
        style_function=lambda f: {
            "fillColor": LEAN_COLOURS[f["properties"]["level"]],
            "color": "#444",
            "weight": 1,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    rows = [[round(p.lat, 5), round(p.lon, 5), p.name] for p in points]
    cluster = FastMarkerCluster(rows, callback=LEAN_MARKER, name=f"企业（{len(points)} 家）")
    cluster.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().script.add_child(Element(LEAN_READY))  # type: ignore[attr-defined]  # a Figure
    local = assets.js_urls(assets.ASSET_PREFIX)
    m.default_js = [u for u in local if "map.js" not in u[1]]
    m.default_css = [u for u in assets.css_urls(assets.ASSET_PREFIX) if "map.css" not in u[1]]
    cluster.default_js, cluster.default_css = [], []
    html = m.get_root().render()
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


# Type a name into the search box, pick the first answer; resolve with the seconds until its popup shows.
SEARCH = """async (name) => {
  const started = performance.now();
  const input = document.querySelector('[data-sk=search] input');
  input.value = name;
  input.dispatchEvent(new Event('input'));
  const until = test => new Promise(done => {
    const tick = () => (test() ? done() : requestAnimationFrame(tick));
    tick();
  });
  await until(() => document.querySelector('.sk-search-results button'));
  document.querySelector('.sk-search-results button').click();
  await until(() => (document.querySelector('.leaflet-popup-content') || {}).textContent?.includes(name));
  return (performance.now() - started) / 1000;
}"""


def _first_render(
    html: str,
    shapes: int,
    points: int,
    zoom_to: tuple[float, float] | None = None,
    side_files: dict[str, str] | None = None,
    find: str | None = None,
):
    """(seconds to first render, seconds to zoom in to single markers or None, seconds to find `find` by
    the search box or None); AssertionError if the map is not usable then (polygons, legend, enterprise
    layer on and every enterprise counted)."""
    from app.mapping.cli import open_map

    with open_map(html, side_files=side_files) as (page, rendered):
        seen = page.evaluate(SEEN)
        usable = seen["polygons"] == shapes and seen["legend"] and seen["layer_on"]
        assert usable and seen["enterprises"] == points, f"map not usable at first render: {seen}"
        assert page.locator(".leaflet-control-layers").count() == 1
        zoomed = found = None
        if zoom_to is not None:
            zoomed = page.evaluate(ZOOM_TO, [zoom_to[1], zoom_to[0], GRID_MAX_ZOOM + 1])
            seen = page.evaluate(SEEN)
            assert seen["markers"] > 0, f"no single enterprise drawn when zoomed in: {seen}"
        if find is not None:
            page.wait_for_function("() => document.querySelector('[data-sk=search]')")
            found = page.evaluate(SEARCH, find)
    return rendered, zoomed, found


def _lean_first_draw(html: str) -> float:
    from app.mapping import assets
    from app.mapping.cli import open_map

    with open_map(assets.inline_assets(html, assets.ASSET_PREFIX)) as (page, rendered):
        assert (
            page.locator("path.leaflet-interactive").count() > 0
            and page.locator(".marker-cluster").count() > 0
        )
    return rendered


def _row(name, value, unit, target, ok, baseline=None):  # type: ignore[no-untyped-def]
    row = {"name": name, "value": value, "unit": unit, "target": target, "ok": ok}
    if baseline is not None:
        row |= {"baseline": baseline, "ratio": value / baseline}
    return row


def main() -> list[dict]:
    from app.mapping.builder import names_script

    shapes = districts()
    points = points_in(shapes, 50_000)
    for s in shapes:
        shapely.prepare(s.geometry)
    _build(shapes[:2], points[:10], standalone=False)  # warm-up (imports, templates), for both
    lean_folium_build(shapes[:2], points[:10])
    ours, lean = [], []
    for _ in range(RUNS):  # taking turns, so both see the same load on a shared machine
        ours.append(_build(shapes, points, standalone=False))
        lean.append(lean_folium_build(shapes, points))
    (html, _), (lean_html, _) = ours[0], lean[0]
    built, lean_built = min(t for _, t in ours), min(t for _, t in lean)
    size_mb, lean_mb = len(html.encode()) / 1e6, len(lean_html.encode()) / 1e6
    standalone, _ = _build(shapes, points, standalone=True)
    standalone_mb = len(standalone.encode()) / 1e6
    names = names_script(points)
    side = {NAMES_FILE: names}
    draws = [_first_render(standalone, len(shapes), len(points), side_files=side) for _ in range(RUNS - 1)]
    target = points[len(points) // 3]
    draws.append(
        _first_render(standalone, len(shapes), len(points), (points[0].lon, points[0].lat), side, target.name)
    )
    rendered = min(d[0] for d in draws)
    _, zoomed, found = draws[-1]
    lean_rendered = min(_lean_first_draw(lean_html) for _ in range(RUNS))

    township = [RegionShape("130302001", "文化路街道", shapely.box(119.58, 39.92, 119.62, 39.96), "yellow")]
    town_points = points_in(township, 200)
    _build(township, town_points, standalone=False)  # warm-up (imports, templates)
    _, town_built = _build(township, town_points, standalone=False)
    town_html, _ = _build(township, town_points, standalone=True)
    town_rendered, _, _ = _first_render(
        town_html, 1, len(town_points), side_files={NAMES_FILE: names_script(town_points)}
    )
    return [
        _row("hebei 167 districts + 50k enterprises: HTML the server sends (names on demand)", size_mb, "MB",
             "≤ 2.0", size_mb <= 2.0, lean_mb),
        _row("hebei: standalone HTML (scripts inlined; names in a side file)", standalone_mb, "MB",
             "≤ 2.0", standalone_mb <= 2.0, lean_mb),
        _row(f"hebei: the standalone file's names side file ({NAMES_FILE}, read when a name is first needed)",
             len(names.encode()) / 1e6, "MB", "—", True),
        _row("hebei: build (build_map + render_html)", built, "s", "≤ baseline", built <= lean_built,
             lean_built),
        _row("hebei: first draw in headless Chromium (standalone, offline)", rendered, "s", "≤ 1",
             rendered <= 1, lean_rendered),
        _row(f"hebei: zoom in to {GRID_MAX_ZOOM + 1} (single markers drawn)", zoomed, "s", "≤ 1",
             zoomed is not None and zoomed <= 1),
        _row("hebei: search box finds a name and zooms to it (side file)", found, "s", "≤ 1",
             found is not None and found <= 1),
        _row("township 200 enterprises: build", town_built, "s", "≤ 0.5", town_built <= 0.5),
        _row("township 200 enterprises: first render", town_rendered, "s", "≤ 1", town_rendered <= 1),
    ]  # fmt: skip


if __name__ == "__main__":
    for row in main():
        print(row)
