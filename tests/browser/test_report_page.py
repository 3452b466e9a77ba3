"""Issue #15 item 9 in Chromium, on a phone (390×844) and a desk (1366×900), with no network: the public
举报 form (region required and marked, 区县 → 乡镇 cascade in code order, search by name, photo),
the receipt code and its status page, and the inspector's tip card (region name, photo, enterprise
search instead of a long select). One case runs with JavaScript off: the form still works."""

import re

import pytest
from sqlalchemy import delete

from app.hazards.models import TipThrottle
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import _add, make_world, png_bytes

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
NORTH = "1380102"  # a second county, its townships added out of code order


@pytest.fixture(scope="module")
def world(live_server):  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, "1380", "rp")
        _add(s, [(NORTH, "北测区", "county", "1380100", (120, 30, 121, 31))])
        _add(s, [(NORTH + "002", "北测二镇", "township", NORTH, (120, 30, 121, 30.5))])
        _add(s, [(NORTH + "001", "北测一镇", "township", NORTH, (120, 30.5, 121, 31))])
    return w


@pytest.fixture(autouse=True)
def fresh_limits(live_server):  # type: ignore[no-untyped-def]
    """All browser tests come from 127.0.0.1: start each with an empty 举报 rate-limit window."""
    with live_server.session() as s:
        s.execute(delete(TipThrottle))


def _fill_required(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#f-description", "仓库内堆放大量烟花爆竹")
    page.fill("#f-place", "河边三号仓库")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_region_is_required_grouped_in_code_order_cascades_and_searches(  # type: ignore[no-untyped-def]
    new_page, live_server, world, viewport
):
    page, watch = new_page(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/report")
    county = page.locator("#f-county")
    assert "*" in page.locator("label[for=f-county]").inner_text()
    assert county.evaluate("e => e.required") is True
    _fill_required(page)
    page.click("form[data-region-picker] button[type=submit]")
    assert page.url.endswith("/report") and page.locator("[data-receipt]").count() == 0
    assert county.evaluate("e => e.validationMessage") != ""

    groups = page.eval_on_selector_all(
        "#f-township optgroup", "gs => gs.map(g => [g.label, g.dataset.county])"
    )
    codes = [c for _, c in groups]
    assert codes == sorted(codes) and ["北测区", NORTH] in groups
    north = f"#f-township optgroup[data-county='{NORTH}'] option"
    assert page.eval_on_selector_all(north, "os => os.map(o => o.textContent)") == ["北测一镇", "北测二镇"]

    county.select_option(NORTH)  # the township list narrows to this county
    offered = page.eval_on_selector_all(
        "#f-township optgroup:not([disabled]) option", "os => os.map(o => o.textContent)"
    )
    assert offered == ["北测一镇", "北测二镇"]

    search = page.locator("#f-region_search")
    assert search.is_visible()
    county.select_option("")
    search.fill("北测区 / 北测二镇")  # a name picked from the search box's suggestions fills both
    assert county.input_value() == NORTH and page.locator("#f-township").input_value() == NORTH + "002"
    screenshot(page, f"{viewport}-report-form")
    assert watch.console_errors == [] and watch.blocked == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_report_with_photo_gives_a_receipt_the_status_page_and_the_inspector_card(  # type: ignore[no-untyped-def]
    new_page, live_server, world, viewport
):
    description = f"危化品仓库无人值守（{viewport}）"
    page, watch = new_page(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/report")
    page.fill("#f-description", description)
    page.fill("#f-place", "东侧仓库")
    page.select_option("#f-county", world.county)
    page.select_option("#f-township", world.township)
    page.set_input_files(
        "#f-photo", files=[{"name": "site.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    with page.expect_navigation():
        page.click("form[data-region-picker] button[type=submit]")
    main = page.locator("main").inner_text()
    assert "已提交，待受理" in main and "已受理" not in main
    code = page.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){2}", code)
    screenshot(page, f"{viewport}-report-receipt")

    page.click("a[href='/report/status']")
    page.fill("#f-code", "AAAA-BBBB-CCCC")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "没有找到该回执码对应的举报" in page.locator("#code-error").inner_text()
    page.fill("#f-code", code.lower().replace("-", " "))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-tip-status]").inner_text() == "待受理"
    assert "东侧仓库" not in page.locator("main").inner_text()

    login(page, live_server, world.inspector, PASSWORD)
    page.goto(f"{live_server.url}/tips")
    card = page.locator("article.tip", has_text=description)
    assert card.locator("[data-tip-region]").inner_text() == "页测市 页测县 页测1街道"
    photo = card.locator("img[alt='举报照片 1']")
    photo.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    # The enterprise is searched by name or credit code (a datalist of in-scope names), not a <select>.
    assert card.locator("select[name=enterprise_id]").count() == 0
    picker = card.locator("input[name=enterprise]")
    assert picker.get_attribute("list") == "tip-enterprises"
    picker.fill("页测企业")
    with page.expect_navigation():
        card.locator("form[action$='/accept'] button[type=submit]").click()
    card = page.locator("article.tip", has_text=description)
    assert "请输入完整名称或统一社会信用代码" in card.inner_text() or "请确认后再提交" in card.inner_text()
    card.locator("input[name=enterprise]").fill(world.enterprise_name)
    with page.expect_navigation():
        card.locator("form[action$='/accept'] button[type=submit]").click()
    assert re.search(r"/hazards/\d+$", page.url)
    page.wait_for_function(
        "() => [...document.images].some(i => i.alt === '隐患照片 1' && i.naturalWidth > 0)"
    )

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/report/status")
    page.fill("#f-code", code)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-tip-status]").inner_text() == "已受理（转为隐患）"
    assert watch.console_errors == [] and watch.blocked == []


def test_the_form_works_without_javascript(new_page, live_server, world):  # type: ignore[no-untyped-def]
    page, watch = new_page(PHONE, java_script_enabled=False)
    page.goto(f"{live_server.url}/report")
    assert page.locator("#f-region_search").is_visible() is False  # the search box needs the script
    _fill_required(page)
    page.select_option("#f-county", world.county)
    page.select_option("#f-township", NORTH + "001")  # every township is listed without the script
    with page.expect_navigation():
        page.click("form[data-region-picker] button[type=submit]")
    assert "所选乡镇（街道）不在所选区县内" in page.locator("#township-error").inner_text()
    assert "还有 1 项需要填写或更正：乡镇（街道）" in page.locator("main").inner_text()
    page.select_option("#f-county", NORTH)
    with page.expect_navigation():
        page.click("form[data-region-picker] button[type=submit]")
    assert "已提交，待受理" in page.locator("main").inner_text()
    assert watch.blocked == []
