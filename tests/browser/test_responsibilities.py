"""责任清单 and 包联 in Chromium on a phone and a desk: a county inspector names the department that
supervises 机械 in the county, registers a 副县长's 包联 of an enterprise and records a visit; the
enterprise's user then sees both on the enterprise page. axe-core finds no serious or critical violation on
the pages, and no page is wider than the phone. Screenshots: test-artifacts/responsibilities-*.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import make_world

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
ROOTS = {"phone": "1396", "desktop": "1397"}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _check(page, size: str) -> None:  # type: ignore[no-untyped-def]
    """No wider than the screen; no serious or critical axe violation (when axe-core is installed)."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
    if not AXE.exists():
        return  # tests/browser/test_accessibility.py reports the missing axe-core
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},"
        " resultTypes: ['violations']})"
    )
    bad = [(v["id"], v["help"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{page.url}: {bad}"


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_list_liaison_visit_and_the_enterprise_page(live_server, new_page, size) -> None:  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, ROOTS[size], f"rs{size[0]}")
    url, department = live_server.url, f"页测县住房和城乡建设局{size}"
    page, watch = new_page(viewport=VIEWPORTS[size])
    login(page, live_server, w.inspector, PASSWORD)

    # The county's 责任清单: 住建局 supervises 机械.
    page.goto(f"{url}/assessment/responsibilities")
    expect(page.get_by_text("本辖区还没有责任清单")).to_be_visible()
    page.get_by_label("部门（与监管人员账号的“部门”一致）").fill(department)
    page.get_by_label("机械", exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("责任清单已保存。")
    expect(page.locator("td.key", has_text=department)).to_be_visible()
    screenshot(page, f"responsibilities-{size}-list")
    _check(page, size)

    # A 副县长's 包联 of the enterprise, and a visit.
    page.locator("form[action='/assessment/liaisons'] input[name=leader_name]").fill("王五")
    page.locator("form[action='/assessment/liaisons'] input[name=leader_title]").fill("副县长")
    page.get_by_label("或包联的企业（企业编号）").fill(str(w.enterprise_id))
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("包联已登记。")
    page.get_by_label("检查内容").fill("安全生产责任落实和隐患整改情况")
    page.get_by_label("发现的问题", exact=True).fill("应急演练记录不全")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("走访已登记。")
    expect(page.get_by_text("应急演练记录不全")).to_be_visible()
    screenshot(page, f"responsibilities-{size}-liaison")
    _check(page, size)

    # The enterprise sees who is responsible for it.
    page.context.clear_cookies()
    login(page, live_server, w.enterprise_user, PASSWORD)
    page.goto(f"{url}/enterprises/{w.enterprise_id}")
    block = page.locator("table", has=page.get_by_text("包联领导"))
    expect(block.get_by_text(department)).to_be_visible()
    expect(block.get_by_text("副县长 王五")).to_be_visible()
    screenshot(page, f"responsibilities-{size}-enterprise")
    _check(page, size)
    assert watch.blocked == [], watch.blocked
