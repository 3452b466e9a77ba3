"""The four-colour map in Debian's Chromium with every non-local request blocked: the region page and
the standalone file both draw their polygons, clusters, legend and layer control with no network; with
many enterprises the clusters come pre-computed and zooming in leads to every single enterprise."""

import random

import pytest
import shapely
from sqlalchemy import select

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.grading.regional import recompute_region_levels
from app.mapping import service
from app.mapping.builder import (
    GRID_MAX_ZOOM,
    GRID_MIN_POINTS,
    EnterprisePoint,
    MapOptions,
    RegionShape,
    build_map,
    render_html,
)
from app.regions.demo import load_demo_regions
from app.regions.models import Region
from tests.browser.conftest import login, screenshot
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
                 + document.querySelectorAll('path.sk-ent').length"""


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
    assert page.locator("path.sk-ent").count() < 50, "the whole area at once shows clusters, not markers"
    # A cluster says in words how many enterprises it holds and the highest level among them.
    central(page.locator(".sk-cluster")).hover()
    tip = page.locator(".leaflet-tooltip").inner_text()
    assert "家企业" in tip and "最高等级：" in tip and "红 " in tip
    # Clicking clusters zooms in until single enterprises appear; one tells its name and level.
    for _ in range(6):
        if page.locator("path.sk-ent").count() >= 5:
            break
        central(page.locator(".sk-cluster")).click()
        settle(page)
    marker = central(page.locator("path.sk-ent"))
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
    singles = page.locator("path.sk-ent").count()
    cluster = central(page.locator(".sk-cluster"))
    fanned = int(cluster.inner_text())
    cluster.click()
    page.wait_for_function(f"() => document.querySelectorAll('path.sk-ent').length === {singles + fanned}")
    screenshot(page, "map-many-enterprises")
    # Switching the layer off clears clusters and markers alike; back on, they are drawn again.
    layer = page.get_by_label(f"企业（{len(points)} 家）")
    layer.uncheck()
    assert page.locator(".sk-cluster").count() == 0 and page.locator("path.sk-ent").count() == 0
    layer.check()
    page.wait_for_function(f"() => ({SHOWN})() >= 30")
    assert watch.console_errors == []
    assert watch.blocked == []
