"""An enterprise user opens the enterprise page on a phone and on a desk and reads why the enterprise
has its level, as a sentence naming the rule and clause, with no rule ids (issue #15 item 2)."""

import pytest

from app.grading import enterprise as grading
from app.hazards import schemas as s
from app.hazards import service as hazards
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.web.factories import make_world, principal_from

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
SENTENCE = "存在1项未销号的重大事故隐患，企业整体等级不低于橙色，由蓝色调为橙色（企业整体风险等级规则 第2条）"


@pytest.fixture(scope="module")
def worlds(live_server):
    """One enterprise per viewport, each with an open 重大 hazard from the catalogue, graded."""
    out = {}
    with live_server.session() as db:
        for n, name in enumerate(VIEWPORTS, 1):
            world = make_world(db, "1377", f"r{name}", town_no=n)
            data = s.HazardIn(source="routine", description="叉车司机无证", place="成品库", category="site",
                              grade="major", major_item="GM-3-2")  # fmt: skip
            hazards.create_hazard(db, principal_from(db, world.enterprise_user), data)
            grading.recompute_enterprise_level(db, world.enterprise_id)
            out[name] = world
    return out


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_enterprise_page_shows_the_level_reason_as_a_sentence(new_page, live_server, worlds, viewport):
    world = worlds[viewport]
    page, watch = new_page(VIEWPORTS[viewport])
    login(page, live_server, world.enterprise_user, world.password)
    with page.expect_navigation():
        page.get_by_role("link", name=world.enterprise_name).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/enterprises/{world.enterprise_id}")
    box = page.locator("section.level")
    reason = box.get_by_text(SENTENCE, exact=True)
    assert reason.is_visible()
    # It wraps inside the screen instead of running off it.
    width = page.evaluate("() => document.documentElement.clientWidth")
    area = reason.bounding_box()
    assert area is not None and area["x"] >= 0 and area["x"] + area["width"] <= width + 1
    text = box.inner_text()
    assert "enterprise-level@" not in text and "open_major_hazards" not in text
    assert box.locator("details").count() == 0  # the 依据 line is for regulators
    screenshot(page, f"level-reasons-{VIEWPORTS[viewport]['width']}")
    assert watch.console_errors == []
    assert watch.blocked == []
