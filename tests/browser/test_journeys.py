"""The three journeys in Chromium, on a phone and on a desk, with no network:

an enterprise reports a 重大 hazard and files its plan → an inspector lists it for 挂牌督办 → the
enterprise 签收s and applies for 销号 → the inspector assigns a verifier and closes it → the township's
statistics count one more closed hazard and its map page shows the enterprise.
Bad input on the way shows the Chinese message next to the field.
"""

import re
from datetime import timedelta

import pytest

from app.auth.principal import SYSTEM
from app.hazards import service as hazards
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.web.factories import make_world, png_bytes

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def worlds(live_server):
    with live_server.session() as s:
        return {name: make_world(s, "1376", f"j{name}", town_no=n) for n, name in enumerate(VIEWPORTS, 1)}


def _photo(name: str) -> dict[str, object]:
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes()}


def _go(page, locator) -> None:  # type: ignore[no-untyped-def]
    """Click and wait for the page it leads to (a POST answers with a redirect or the form again).
    The page is brought to the front first: Chromium does not animate background tabs, and a click
    waits for an animation frame."""
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def _submit(page) -> None:  # type: ignore[no-untyped-def]
    _go(page, page.locator("main form.card button[type=submit]"))


def _act(page, label: str) -> None:  # type: ignore[no-untyped-def]
    _go(page, page.locator("main").get_by_role("link", name=label, exact=True))


def _map_region_classes(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The level classes of the region polygons on the user's own four-colour map."""
    page.goto(f"{base}/")
    _go(page, page.get_by_role("link", name="四色风险分布图").first)
    frame = page.wait_for_selector("iframe.sk-frame").content_frame()
    frame.wait_for_selector("body[data-sk-ready]")
    classes = frame.locator("path.sk-region").evaluate_all("ps => ps.map(p => p.getAttribute('class'))")
    return sorted({c for cls in classes for c in cls.split() if c.startswith("sk-region-l")})


def _field_error(page, name: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f"#{name}-error").inner_text()


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_major_hazard_from_report_to_closure(new_page, live_server, worlds, name):
    world, viewport, size = worlds[name], VIEWPORTS[name], VIEWPORTS[name]["width"]
    base = live_server.url
    watches, current, failed = [], [], []

    def as_user(username: str):  # type: ignore[no-untyped-def]
        # One page open at a time: Chromium does not animate background tabs, and clicks wait for frames.
        while current:
            current.pop().close()
        page, watch = new_page(viewport)
        watches.append(watch)
        current.append(page)
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", world.password)
        _go(page, page.locator("button[type=submit]"))
        assert page.url == f"{base}/"
        return page

    town = as_user(world.township_user)

    # The township statistics before.
    assert town.locator("header a[href='/stats']").count() == 1
    town.goto(f"{base}/stats")
    closed_before = int(town.locator("[data-stat=closed]").inner_text())

    ent = as_user(world.enterprise_user)
    # 1. The enterprise reports a 重大 hazard; the picker offers only its industry's standard items.
    _go(ent, ent.get_by_role("link", name="上报隐患", exact=True).first)
    with live_server.session() as s:
        expected = {it["code"] for it in hazards.major_items(s, SYSTEM, world.enterprise_id)}
    offered = set(ent.locator("#f-major_item option").evaluate_all("os => os.map(o => o.value)")) - {""}
    assert offered == expected and "OTHER" in offered  # 其他（依据…） when no item fits
    assert all(code.startswith("GM-") for code in offered - {"OTHER"})
    found_on = local_today() - timedelta(days=3)
    ent.fill("#f-description", "冲压车间光电保护装置失效，仍在生产")
    ent.fill("#f-place", "冲压车间")
    ent.fill("#f-found_on", found_on.isoformat())
    ent.check("input[name=grade][value=major]")
    ent.set_input_files("#f-photo", files=[_photo("scene.png")])
    # 重大 makes the item required in the browser (site.js); past that, the server says so too, next to
    # the picker, and keeps the photo already uploaded.
    assert ent.locator("#f-major_item").evaluate("e => e.required") is True
    ent.locator("form[data-major-check]").evaluate("f => f.noValidate = true")
    _submit(ent)
    assert "须选择适用的判定标准条目" in _field_error(ent, "major_item")
    assert ent.locator("input[name=kept_photo]").count() == 1
    ent.select_option("#f-major_item", sorted(expected)[0])
    _submit(ent)
    assert re.search(r"/hazards/\d+$", ent.url)
    hazard_url = ent.url
    assert "重大隐患" in ent.locator("main").inner_text()
    assert ent.locator(".photos img").count() == 1
    screenshot(ent, f"journey-{size}-1-reported")

    # 2. The 五落实 plan with the 治理方案; a deadline before the finding date is refused at the field.
    _act(ent, "制定整改方案（限期整改）")
    ent.fill("#f-measures", "更换光电保护装置并加装双手按钮")
    ent.fill("#f-responsible", "王主任")
    ent.fill("#f-funds", "12000")
    ent.fill("#f-deadline", (found_on - timedelta(days=1)).isoformat())
    ent.fill("#f-emergency_plan", "停用该冲床，设置警示标志")
    for field in ("goals", "methods", "funds_and_materials", "organisation", "timeline", "safety_measures"):
        ent.fill(f"#f-{field}", f"治理方案：{field}")
    _submit(ent)
    assert "整改期限不能早于发现日期" in _field_error(ent, "deadline")
    assert ent.locator("#f-deadline").get_attribute("aria-invalid") == "true"
    screenshot(ent, f"journey-{size}-2-plan-error")
    ent.fill("#f-deadline", (local_today() + timedelta(days=20)).isoformat())
    _submit(ent)
    assert ent.url == hazard_url
    assert ent.locator("[data-state]").inner_text() == "整改中"

    # The township's map now shows its area orange: its only enterprise has an open 重大事故隐患.
    town = as_user(world.township_user)
    assert _map_region_classes(town, base) == ["sk-region-l2"]

    insp = as_user(world.inspector)
    # 3. The inspector finds it in the ledger and lists it for 挂牌督办.
    _go(insp, insp.get_by_role("link", name="隐患台账"))
    _go(insp, insp.locator(f"a[href='{hazard_url.removeprefix(base)}']"))
    _act(insp, "挂牌督办")
    insp.fill("#f-requirements", "立即停用冲床，限期完成整改并报送整改报告")
    insp.fill("#f-deadline", local_today().isoformat())
    insp.once("dialog", lambda d: d.accept())  # 发出后将编号并公开，不能撤回
    _submit(insp)
    assert "整改期限须晚于今天" in _field_error(insp, "deadline")
    insp.fill("#f-deadline", (local_today() + timedelta(days=30)).isoformat())
    insp.once("dialog", lambda d: d.accept())
    _submit(insp)
    assert re.search(r"/supervision/cases/\d+$", insp.url)
    case_url = insp.url
    assert insp.locator("[data-state]").inner_text() == "已挂牌"
    screenshot(insp, f"journey-{size}-3-listed")

    ent = as_user(world.enterprise_user)
    # 4. The enterprise sees the notice in its inbox, 签收s and applies for 销号 with evidence.
    assert ent.locator(".badge").inner_text() != ""
    _go(ent, ent.get_by_role("link", name=re.compile("^消息")))
    _go(ent, ent.get_by_role("button", name=re.compile("挂牌督办")).first)
    assert ent.url == case_url
    _act(ent, "签收督办通知书")
    _submit(ent)
    assert ent.locator("[data-state]").inner_text() == "整改中"
    _act(ent, "申请销号")
    ent.fill("#f-note", "已更换光电保护装置，经试验有效，附整改后照片")
    ent.set_input_files("#f-photo", files=[_photo("after.png")])
    ent.once("dialog", lambda d: d.accept())
    _submit(ent)
    assert ent.locator("[data-state]").inner_text() == "已申请销号"
    screenshot(ent, f"journey-{size}-4-closure-applied")

    insp = as_user(world.inspector)
    # 5. The inspector assigns a verifier (himself) and closes the case: 摘牌销号.
    _go(insp, insp.locator("header").get_by_role("link", name="挂牌督办", exact=True))
    _go(insp, insp.locator(f"a[href='{case_url.removeprefix(base)}']").first)
    _act(insp, "指派核查人员")
    _submit(insp)
    assert insp.locator("[data-state]").inner_text() == "核查中"
    _act(insp, "核查通过，摘牌销号")
    insp.fill("#f-note", "现场核查：装置有效，准予摘牌销号")
    insp.once("dialog", lambda d: d.accept())
    _submit(insp)
    assert insp.locator("[data-state]").inner_text() == "已摘牌销号"
    insp.goto(hazard_url)
    assert insp.locator("[data-state]").inner_text() == "已销号"
    screenshot(insp, f"journey-{size}-5-closed")

    # 6. The township: one more closed hazard in its statistics, and the map shows the enterprise.
    town = as_user(world.township_user)
    town.goto(f"{base}/stats")
    assert int(town.locator("[data-stat=closed]").inner_text()) == closed_before + 1
    assert town.locator("svg.chart").count() == 3
    screenshot(town, f"journey-{size}-6-stats")
    _go(town, town.get_by_role("link", name="四色风险分布图").first)
    frame = town.wait_for_selector("iframe.sk-frame").content_frame()
    frame.wait_for_selector("body[data-sk-ready]")
    assert frame.locator(".sk-ent, .sk-cluster").count() >= 1
    screenshot(town, f"journey-{size}-7-map")
    # With the hazard closed the area is no longer orange (the enterprise has nothing else graded: blue).
    assert _map_region_classes(town, base) == ["sk-region-l0"]

    assert failed == []
    for watch in watches:
        assert watch.console_errors == [], watch.console_errors
        assert watch.blocked == [], watch.blocked
