"""The map builder on plain data: offline HTML, shared borders, tiles and their keys."""

import base64
import json
import random
import re

import pytest
import shapely

from app.grading.models import LEVEL_ORDER
from app.mapping import assets
from app.mapping.builder import (
    GRID_MAX_ZOOM,
    MIN_ZOOM,
    EnterprisePoint,
    MapLayers,
    MapOptions,
    RegionShape,
    build_map,
    names_script,
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


def enterprises_drawn(html: str) -> list[tuple[int, float, float, int, str | None]]:
    """What the page gives static/map.js to draw, decoded here independently of the builder:
    [(id, lon, lat, level index, name or None when names are not in the page)], in the page's order."""
    start = html.index("SK.enterprises(") + len("SK.enterprises(")
    data, _ = json.JSONDecoder().raw_decode(html, start)
    raw = base64.b64decode(data["xy"])
    rows = [raw[i : i + 6] for i in range(0, len(raw), 6)]
    lon = [(data["x0"] + int.from_bytes(r[:3], "big")) / data["q"] for r in rows]
    lat = [(data["y0"] + int.from_bytes(r[3:], "big")) / data["q"] for r in rows]
    ids, value, shift, last = [], 0, 0, 0
    for byte in base64.b64decode(data["id"]):
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            last += value
            ids.append(last)
            value = shift = 0
    names = data.get("names") or [None] * data["n"]
    levels = [int(c) for c in data["l"]]
    assert len(rows) == len(ids) == len(levels) == len(names) == data["n"]
    return list(zip(ids, lon, lat, levels, names, strict=True))


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
    # A small map carries the names itself, and leaves clustering to markercluster (no grid).
    assert enterprises_drawn(html) == [(7, 118.2, 39.2, 1, "甲企业")]
    assert '"grid":null' in html


def test_every_enterprise_of_a_province_sized_map_is_in_what_the_browser_draws():
    """50 000 enterprises: each one's id, position (to 1e-5°, ≈ 1 m) and level are in the page, names are
    not (they come from the server); the browser is told to cluster them on its own grid."""
    rng = random.Random(3)
    levels = ["red", "orange", "yellow", "blue", None]
    ids = sorted(rng.sample(range(1, 2**31 - 1), 49_000)) + list(range(2**31 - 1000, 2**31 - 1))[:1000]
    points = [
        EnterprisePoint(i, f"企业{i}", rng.uniform(113.4, 119.9), rng.uniform(36.0, 42.7), rng.choice(levels))
        for i in ids
    ]
    rng.shuffle(points)  # the builder orders them by id itself
    html = render(points=points, names_api="/api/maps/region/139900/enterprises")
    drawn = enterprises_drawn(html)
    assert len(drawn) == len(points)
    index = {p.id: p for p in points}
    for ent_id, lon, lat, level, name in drawn:
        p = index.pop(ent_id)
        assert abs(lon - p.lon) <= 0.5e-5 + 1e-9 and abs(lat - p.lat) <= 0.5e-5 + 1e-9
        assert level == ([*LEVEL_ORDER, None].index(p.level)) and name is None
    assert not index
    assert "企业1" not in html and f'"grid":[{MIN_ZOOM},{GRID_MAX_ZOOM},' in html
    assert len(html.encode()) < 50_000 * 14  # ids ~40 000 apart: 13 bytes an enterprise, names none


def test_names_stay_out_of_the_page_when_the_server_or_a_side_file_gives_them():
    points = [
        EnterprisePoint(5, "乙化工", 118.3, 39.3, "red", credit_code="91130000MA0000005X"),
        EnterprisePoint(2, "甲化工", 118.2, 39.2, "blue", credit_code="91130000MA0000002X"),
    ]
    served = render(points=points, names_api="/api/maps/region/139101/enterprises")
    on_disk = render(points=points, names_file="map_names.js", link_base=None)
    for html in (served, on_disk):
        assert "甲化工" not in html and "91130000MA0000002X" not in html
        assert [row[0] for row in enterprises_drawn(html)] == [2, 5]
    assert '"names":{"api":"/api/maps/region/139101/enterprises"}' in served
    assert '"names":{"file":"map_names.js"}' in on_disk
    # The side file: names and credit codes in the page's order, with the count it must match.
    script = names_script(points)
    assert script.startswith("SK.addNames(") and script.rstrip().endswith(");")
    body = json.loads(script[len("SK.addNames(") : script.rindex(")")])
    assert body == {
        "n": 2,
        "names": ["甲化工", "乙化工"],
        "codes": ["91130000MA0000002X", "91130000MA0000005X"],
    }


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
    html = render(regions, points=[EnterprisePoint(1, "</script><script>alert(2)</script>", 118.5, 39.5)])
    assert "</script><script>alert(1)" not in html and "</script><script>alert(2)" not in html
    assert enterprises_drawn(html)[0][4] == "</script><script>alert(2)</script>"
    assert "</script" not in names_script([EnterprisePoint(1, "</script>", 118.5, 39.5)])


def test_braces_in_names_are_text_not_a_template():
    """Folium's templates never see the data (it goes in afterwards): "{{ 7*7 }}" stays as written."""
    name = "{{ 7*7 }}{% if 1 %}甲{% endif %}"
    regions = [RegionShape("1", name, shapely.box(118, 39, 119, 40))]
    html = render(regions, points=[EnterprisePoint(1, name, 118.5, 39.5)], subtitle=name)
    assert features(html)[0]["properties"]["n"] == name
    assert enterprises_drawn(html)[0][4] == name
    assert f"<small>{name}</small>" in html and ">49<" not in html


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
    assert enterprises_drawn(html) == [(1, round(float(glon), 5), round(float(glat), 5), 4, "甲")]
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
