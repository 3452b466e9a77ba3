"""Issue #15 pickers in Chromium, on a phone (390×844) and a desk (1366×900), with no network: a city
inspector filters the 隐患台账 and the 统计 page with the /report page's 区县 → 乡镇 picker (choosing a
区县 narrows the 乡镇 list; a name picked in the search box fills both selects), and picks the
enterprise of a new hazard by typing its name instead of scrolling a long list."""

import pytest

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.enterprises.models import Enterprise
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD, make_enterprise
from tests.supervision.factories import make_hazard
from tests.web.factories import _add, make_world

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
OTHER = "1381102"  # a second county of the same city


@pytest.fixture(scope="module")
def world(live_server):  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, "1381", "pk")
        _add(s, [(OTHER, "北二区", "county", "1381100", (121, 31, 122, 32))])
        _add(s, [(OTHER + "001", "北二一镇", "township", OTHER, (121, 31, 122, 32))])
        make_hazard(s, s.get_one(Enterprise, w.enterprise_id), description="页测街道的液氨储罐")
        north = make_enterprise(s, region_code=OTHER + "001", name="北二企业", lon=121.5, lat=31.5)
        make_hazard(s, north, description="北二一镇的配电房")
        auth.create_user(s, SYSTEM, username="city_pk", password=PASSWORD, role="inspector",
                         display_name="市监管员", region_code="1381100", department="应急管理局")  # fmt: skip
    return w


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_city_inspector_filters_by_county_and_township_and_types_the_enterprise(  # type: ignore[no-untyped-def]
    new_page, live_server, world, viewport
):
    page, watch = new_page(VIEWPORTS[viewport])
    login(page, live_server, "city_pk", PASSWORD)
    page.goto(f"{live_server.url}/hazards")
    form = page.locator("form.filters[data-region-picker]")
    assert form.locator("[data-region-search-box]").is_visible()  # site.js shows the search box
    # Choosing 北二区 leaves only its townships in the 乡镇 list.
    page.select_option("#f-county", OTHER)
    visible = page.eval_on_selector_all(
        "#f-township optgroup", "gs => gs.filter(g => !g.hidden).map(g => g.label)"
    )
    assert visible == ["北二区"]
    # A name picked in the search box fills both selects; the ledger then lists that township only.
    page.fill("#f-region", "页测县 / 页测1街道")
    assert page.input_value("#f-county") == world.county
    assert page.input_value("#f-township") == world.township
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    table = page.locator("table.cards").inner_text()
    assert "页测街道的液氨储罐" in table and "北二一镇的配电房" not in table
    assert page.input_value("#f-township") == world.township
    screenshot(page, f"pickers-hazards-{viewport}")

    page.goto(f"{live_server.url}/stats")
    page.select_option("#f-township", OTHER + "001")
    assert page.input_value("#f-county") == OTHER  # choosing a township selects its county
    with page.expect_navigation():
        page.locator("form[data-region-picker] button[type=submit]").click()
    assert "北二一镇隐患排查治理统计" in page.locator("h1").inner_text()

    page.goto(f"{live_server.url}/hazards/new")
    page.fill("#f-enterprise", "北二企业")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步").click()
    assert "企业：北二企业" in page.locator("main").inner_text()
    assert page.locator("#f-description").is_visible()
    assert watch.console_errors == []
    assert watch.blocked == []
