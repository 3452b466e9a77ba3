"""The map builder on plain data: offline HTML, shared borders, tiles and their keys."""

import json
import re

import pytest
import shapely

from app.mapping import assets
from app.mapping.builder import (
    GRID_MAX_ZOOM,
    GRID_MIN_POINTS,
    MIN_ZOOM,
    EnterprisePoint,
    MapLayers,
    MapOptions,
    RegionShape,
    build_map,
    render_html,
)
from app.mapping.settings import MapSettingsError, resolve_tiles
from app.regions.gcj02 import wgs84_to_gcj02

# Anything the browser would fetch by itself: script/img src, stylesheet links, CSS url(). (Leaflet's own
# code holds an <a href="https://leafletjs.com"> for its attribution: a link, not a load.)
LOADS = re.compile(
    r"""src\s*=\s*["']?(?:https?:)?//|<link[^>]+href=["']?(?:https?:)?//|url\(["']?(?:https?:)?//""", re.I
)


def squares():
    # Two neighbours sharing a wiggly border, so simplification has something to remove.
    border = [(118.5, 39.0 + i / 200) for i in range(101)]
    border = [(x + (0.00001 if i % 2 else 0), y) for i, (x, y) in enumerate(border)]
    west = shapely.Polygon([(118.0, 39.0), *border, (118.0, 39.5)])
    east = shapely.Polygon([(119.0, 39.0), (119.0, 39.5), *reversed(border)])
    return [
        RegionShape("139101", "西区", west, "red", {"red": 1}),
        RegionShape("139102", "东区", east, None, None, is_synthetic=True),
    ]


def features(html: str) -> list[dict]:
    data = re.search(r"SK\.regions\((\{.*?\}), \{", html).group(1)
    return json.loads(data)["features"]


def render(regions=None, points=(), layers=None, **kw):
    options = MapOptions(title="测试区安全风险四色分布图", **kw)
    return render_html(build_map(regions or squares(), list(points), layers, options), options)


def test_html_references_only_local_assets():
    html = render(points=[EnterprisePoint(1, "甲企业", 118.2, 39.2, "yellow")])
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    for pkg, name in assets.MAP_JS:
        assert f'<script src="/maps/assets/{pkg}/{name}"></script>' in html
    for forbidden in ("jquery", "bootstrap", "font-awesome", "awesome-markers"):
        assert forbidden not in html.lower()


def test_legend_title_tooltip_data_and_synthetic_mark():
    html = render(points=[EnterprisePoint(7, "甲企业", 118.2, 39.2, "yellow", is_demo=True)])
    for label in ("重大风险", "较大风险", "一般风险", "低风险", "未评级"):
        assert label in html
    assert "测试区安全风险四色分布图" in html
    assert "示意/演示数据" in html
    west, east = features(html)
    assert west["properties"] == {
        "c": "139101",
        "n": "西区",
        "l": 3,
        "k": [1, 0, 0, 0, 0],
        "s": 0,
        "p": [118.25, 39.25],  # where its name is written: the middle of the square
    }
    assert east["properties"]["l"] == 4 and east["properties"]["s"] == 1
    # Few points: no pre-computed clusters, the browser clusters them itself.
    assert '{"p":[[118.2,39.2,1,7]],"n":["甲企业"],"g":null}' in html


def grids(html: str) -> dict:
    return json.loads(re.search(r',"g":(\{"z".*?\]\]\})\}', html).group(1))


def clusters(flat: list) -> list[tuple[float, float, list[int]]]:
    """[(lon, lat, counts per level index blue, yellow, orange, red, unrated)] from a grid's flat array."""
    return [(flat[i], flat[i + 1], flat[i + 2 : i + 7]) for i in range(0, len(flat), 7)]


def test_many_points_come_with_a_cluster_grid_per_zoom_holding_every_point_once():
    # Two towns 200 km apart: a red one and a blue one with two unrated enterprises, and one far-off farm.
    west = [
        EnterprisePoint(i, f"西{i}", 116.0 + (i % 40) * 1e-4, 39.0 + (i // 40) * 1e-4, "red")
        for i in range(1200)
    ]
    east = [
        EnterprisePoint(
            2000 + i, f"东{i}", 118.5 + (i % 40) * 1e-4, 39.5 + (i // 40) * 1e-4, "blue" if i > 1 else None
        )
        for i in range(GRID_MIN_POINTS - 1200 - 1)
    ]
    farm = EnterprisePoint(9999, "远处农场", 119.9, 41.9, "yellow")
    points = [*west, *east, farm]
    g = grids(render(points=points))
    assert g["z"] == MIN_ZOOM and len(g["c"]) == len(g["s"]) == GRID_MAX_ZOOM - MIN_ZOOM + 1
    for flat, alone in zip(g["c"], g["s"], strict=True):
        assert sum(sum(k) for _, _, k in clusters(flat)) + len(alone) == len(points)
    # Widest zoom: one cluster per town at its points' mean, counted per level; the farm stands alone.
    (wx, wy, wk), (ex, ey, ek) = sorted(clusters(g["c"][0]))
    assert wk == [0, 0, 0, 1200, 0] and (wx, wy) == (
        pytest.approx(116.002, abs=1e-4),
        pytest.approx(39.00145, abs=1e-4),
    )
    assert ek == [len(east) - 2, 0, 0, 0, 2] and ex == pytest.approx(118.502, abs=1e-4)
    assert [points[i].name for i in g["s"][0]] == ["远处农场"]


def test_the_grid_follows_the_tiles_datum():
    points = [EnterprisePoint(i, "甲", 118.2 + i * 1e-6, 39.2, "blue") for i in range(GRID_MIN_POINTS)]
    ((lon, lat, _),) = clusters(grids(render(points=points, tiles=resolve_tiles("amap")))["c"][0])
    glon, glat = wgs84_to_gcj02(118.201, 39.2)
    assert (lon, lat) == (pytest.approx(float(glon), abs=1e-4), pytest.approx(float(glat), abs=1e-4))


def test_no_synthetic_mark_for_real_data():
    regions = [RegionShape("139101", "西区", shapely.box(118, 39, 119, 40), "blue")]
    assert "示意/演示数据" not in render(regions)


def test_shared_borders_stay_shared_after_simplification():
    west, east = features(render())
    west_coords = {tuple(c) for c in west["geometry"]["coordinates"][0]}
    east_coords = {tuple(c) for c in east["geometry"]["coordinates"][0]}
    shared = west_coords & east_coords
    assert len(shared) >= 2
    # The wiggles are gone but both sides still meet exactly.
    assert len(west_coords) < 50
    interior_west = {c for c in west_coords if 118.4 < c[0] < 118.6}
    interior_east = {c for c in east_coords if 118.4 < c[0] < 118.6}
    assert interior_west == interior_east
    assert all(len(str(v).split(".")[-1]) <= 5 for c in west_coords for v in c)


def test_names_cannot_break_out_of_the_script():
    regions = [RegionShape("1", "</script><script>alert(1)</script>", shapely.box(118, 39, 119, 40))]
    html = render(regions)
    assert "</script><script>alert(1)" not in html


HOSTILE = "<script>alert(1)</script>&\"'"
# html.escape with quote=True, as a browser must read it back: the text, not markup.
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;"


@pytest.mark.parametrize("standalone", [False, True])
def test_title_and_subtitle_are_shown_as_text_in_the_tab_and_the_title_box(standalone):
    options = MapOptions(title=HOSTILE, subtitle=HOSTILE)
    real = squares()[:1]  # no 示意 mark between the title and the subtitle
    html = render_html(build_map(real, [], None, options), options, standalone=standalone)
    assert f"<title>{HOSTILE_ESCAPED}</title>" in html
    box = f'<div class="sk-title" data-sk="title">{HOSTILE_ESCAPED}<small>{HOSTILE_ESCAPED}</small></div>'
    assert box in html
    assert "<script>alert" not in html and "alert(1)</script>" not in html
    assert "&\"'" not in html  # the tail is escaped too, so it cannot close an attribute


def test_extra_layers_and_their_missing_coordinates_are_shown():
    layers = MapLayers(
        major_hazards=[
            {"lon": 118.3, "lat": 39.3, "label": "储罐区隐患", "url": "/hazards/1"},
            {"label": "无坐标"},
        ],
        major_sources=[{"lon": 118.6, "lat": 39.1, "label": "液氨罐区"}],
    )
    html = render(layers=layers)
    assert "重大事故隐患 / 挂牌督办（1），1 处无坐标" in html
    assert "重大危险源（1）" in html
    assert '[118.3,39.3,"储罐区隐患",null,"/hazards/1"]' in html


def test_amap_tiles_shift_everything_to_gcj02():
    tiles = resolve_tiles("amap")
    html = render(points=[EnterprisePoint(1, "甲", 118.2, 39.2)], tiles=tiles)
    glon, glat = wgs84_to_gcj02(118.2, 39.2)
    assert f"[{round(float(glon), 5)!r},{round(float(glat), 5)!r},4,1]" in html
    assert "autonavi.com" in html
    xs = [c[0] for c in features(html)[0]["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(float(wgs84_to_gcj02(118.0, 39.0)[0]), abs=1e-4)


def test_tile_settings_need_their_key():
    with pytest.raises(MapSettingsError, match="SHUANGKONG_TIANDITU_KEY"):
        resolve_tiles("tianditu")
    with pytest.raises(MapSettingsError, match="可选"):
        resolve_tiles("google")
    assert resolve_tiles("none") is None
    assert "tk=abc" in resolve_tiles("tianditu", "abc").url
    assert resolve_tiles("osm").gcj02 is False


def test_standalone_inlines_every_asset():
    options = MapOptions(title="离线图", link_base=None)
    html = render_html(build_map(squares(), [], None, options), options, standalone=True)
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert not LOADS.search(html)
    assert "data:image/png;base64," in html  # the layer-control icon
    assert "L.markerClusterGroup" in html and "SK.enterprises" in html
