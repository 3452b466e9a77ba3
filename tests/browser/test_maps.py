"""The four-colour map in Debian's Chromium with every non-local request blocked: the region page and
the standalone file both draw their polygons, clusters, legend and layer control with no network; with
many enterprises the clusters come pre-computed and zooming in leads to every single enterprise. The
秦皇岛 demo's maps, on a phone and a desktop: no control covers another, the scale is metric, regions are
named on the map, the legend folds away on a phone, the city shows several levels and a township without
village boundaries shows its enterprises marked with their level in words."""

import itertools
import random
import re

import pytest
import shapely
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import SYSTEM
from app.db import make_engine
from app.grading.regional import recompute_region_levels
from app.mapping import service
from app.mapping.builder import (
    GRID_MAX_ZOOM,
    GRID_MIN_POINTS,
    SHORT_LABELS,
    EnterprisePoint,
    MapOptions,
    RegionShape,
    build_map,
    names_script,
    render_html,
)
from app.regions.demo import load_demo_regions
from app.regions.models import Region
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.conftest import alembic_config
from tests.factories import PASSWORD, make_enterprise
from tests.mapping.factories import set_level

LEVELS = ["blue", "blue", "blue", "yellow", "yellow", "orange", "red", None]


@pytest.fixture(scope="module")
def demo_city(live_server):
    """秦皇岛 demo regions, 120 located enterprises in 海港区's townships, one without coordinates."""
    rng = random.Random(5)
    with live_server.session() as s:
        load_demo_regions(s)
        towns = s.scalars(select(Region).where(Region.parent_code == "130302", Region.geometry.is_not(None)))
        towns = list(towns)
        for i in range(120):
            town = towns[i % len(towns)]
            point = shapely.from_wkb(town.geometry).representative_point()
            ent = make_enterprise(
                s,
                region_code=town.code,
                name=f"地图测试企业{i}",
                lon=point.x + rng.uniform(-0.002, 0.002),
                lat=point.y + rng.uniform(-0.002, 0.002),
                is_demo=True,
            )
            if LEVELS[i % len(LEVELS)]:
                set_level(s, ent, LEVELS[i % len(LEVELS)])
        make_enterprise(s, region_code=towns[0].code, name="没有坐标的地图企业", lon=None, lat=None)
        recompute_region_levels(s)
        auth.create_user(s, SYSTEM, username="map_township", password=PASSWORD, role="township",
                         display_name="海港区乡镇", region_code="130302")  # fmt: skip
        drawn = s.scalars(
            select(Region.code).where(Region.parent_code == "130302", Region.geometry.is_not(None))
        ).all()
    return {"polygons": len(drawn), "points": 120}


# Enterprises drawn: the numbers on the clusters plus the single markers.
SHOWN = """() => [...document.querySelectorAll('.sk-cluster span')].reduce((a, e) => a + (+e.textContent), 0)
                 + document.querySelectorAll('.sk-ent').length"""


def check_map(frame, expected_polygons: int, expected_points: int) -> None:
    frame.wait_for_selector("body[data-sk-ready]")
    assert frame.locator("path.sk-region").count() == expected_polygons
    assert frame.locator(".sk-cluster").count() > 0, "many nearby enterprises should cluster"
    # Every located enterprise is on the map, in a cluster or as its own marker (once animations end).
    frame.wait_for_function(f"n => ({SHOWN})() === n", arg=expected_points)
    legend = frame.locator("[data-sk=legend]").inner_text()
    for label in ("重大风险", "较大风险", "一般风险", "低风险", "未评级"):
        assert label in legend
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert "示意/演示数据" in frame.locator("[data-sk=title]").inner_text()


def test_region_page_from_home_with_no_network(new_page, live_server, demo_city):
    page, watch = new_page()
    login(page, live_server, "map_township", PASSWORD)
    page.get_by_role("link", name="本辖区四色风险分布图").click()
    page.wait_for_load_state("networkidle")
    assert "海港区安全风险四色分布图" in page.locator("h1").inner_text()
    assert "没有坐标的地图企业" in page.locator("#unlocated").inner_text()
    frame = page.wait_for_selector("iframe.sk-frame").content_frame()
    check_map(frame, demo_city["polygons"], demo_city["points"])
    # Switching the enterprise layer off in the layer control clears the points away...
    frame.get_by_label("企业（120 家）").uncheck()
    assert frame.locator(".sk-cluster").count() == 0
    # ...and hovering a township writes its level in words, not only in colour.
    frame.locator("path.sk-region").first.hover()
    assert "等级：" in frame.locator(".leaflet-tooltip").inner_text()
    screenshot(page, "map-region-page")
    assert watch.console_errors == []
    assert watch.blocked == []


def test_standalone_file_opens_from_disk_with_no_network(new_page, live_server, demo_city, tmp_path):
    with live_server.session() as s:
        data = service.region_map_data(s, SYSTEM, "130302")
        options = service.map_options(data, link_base=None)
        html = render_html(
            build_map(data.shapes, data.points, data.layers, options), options, standalone=True
        )
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    page, watch = new_page()
    page.goto(path.as_uri())
    check_map(page, demo_city["polygons"], demo_city["points"])
    screenshot(page, "map-standalone")
    assert watch.console_errors == []
    assert watch.blocked == []


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait (on the page, not the clock) until the zoom and cluster animations a click started are over."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')")


def central(locator):  # type: ignore[no-untyped-def]
    """The match nearest the middle of the viewport (clear of the title, legend and layer control)."""
    boxes = [(i, locator.nth(i).bounding_box()) for i in range(locator.count())]
    size = locator.page.viewport_size
    mx, my = size["width"] / 2, size["height"] / 2
    i, _ = min(((i, b) for i, b in boxes if b), key=lambda t: (t[1]["x"] - mx) ** 2 + (t[1]["y"] - my) ** 2)
    return locator.nth(i)


def test_many_enterprises_show_precomputed_clusters_then_every_single_one(new_page, tmp_path):
    rng = random.Random(7)
    spread = [
        EnterprisePoint(i, f"分散企业{i}", rng.uniform(118.0, 119.2), rng.uniform(39.0, 40.0), LEVELS[i % 8])
        for i in range(GRID_MIN_POINTS + 500)
    ]
    # A chemical park: 30 enterprises within 100 m, five pairs of them at one address each.
    park = [
        EnterprisePoint(10_000 + i, f"园区企业{i}", 118.6 + (i % 25) * 4e-5, 39.5 + (i % 25) * 3e-5, "blue")
        for i in range(30)
    ]
    points = spread + park
    options = MapOptions(title="多企业测试区安全风险四色分布图", link_base=None)
    regions = [
        RegionShape("139101", "测试区", shapely.box(118.0, 39.0, 119.2, 40.0), "orange", is_synthetic=True)
    ]
    html = render_html(build_map(regions, points, None, options), options, standalone=True)
    path = tmp_path / "many.html"
    path.write_text(html, encoding="utf-8")
    page, watch = new_page()
    page.goto(path.as_uri())
    check_map(page, 1, len(points))
    assert page.locator(".sk-ent").count() < 50, "the whole area at once shows clusters, not markers"
    # A cluster says in words how many enterprises it holds and the highest level among them.
    central(page.locator(".sk-cluster")).hover()
    tip = page.locator(".leaflet-tooltip").inner_text()
    assert "家企业" in tip and "最高等级：" in tip and "红 " in tip
    # Clicking clusters zooms in until single enterprises appear; one tells its name and level.
    for _ in range(6):
        if page.locator(".sk-ent").count() >= 5:
            break
        central(page.locator(".sk-cluster")).click()
        settle(page)
    marker = central(page.locator(".sk-ent"))
    marker.click()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "企业风险等级：" in popup and "企业" in popup
    # Past the pre-computed zooms, the park's 30 enterprises are all there, the five at one address too.
    page.evaluate(
        """z => { const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
                  map.setView([39.5004, 118.6005], z, {animate: false}); }""",
        GRID_MAX_ZOOM + 5,
    )
    page.wait_for_function(f"() => ({SHOWN})() >= 30")
    # Enterprises a few metres apart stay a cluster at the deepest zoom; clicking it fans them out.
    singles = page.locator(".sk-ent").count()
    cluster = central(page.locator(".sk-cluster"))
    fanned = int(cluster.inner_text())
    cluster.click()
    page.wait_for_function(f"() => document.querySelectorAll('.sk-ent').length === {singles + fanned}")
    screenshot(page, "map-many-enterprises")
    # Switching the layer off clears clusters and markers alike; back on, they are drawn again.
    layer = page.get_by_label(f"企业（{len(points)} 家）")
    layer.uncheck()
    assert page.locator(".sk-cluster").count() == 0 and page.locator(".sk-ent").count() == 0
    layer.check()
    page.wait_for_function(f"() => ({SHOWN})() >= 30")
    assert watch.console_errors == []
    assert watch.blocked == []


# --- The 秦皇岛 demo's own maps (app.demo: 300 enterprises, fixed seeds) on a phone and a desktop. ---

DEMO_CITY, DEMO_DISTRICT = "130300", "130302"
CONTROLS = {
    "title": "[data-sk=title]",
    "layers": ".leaflet-control-layers",
    "legend": "[data-sk=legend]",
    "scale": ".leaflet-control-scale",
    "zoom": ".leaflet-control-zoom",
}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def demo_maps(tmp_path_factory):
    """The full demo in a database of its own; the standalone maps of the city, a district and the demo
    township login's township (no village boundaries), and the city's district levels."""
    from app.attachments import service as attachments
    from app.demo import populate_demo

    tmp = tmp_path_factory.mktemp("demo-maps")
    url = f"sqlite:///{tmp / 'demo.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with pytest.MonkeyPatch.context() as mp, sessionmaker(bind=engine)() as s:
        mp.setattr(attachments, "uploads_dir", lambda: tmp / "uploads")  # demo photos
        populate_demo(s)
        s.commit()
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        paths = {}
        for name, code in (("city", DEMO_CITY), ("district", DEMO_DISTRICT), ("township", township)):
            data = service.region_map_data(s, SYSTEM, code)
            options = service.map_options(data, link_base=None)
            html = render_html(
                build_map(data.shapes, data.points, data.layers, options), options, standalone=True
            )
            paths[name] = tmp / f"{name}.html"
            paths[name].write_text(html, encoding="utf-8")
            paths[f"{name}_points"] = len(data.points)
            paths[f"{name}_polygons"] = len(data.shapes)
    engine.dispose()
    return paths


def open_demo(new_page, demo_maps, which: str, size: str):  # type: ignore[no-untyped-def]
    page, watch = new_page(SIZES[size], has_touch=size == "phone", is_mobile=size == "phone")
    page.goto(demo_maps[which].as_uri())
    page.wait_for_selector("body[data-sk-ready]", state="attached")
    page.wait_for_function(f"n => ({SHOWN})() === n", arg=demo_maps[f"{which}_points"])
    return page, watch


def boxes(page) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    out = {}
    for name, selector in CONTROLS.items():
        box = page.locator(selector).bounding_box()
        assert box is not None and box["width"] > 0, f"{name} is not shown"
        out[name] = box
    return out


def assert_apart(named: dict[str, dict[str, float]]) -> None:
    """No two boxes overlap (touching edges is fine), and each lies inside the viewport."""
    for (a, p), (b, q) in itertools.combinations(named.items(), 2):
        apart = (
            p["x"] + p["width"] <= q["x"]
            or q["x"] + q["width"] <= p["x"]
            or p["y"] + p["height"] <= q["y"]
            or q["y"] + q["height"] <= p["y"]
        )
        assert apart, f"{a} {p} overlaps {b} {q}"


def visible_labels(page) -> list[tuple[str, dict[str, float]]]:  # type: ignore[no-untyped-def]
    spans = page.locator(".sk-label span:visible")
    return [(spans.nth(i).inner_text(), spans.nth(i).bounding_box()) for i in range(spans.count())]


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("which", ["city", "township"])
def test_demo_maps_keep_their_controls_apart_with_a_metric_scale(new_page, demo_maps, which, size):
    page, watch = open_demo(new_page, demo_maps, which, size)
    scale = page.locator(".leaflet-control-scale").inner_text().strip()
    assert re.fullmatch(r"\d+ (m|km)", scale), scale  # metric only: no ft / mi line
    legend_body = page.locator("[data-sk=legend] .sk-legend-body")
    if size == "phone":
        # Folded away on a phone: a button that a tap opens (and closes again).
        assert not legend_body.is_visible()
        assert page.locator("[data-sk=legend]").get_attribute("open") is None
        assert_apart(boxes(page))
        screenshot(page, f"map-demo-{which}-{size}")
        page.locator("[data-sk=legend] summary").tap()
        assert legend_body.is_visible()
        assert "重大风险" in legend_body.inner_text()
    else:
        assert legend_body.is_visible()
    assert_apart(boxes(page))
    size_px = page.viewport_size
    for name, box in boxes(page).items():
        inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size_px["width"]
        assert inside and box["y"] + box["height"] <= size_px["height"], f"{name} leaves the map: {box}"
    screenshot(page, f"map-demo-{which}-{size}" + ("-legend-open" if size == "phone" else ""))
    assert watch.console_errors == []
    assert watch.blocked == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_region_page_map_keeps_its_controls_apart(new_page, live_server, demo_city, size):
    """In the page's frame, narrower than the window (the side list takes room on a desktop)."""
    page, watch = new_page(SIZES[size], has_touch=size == "phone", is_mobile=size == "phone")
    login(page, live_server, "map_township", PASSWORD)
    page.goto(f"{live_server.url}/maps/region/130302")
    frame = page.wait_for_selector("iframe.sk-frame").content_frame()
    frame.wait_for_selector("body[data-sk-ready]", state="attached")
    frame.wait_for_function(f"n => ({SHOWN})() === n", arg=demo_city["points"])
    assert_apart(boxes(frame))
    assert re.fullmatch(r"\d+ (m|km)", frame.locator(".leaflet-control-scale").inner_text().strip())
    assert len(visible_labels(frame)) >= 4
    screenshot(page, f"map-region-page-{size}")
    assert watch.console_errors == []
    assert watch.blocked == []


@pytest.mark.parametrize("size", list(SIZES))
def test_demo_city_names_its_districts_and_shows_several_levels(new_page, demo_maps, size):
    page, watch = open_demo(new_page, demo_maps, "city", size)
    assert page.locator("path.sk-region").count() == demo_maps["city_polygons"] == 7
    # The Done-when of issue #15: at least three of the four colours among the districts.
    classes = page.locator("path.sk-region").evaluate_all("ps => ps.map(p => p.getAttribute('class'))")
    levels = {c for cls in classes for c in cls.split() if c.startswith("sk-region-l")}
    assert len(levels - {"sk-region-l4"}) >= 3, levels
    # Named on the map with the level in words, and no two names on top of each other.
    labels = visible_labels(page)
    assert len(labels) >= (7 if size == "desktop" else 4), labels
    assert any(text.startswith("海港区") for text, _ in labels)
    words = ("重大风险", "较大风险", "一般风险", "低风险", "未评级")
    assert all(any(w in text for w in words) for text, _ in labels)
    assert_apart({f"{i} {text}": box for i, (text, box) in enumerate(labels)})
    assert watch.console_errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_demo_district_names_its_townships(new_page, demo_maps, size):
    page, watch = open_demo(new_page, demo_maps, "district", size)
    labels = visible_labels(page)
    assert len(labels) >= (10 if size == "desktop" else 4), labels
    assert_apart({f"{i} {text}": box for i, (text, box) in enumerate(labels)})
    screenshot(page, f"map-demo-district-{size}")
    assert watch.console_errors == []


def test_demo_township_without_villages_marks_each_enterprise_with_its_level(new_page, demo_maps):
    page, watch = open_demo(new_page, demo_maps, "township", "desktop")
    # No village has a boundary: the township itself, lightly filled, and its enterprises on it.
    assert page.locator("path.sk-region").count() == demo_maps["township_polygons"] == 1
    assert demo_maps["township_points"] >= 1
    markers = page.locator(".sk-ent")
    assert markers.count() >= 1
    for i in range(markers.count()):
        marker = markers.nth(i)
        level = int(re.search(r"sk-ent-l(\d)", marker.get_attribute("class")).group(1))
        assert marker.inner_text() == SHORT_LABELS[level]  # the level as a word, not colour alone
    assert "下级区划暂无边界数据" in page.locator("[data-sk=legend]").inner_text()
    markers.first.hover()
    assert re.search(
        "重大风险|较大风险|一般风险|低风险|未评级", page.locator(".leaflet-tooltip").inner_text()
    )
    assert watch.console_errors == []


# --- Finding an enterprise by name (issue #16 "map"): the names are not in the page. ---

MAP_VIEW = """() => { const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
                      const c = map.getCenter(); return [map.getZoom(), c.lat, c.lng]; }"""


def search(page, text: str):  # type: ignore[no-untyped-def]
    box = page.get_by_role("searchbox", name="查找企业（名称或统一社会信用代码）")
    box.fill(text)
    return page.locator("[data-sk=search]")


def test_search_box_finds_an_enterprise_in_the_standalone_file_and_zooms_to_it(new_page, tmp_path):
    """50 km of 2 500 enterprises; names only in the side file next to the map, read from file://."""
    rng = random.Random(11)
    points = [
        EnterprisePoint(
            i,
            f"分散企业{i}",
            rng.uniform(118.0, 119.2),
            rng.uniform(39.0, 40.0),
            LEVELS[i % 8],
            credit_code=f"91130300MA{i:08d}",
        )  # fmt: skip
        for i in range(1, GRID_MIN_POINTS + 501)
    ]
    options = MapOptions(title="查找测试区安全风险四色分布图", link_base=None, names_file="many_names.js")
    regions = [
        RegionShape("139101", "测试区", shapely.box(118.0, 39.0, 119.2, 40.0), "orange", is_synthetic=True)
    ]
    html = render_html(build_map(regions, points, None, options), options, standalone=True)
    assert "分散企业1234" not in html
    (tmp_path / "many.html").write_text(html, encoding="utf-8")
    (tmp_path / "many_names.js").write_text(names_script(points), encoding="utf-8")
    page, watch = new_page()
    page.goto((tmp_path / "many.html").as_uri())
    check_map(page, 1, len(points))
    target = points[1233]
    form = search(page, target.name)
    # "分散企业1234" is also the start of no other name here; the answer names the level in a word.
    answer = form.get_by_role("button", name=re.compile("^分散企业1234（"))
    answer.click()
    page.wait_for_function("n => document.querySelector('.leaflet-popup-content')?.textContent.includes(n)",
                           arg=target.name)  # fmt: skip
    zoom, lat, lon = page.evaluate(MAP_VIEW)
    assert zoom == 16 and abs(lat - target.lat) < 1e-3 and abs(lon - target.lon) < 1e-3
    # The popup stays open (the click on the answer must not reach the map, which would close it).
    page.wait_for_timeout(500)
    assert page.locator(".leaflet-popup").count() == 1
    assert "企业风险等级：" in page.locator(".leaflet-popup-content").inner_text()
    screenshot(page, "map-search-standalone")
    # By credit code, and Enter takes the first answer.
    search(page, "91130300MA00000042")
    form.get_by_role("button", name=re.compile("^分散企业42（")).wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')?.textContent.includes('分散企业42')"
    )
    search(page, "没有这家企业")
    form.locator(".sk-search-status").filter(has_text="未找到名称含“没有这家企业”的企业").wait_for()
    assert watch.console_errors == []
    assert watch.blocked == []


def test_region_page_search_asks_the_server_and_finds_only_the_users_area(new_page, live_server, demo_city):
    with live_server.session() as s:
        outside = s.scalar(select(Region).where(Region.code == "130303"))
        point = shapely.from_wkb(outside.geometry).representative_point()
        make_enterprise(s, region_code="130303", name="区外的地图搜索企业", lon=point.x, lat=point.y)
    page, watch = new_page()
    login(page, live_server, "map_township", PASSWORD)
    page.goto(f"{live_server.url}/maps/region/130302")
    frame = page.wait_for_selector("iframe.sk-frame").content_frame()
    frame.wait_for_selector("body[data-sk-ready]", state="attached")
    form = search(frame, "区外的地图搜索")
    form.locator(".sk-search-status").filter(has_text="未找到").wait_for()
    search(frame, "地图测试企业17")
    form.get_by_role("button", name=re.compile("^地图测试企业17（")).click()
    frame.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')?.textContent.includes('地图测试企业17')"
    )
    assert frame.evaluate(MAP_VIEW)[0] == 16
    frame.wait_for_timeout(500)  # the popup stays open
    assert frame.locator(".leaflet-popup-content a", has_text="企业详情").count() == 1
    # A marker's tooltip gets its name from the server too.
    frame.locator(".leaflet-popup-close-button").click()
    central(frame.locator(".sk-ent")).hover()
    frame.wait_for_function(
        "() => /地图测试企业\\d+/.test(document.querySelector('.leaflet-tooltip')?.textContent)"
    )
    screenshot(page, "map-search-region-page")
    assert watch.console_errors == []
    assert watch.blocked == []


def test_a_map_file_without_its_names_file_still_draws_and_says_what_is_missing(new_page, tmp_path):
    points = [EnterprisePoint(i, f"单独企业{i}", 118.1 + i / 100, 39.1, "blue") for i in range(1, 4)]
    options = MapOptions(title="缺名称文件测试图", link_base=None, names_file="gone_names.js")
    regions = [
        RegionShape("139101", "测试区", shapely.box(118.0, 39.0, 119.2, 40.0), "blue", is_synthetic=True)
    ]
    (tmp_path / "alone.html").write_text(
        render_html(build_map(regions, points, None, options), options, standalone=True), encoding="utf-8"
    )
    page, watch = new_page()
    page.goto((tmp_path / "alone.html").as_uri())
    check_map(page, 1, len(points))
    form = search(page, "单独企业")
    form.locator(".sk-search-status").filter(has_text="未能读取企业名称文件 gone_names.js").wait_for()
    assert watch.blocked == []
