"""排查计划 in Chromium, on a phone and on a desk, with no network: the enterprise's safety manager makes
a plan (name, frequency, assignee, control measures), is told every missing field at once, sees the plan
with its checklist and next due date, sees the 排查任务 appear when the task generation runs, and
deactivates the plan after a confirmation. Screenshots: test-artifacts/check-plan-*.png."""

import re
from datetime import timedelta

import pytest

from app.auth.principal import SYSTEM
from app.hazards.investigation import generate_due_tasks
from app.risks import service as risks
from app.risks.schemas import MeasureIn, PointIn
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.web.factories import make_world

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def worlds(live_server):  # type: ignore[no-untyped-def]
    out = {}
    with live_server.session() as db:
        for n, name in enumerate(VIEWPORTS, 1):
            world = make_world(db, "1381", f"cp{name}", town_no=n)
            point = risks.create_point(
                db, SYSTEM, world.enterprise_id,
                PointIn(name="液氨储罐区", point_type="场所区域", responsible_person="王工"),
            )  # fmt: skip
            for text in ("泄漏报警装置完好", "喷淋系统可用"):
                measure = MeasureIn(
                    kind="工程技术", description=text, responsible_person="王工", check_frequency="日"
                )
                risks.add_measure(db, SYSTEM, point.id, measure)
            out[name] = world
    return out


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_safety_manager_makes_a_plan_and_its_task_appears(new_page, live_server, worlds, name):  # type: ignore[no-untyped-def]
    world = worlds[name]
    viewport = VIEWPORTS[name]
    page, watch = new_page(viewport)
    login(page, live_server, world.enterprise_user, world.password)
    page.goto(f"{live_server.url}/check-plans")
    with page.expect_navigation():
        page.click("main a[href='/check-plans/new']")

    # Submitted empty: each problem listed at once and beside its field.
    page.select_option("#f-frequency", "")
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    for field in ("name", "frequency", "measure_ids"):
        assert page.locator(f"#{field}-error").is_visible(), field
    assert page.locator("main .error li").count() == 3
    screenshot(page, f"check-plan-{viewport['width']}-errors")

    tomorrow = local_today() + timedelta(days=1)
    page.fill("#f-name", "储罐区每日巡检")
    page.select_option("#f-frequency", "day")
    page.fill("#f-start_on", tomorrow.isoformat())
    page.check("text=泄漏报警装置完好")
    page.check("text=喷淋系统可用")
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    assert re.search(r"/check-plans/\d+$", page.url)
    plan_url = page.url
    assert "排查计划已制定" in page.locator("[data-done]").inner_text()
    items = page.locator("main ol.plan-items li").all_inner_texts()
    assert items == ["液氨储罐区：泄漏报警装置完好", "液氨储罐区：喷淋系统可用"]
    assert page.locator("[data-next-due]").inner_text() == tomorrow.isoformat()
    assert page.locator("main a[href^='/tasks/']").count() == 0  # starts tomorrow
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]  # nothing wider than the screen
    screenshot(page, f"check-plan-{viewport['width']}-made")

    # The nightly task generation runs for tomorrow: the task is there.
    with live_server.session() as db:
        assert generate_due_tasks(db, tomorrow) >= 1
    page.reload()
    task_link = page.locator("main a[href^='/tasks/']")
    assert task_link.count() == 1 and "待排查" in page.locator("main").inner_text()

    # Deactivating asks first; dismissed nothing changes, accepted the plan is stopped.
    page.once("dialog", lambda d: d.dismiss())
    page.click("main form[action$='/deactivate'] button")
    page.wait_for_timeout(300)
    assert page.url == plan_url
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click("main form[action$='/deactivate'] button")
    assert "排查计划已停用" in page.locator("[data-done]").inner_text()
    assert "已停用" in page.locator("main table").inner_text()
    screenshot(page, f"check-plan-{viewport['width']}-list")
    assert watch.console_errors == [] and watch.blocked == []
