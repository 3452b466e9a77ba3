"""build_map(regions, enterprises, layers, options): a Folium map from plain data (no database here).

Polygons are simplified as one coverage (shared borders stay shared) and rounded. Enterprises go into the
page in a compact form that static/map.js decodes (see _points_payload): sorted by id, coordinates as
3-byte offsets in base64, levels one digit each, ids as varint deltas. Their names stay out of the page
when MapOptions.names_api (the server's map: fetched on demand) or names_file (a file on disk: a side
script written next to it, see names_script) is set. With many points the browser clusters them on
a grid per zoom itself (cheap: one pass over typed arrays) instead of Leaflet.markercluster's ~50 µs a
point. Big JSON goes into the page after Folium's templates ran (payload tokens), so Jinja never parses
it. Every script and stylesheet comes from ASSET_PREFIX (or is inlined with standalone=True): no CDN.
"""

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.map import FitBounds, Layer
from folium.template import Template
from shapely.geometry.base import BaseGeometry

from app.grading.models import LEVEL_COLOURS, LEVEL_LABELS, LEVEL_ORDER
from app.mapping import assets
from app.mapping.settings import Tiles
from app.regions.gcj02 import geometry_to_gcj02, wgs84_to_gcj02

UNRATED_LABEL = "未评级"
UNRATED_COLOUR = "#b0b0b0"
# Index used in the page: 0 blue, 1 yellow, 2 orange, 3 red, 4 unrated.
LEVEL_INDEX = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
UNRATED_INDEX = len(LEVEL_ORDER)
COLOURS = [LEVEL_COLOURS[lvl] for lvl in LEVEL_ORDER] + [UNRATED_COLOUR]
LABELS = [LEVEL_LABELS[lvl] for lvl in LEVEL_ORDER] + [UNRATED_LABEL]
# The level in one word on each enterprise marker (the four colours' names), so it is not colour alone.
SHORT_LABELS = ["蓝", "黄", "橙", "红", "未"]
COUNT_ORDER = ("red", "orange", "yellow", "blue", "unrated")
SYNTHETIC_MARK = "示意/演示数据"
# A simplified border moves by at most this fraction of the map's larger side: under a pixel when the
# whole map fills a 1000 px view (a province at its first zoom); 河北 ≈ 0.0066° ≈ 600 m, ~5 px at zoom 10.
SIMPLIFY_FRACTION = 1 / 1000
MIN_ZOOM, MAX_ZOOM = 5, 16  # province scale down to streets
# From this many enterprises on, the browser clusters them on its own grid up to GRID_MAX_ZOOM and puts
# only the points near the view into markercluster when zoomed in further (it needs ~50 µs a point).
GRID_MIN_POINTS = 2000
# Past it (zoom 12) a 1400×1000 px view of Hebei with 50 000 enterprises holds ~350 of them.
GRID_MAX_ZOOM = 11
GRID_CELL_PX = 64  # a power of two: a cell at zoom z is exactly four cells at z + 1


@dataclass(frozen=True)
class RegionShape:
    code: str
    name: str
    geometry: BaseGeometry  # WGS84
    level: str | None = None  # None: 未评级
    counts: Mapping[str, int] | None = None
    is_synthetic: bool = False


@dataclass(frozen=True)
class EnterprisePoint:
    id: int
    name: str
    lon: float  # WGS84
    lat: float
    level: str | None = None
    is_demo: bool = False
    credit_code: str | None = None  # 统一社会信用代码, searchable like the name


@dataclass
class MapLayers:
    """Point layers from other domains, as the dicts documented in app.mapping.providers."""

    major_hazards: list[dict[str, Any]] = field(default_factory=list)
    major_sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MapOptions:
    title: str = "安全风险四色分布图"
    subtitle: str | None = None
    tiles: Tiles | None = None
    asset_base: str = assets.ASSET_PREFIX
    # Prefix of links to pages of the service ("" = same server); None leaves links out (a file on disk).
    link_base: str | None = ""
    precision: int = 5
    simplify: bool = True
    notes: list[str] = field(default_factory=list)  # extra lines in the legend (e.g. 无坐标企业)
    height: str = "100%"
    # The regions drawn are the map's own area (it has no subdivisions with boundaries): they are only
    # outlined, and the enterprises, each marked with its level, carry the colours.
    outline: bool = False
    # Where the browser gets enterprise names (tooltips, popups, the search box). Neither: in the page.
    names_api: str | None = None  # the scoped GET endpoint (?ids=1,2 / ?q=…) of a map the server serves
    names_file: str | None = None  # a side script next to a file on disk (names_script), relative path


def _script_json(value: Any) -> str:
    """Compact JSON safe inside <script>: '<' only occurs in strings, where \\u003c means the same."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _prepare_geometries(shapes: Sequence[RegionShape], options: MapOptions) -> np.ndarray:
    geoms = np.array([s.geometry for s in shapes], dtype=object)
    if options.tiles is not None and options.tiles.gcj02:
        geoms = np.array([geometry_to_gcj02(g) for g in geoms], dtype=object)
    if options.simplify and len(geoms):
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        tolerance = max(x1 - x0, y1 - y0) * SIMPLIFY_FRACTION
        try:
            geoms = shapely.coverage_simplify(geoms, tolerance)
        except shapely.errors.GEOSException:
            # Not a clean coverage (overlaps): simplify each shape on its own.
            geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    scale = 10**options.precision
    return shapely.transform(geoms, lambda c: np.round(c * scale) / scale)


def _label_points(geoms: np.ndarray, precision: int) -> list[list[float]]:
    """Where each region's name goes: its centroid when that lies well inside (a natural middle),
    else the centre of its largest inscribed circle (a concave or split shape: still inside)."""
    if not len(geoms):
        return []
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    circle = shapely.maximum_inscribed_circle(geoms, np.maximum(x1 - x0, y1 - y0) / 200)
    inner = shapely.get_point(circle, 0)
    radius = shapely.length(circle)
    centroid = shapely.centroid(geoms)
    deep = shapely.contains(geoms, centroid) & (
        shapely.distance(centroid, shapely.boundary(geoms)) >= radius / 2
    )
    chosen = np.where(deep, centroid, inner)
    return np.round(shapely.get_coordinates(chosen), precision).tolist()


def _regions_json(shapes: Sequence[RegionShape], options: MapOptions) -> str:
    features = []
    geoms = _prepare_geometries(shapes, options)
    labels = _label_points(geoms, options.precision)
    for shape, geometry, at in zip(shapes, shapely.to_geojson(geoms), labels, strict=True):
        counts = shape.counts or {}
        props = {
            "c": shape.code,
            "n": shape.name,
            "l": LEVEL_INDEX.get(shape.level or "", UNRATED_INDEX),
            "k": [int(counts.get(k, 0)) for k in COUNT_ORDER],
            "s": 1 if shape.is_synthetic else 0,
            "p": at,
        }
        features.append(f'{{"type":"Feature","properties":{_script_json(props)},"geometry":{geometry}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _varints(values: np.ndarray) -> bytes:
    """Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on every byte but a value's last."""
    v = values.astype(np.uint64)
    shifts = np.arange(5, dtype=np.uint64) * np.uint64(7)  # ids are < 2**31: at most five bytes
    groups = ((v[:, None] >> shifts) & np.uint64(0x7F)).astype(np.uint8)
    width = 1 + ((v[:, None] >> shifts[1:]) > 0).sum(axis=1)
    column = np.arange(5)
    groups[column < (width[:, None] - 1)] |= 0x80
    return groups[column < width[:, None]].tobytes()


def sorted_points(points: Sequence[EnterprisePoint]) -> list[EnterprisePoint]:
    """The order of the page's arrays and of the names side file: by id."""
    return sorted(points, key=lambda p: p.id)


def _points_payload(points: Sequence[EnterprisePoint], options: MapOptions) -> str:
    """{"n", "q", "x0", "y0", "xy", "l", "id"[, "names", "codes"]} for static/map.js, points sorted by id.

    Coordinates are rounded to 1/q degree (q = 10**precision: 1e-5° ≈ 1 m) and written as offsets from
    (x0, y0) in 3 big-endian bytes each (lon, lat: 6 bytes a point, base64); "l" holds one digit (level
    index) a point; "id" the base64 of the id deltas as varints (mostly one byte). 50 000 points: ~0.5 MB.
    """
    lon = np.array([p.lon for p in points], dtype=np.float64)
    lat = np.array([p.lat for p in points], dtype=np.float64)
    if options.tiles is not None and options.tiles.gcj02 and len(points):
        lon, lat = wgs84_to_gcj02(lon, lat)
    scale = 10**options.precision
    qx = np.round(np.asarray(lon) * scale).astype(np.int64)
    qy = np.round(np.asarray(lat) * scale).astype(np.int64)
    x0, y0 = (int(qx.min()), int(qy.min())) if len(points) else (0, 0)
    dx, dy = qx - x0, qy - y0
    if len(points) and max(dx.max(), dy.max()) >= 1 << 24:
        raise ValueError(f"企业坐标范围过大，无法按 1/{scale} 度编码")
    xy = np.empty((len(points), 6), dtype=np.uint8)
    for k, shift in enumerate((16, 8, 0)):
        xy[:, k] = (dx >> shift) & 0xFF
        xy[:, 3 + k] = (dy >> shift) & 0xFF
    level = np.array([LEVEL_INDEX.get(p.level or "", UNRATED_INDEX) for p in points], dtype=np.uint8)
    ids = np.array([p.id for p in points], dtype=np.int64)
    payload: dict[str, Any] = {
        "n": len(points),
        "q": scale,
        "x0": x0,
        "y0": y0,
        "xy": base64.b64encode(xy.tobytes()).decode(),
        "l": (level + ord("0")).tobytes().decode(),
        "id": base64.b64encode(_varints(np.diff(ids, prepend=0))).decode(),
    }
    if options.names_api is None and options.names_file is None:
        payload["names"] = [p.name for p in points]
        payload["codes"] = [p.credit_code or "" for p in points]
    return _script_json(payload)


def names_script(points: Sequence[EnterprisePoint]) -> str:
    """The side file of MapOptions.names_file: the names and credit codes in the page's order (by id),
    with the count so that the map refuses a side file of another export."""
    ordered = sorted_points(points)
    names = {
        "n": len(ordered),
        "names": [p.name for p in ordered],
        "codes": [p.credit_code or "" for p in ordered],
    }
    return f"SK.addNames({_script_json(names)});\n"


def _extra_points(items: Sequence[Mapping[str, Any]], gcj02: bool) -> tuple[list[list[Any]], int]:
    """([[lon, lat, label, detail, url], ...], how many had no coordinates)."""
    located = [i for i in items if i.get("lon") is not None and i.get("lat") is not None]
    rows = []
    for item in located:
        lon, lat = float(item["lon"]), float(item["lat"])
        if gcj02:
            glon, glat = wgs84_to_gcj02(lon, lat)
            lon, lat = float(glon), float(glat)
        rows.append(
            [round(lon, 6), round(lat, 6), str(item.get("label", "")), item.get("detail"), item.get("url")]
        )
    return rows, len(items) - len(located)


class _ScriptLayer(Layer):
    """An overlay whose Leaflet layer is made by one call into static/map.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.call }};
        {% endmacro %}
        """
    )

    def __init__(self, name: str, call: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "SkLayer"
        self.call = call


class _Overlay(MacroElement):
    """Title, legend and the colours of cluster rings and markers, drawn over the map (static/map.js
    moves the title and the legend into Leaflet's control corners, see _Layout)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            {{ this.html }}
        {% endmacro %}
        """
    )

    def __init__(self, html: str, css: str):
        super().__init__()
        self._name = "SkOverlay"
        self.html = html
        self.css = css


class _Layout(MacroElement):
    """Puts the controls in the map's corners (SK.layout): title above the zoom buttons, layer list top
    right, metric scale bottom left, legend bottom right; on narrow screens the layer list and the
    legend fold into buttons. Added to the map after the LayerControl, whose variable it names."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            SK.layout({{ this._parent.get_name() }}, {{ this.control.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl):
        super().__init__()
        self._name = "SkLayout"
        self.control = control


def _overlay_html(options: MapOptions, synthetic: bool, layers_present: list[tuple[str, str]]) -> str:
    mark = f'<span class="sk-mark" data-sk="synthetic">{SYNTHETIC_MARK}</span>' if synthetic else ""
    sub = f"<small>{escape(options.subtitle)}</small>" if options.subtitle else ""
    title = f'<div class="sk-title" data-sk="title">{escape(options.title)}{mark}{sub}</div>'
    # A swatch per level with the word its enterprise markers carry, so the legend reads without colour.
    rows = "".join(
        f'<div><i class="sk-swatch sk-l{i}">{SHORT_LABELS[i]}</i>{LABELS[i]}</div>'
        for i in (3, 2, 1, 0, UNRATED_INDEX)
    )
    extra = "".join(f"<div>{symbol} {escape(name)}</div>" for symbol, name in layers_present)
    notes = "".join(f'<div class="note">{escape(n)}</div>' for n in options.notes)
    if synthetic:
        notes += '<div class="note">图中含示意边界或演示数据，非真实情况</div>'
    # <details>: a button that folds the legend away (map.js folds it on narrow screens); open by default.
    legend = (
        '<details class="sk-legend" data-sk="legend" open><summary>安全风险等级</summary>'
        f'<div class="sk-legend-body">{rows}{extra}{notes}</div></details>'
    )
    return title + legend


def _cluster_css() -> str:
    """Cluster rings, marker and swatch fills per level index (dark text on the light yellow and grey)."""
    rings = "".join(f".sk-cluster-l{i} div{{border-color:{COLOURS[i]}}}" for i in range(len(COLOURS)))
    fills = "".join(f".sk-l{i}{{background:{COLOURS[i]}}}" for i in range(len(COLOURS)))
    return rings + fills


def build_map(
    regions: Sequence[RegionShape],
    enterprises: Sequence[EnterprisePoint],
    layers: MapLayers | None = None,
    options: MapOptions | None = None,
) -> folium.Map:
    """The four-colour map: regions by level, enterprises clustered, hazard and source layers."""
    layers = layers or MapLayers()
    options = options or MapOptions()
    tiles = options.tiles
    gcj02 = tiles is not None and tiles.gcj02
    bounds = shapely.total_bounds([r.geometry for r in regions]) if regions else None
    if bounds is not None and gcj02:
        lo = wgs84_to_gcj02(bounds[0], bounds[1])
        hi = wgs84_to_gcj02(bounds[2], bounds[3])
        bounds = np.array([float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])])
    centre = (
        [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2] if bounds is not None else [39.9, 116.4]
    )
    m = folium.Map(
        location=centre,
        zoom_start=8,
        tiles=None,
        control_scale=False,  # SK.layout adds a metric-only scale
        attributionControl=tiles is not None,
        minZoom=MIN_ZOOM,  # province scale
        maxZoom=MAX_ZOOM,
        height=options.height,
    )
    # Replace Folium's CDN defaults (leaflet, jquery, bootstrap, font-awesome…) with local files.
    m.default_js = assets.js_urls(options.asset_base)
    m.default_css = assets.css_urls(options.asset_base)
    if tiles is not None:
        folium.TileLayer(
            tiles.url, attr=tiles.attribution, name=tiles.name, subdomains=tiles.subdomains, max_zoom=18
        ).add_to(m)
        if tiles.overlay_url:
            folium.TileLayer(
                tiles.overlay_url,
                attr=tiles.attribution,
                name=f"{tiles.name}注记",
                subdomains=tiles.subdomains,
                overlay=True,
                control=False,
                max_zoom=18,
            ).add_to(m)
    if bounds is not None:
        # Before the layers, and at once (no zoom animation from zoom_start): the clusters and the region
        # names are then laid out once, at the final zoom.
        fit = FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
        fit.options["animate"] = False
        m.add_child(fit)
    # Text from the data goes in after Folium rendered (render_html): Branca parses each rendered element
    # again as a Jinja template, which takes seconds for megabytes and would evaluate "{{" in a name.
    payloads: dict[str, str] = {}
    token = secrets.token_hex(8)

    def hold(text: str) -> str:
        key = f"__sk_{token}_{len(payloads)}__"
        payloads[key] = text
        return key

    m._sk_payloads = payloads  # type: ignore[attr-defined]
    enterprises = sorted_points(enterprises)
    names: dict[str, Any] = {"api": options.names_api} if options.names_api else {}
    if options.names_file:
        names = {"file": options.names_file}
    js_opts = _script_json(
        {
            "colours": COLOURS,
            "labels": LABELS,
            "short": SHORT_LABELS,
            "link": options.link_base,
            "outline": options.outline,
            "names": names,
            # The browser's own cluster grid: 64 px Web-Mercator cells per zoom up to GRID_MAX_ZOOM.
            "grid": [MIN_ZOOM, GRID_MAX_ZOOM, GRID_CELL_PX] if len(enterprises) >= GRID_MIN_POINTS else None,
        }
    )
    _ScriptLayer("区域风险等级", f"SK.regions({hold(_regions_json(regions, options))}, {js_opts})").add_to(m)
    _ScriptLayer(
        f"企业（{len(enterprises)} 家）",
        f"SK.enterprises({hold(_points_payload(enterprises, options))}, {js_opts})",
    ).add_to(m)
    present = []
    for items, label, symbol, cls in (
        (layers.major_hazards, "重大事故隐患 / 挂牌督办", "▲", "sk-hazard"),
        (layers.major_sources, "重大危险源", "◆", "sk-source"),
    ):
        rows, missing = _extra_points(items, gcj02)
        name = f"{label}（{len(rows)}）" + (f"，{missing} 处无坐标" if missing else "")
        point_opts = _script_json({"symbol": symbol, "cls": cls, "link": options.link_base})
        _ScriptLayer(name, f"SK.points({hold(_script_json(rows))}, {point_opts})").add_to(m)
        present.append((f'<span class="sk-point {cls}">{symbol}</span>', name))
    synthetic = any(r.is_synthetic for r in regions) or any(e.is_demo for e in enterprises)
    synthetic = synthetic or any(i.get("is_demo") for i in layers.major_hazards + layers.major_sources)
    m.get_root().add_child(_Overlay(hold(_overlay_html(options, synthetic, present)), _cluster_css()))
    control = folium.LayerControl(collapsed=False, position="topright")
    control.add_to(m)
    _Layout(control).add_to(m)
    return m


def render_html(m: folium.Map, options: MapOptions, *, standalone: bool = False) -> str:
    """The whole HTML document; standalone inlines every script and stylesheet (opens from disk)."""
    figure = m.get_root()
    figure.title = escape(options.title)  # type: ignore[attr-defined]  # Folium does not escape it
    html = figure.render()
    if standalone:
        html = assets.inline_assets(html, options.asset_base)
    for key, text in getattr(m, "_sk_payloads", {}).items():
        html = html.replace(key, text, 1)
    return str(html).replace("<html>", '<html lang="zh-CN">', 1)
