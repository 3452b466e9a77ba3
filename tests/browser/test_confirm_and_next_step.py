"""Issue #15 in Chromium, on a phone and on a desk, with no network:

- 发出督办通知书 asks first (site.js reads the form's data-confirm; the CSP allows no inline handler):
  dismissing the question leaves everything as it was, accepting it issues the numbered notice and the
  case page says it was done;
- a 待验收 hazard of a one-account enterprise says, near the top of the page, whom it waits for, shows
  验收 disabled with the reason, and says what to do.
Screenshots: test-artifacts/confirm-*.png and next-step-*.png.
"""

import re
from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from sqlalchemy import func, select

from app.enterprises.models import Enterprise
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.supervision.models import SupervisionCase
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, principal_from

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
BODY = TypeAdapter(s.TransitionIn)


@pytest.fixture(scope="module")
def setup(live_server):  # type: ignore[no-untyped-def]
    """Per viewport: a world, a 重大 hazard to list, and a 一般 hazard its only account sent to 验收."""
    out = {}
    with live_server.session() as db:
        for n, name in enumerate(VIEWPORTS, 1):
            world = make_world(db, "1379", f"cf{name}", town_no=n)
            ent = db.get_one(Enterprise, world.enterprise_id)
            major = make_hazard(db, ent, description="液氨储罐区未设置泄漏报警装置")
            user = principal_from(db, world.enterprise_user)
            data = s.HazardIn(source="routine", description="消防通道堵塞", place="二号仓库", category="site")
            general = hazards.create_hazard(db, user, data).hazard
            deadline = (local_today() + timedelta(days=5)).isoformat()
            for action, fields in (
                ("start_rectification", {"plan": {"measures": "清理通道", "deadline": deadline}}),
                ("submit_for_acceptance", {"note": "已清理"}),
            ):
                body = BODY.validate_python({"action": action, "version": general.version, **fields})
                hazards.transition(db, user, general.id, body)
            out[name] = (world, major.id, general.id)
    return out


def _cases_of(live_server, hazard_id: int) -> int:  # type: ignore[no-untyped-def]
    with live_server.session() as db:
        return db.scalar(
            select(func.count(SupervisionCase.id)).where(SupervisionCase.subject_id == hazard_id)
        )


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_issuing_the_notice_asks_first(new_page, live_server, setup, name):  # type: ignore[no-untyped-def]
    world, major_id, _ = setup[name]
    page, watch = new_page(VIEWPORTS[name])
    login(page, live_server, world.inspector, world.password)
    form_url = f"{live_server.url}/supervision/new?hazard_id={major_id}"
    page.goto(form_url)
    # The consequence is on the page before any click, next to the button.
    assert "发出后将编号并公开，不能撤回" in page.locator("main .consequence").inner_text()
    page.fill("#f-requirements", "立即停用储罐区，限期完成整改")
    page.fill("#f-deadline", (local_today() + timedelta(days=30)).isoformat())
    asked: list[str] = []

    def dismiss(dialog):  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_timeout(500)
    assert asked and "发出后将编号并公开，不能撤回" in asked[0]
    assert page.url == form_url and _cases_of(live_server, major_id) == 0
    assert page.locator("#f-requirements").input_value() == "立即停用储罐区，限期完成整改"  # nothing lost
    screenshot(page, f"confirm-{VIEWPORTS[name]['width']}-dismissed")

    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert re.search(r"/supervision/cases/\d+$", page.url)
    assert page.locator("[data-state]").inner_text() == "已挂牌"
    assert "督办通知书已发出" in page.locator("[data-done]").inner_text()
    assert "待企业签收督办通知书" in page.locator(".next-step").first.inner_text()
    assert _cases_of(live_server, major_id) == 1
    screenshot(page, f"confirm-{VIEWPORTS[name]['width']}-issued")
    assert watch.console_errors == [] and watch.blocked == []


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_awaiting_acceptance_says_whom_it_waits_for(new_page, live_server, setup, name):  # type: ignore[no-untyped-def]
    world, _, general_id = setup[name]
    viewport = VIEWPORTS[name]
    page, watch = new_page(viewport)
    login(page, live_server, world.enterprise_user, world.password)
    page.goto(f"{live_server.url}/hazards/{general_id}")
    assert page.locator("[data-state]").inner_text() == "待验收"
    line = page.locator(".next-step").first
    assert line.inner_text() == f"下一步：待本企业另一名人员验收（验收人不能是整改人：企业安全员cf{name}）"
    box = line.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"]  # seen without scrolling
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]  # and not wider than the screen
    advice = page.locator("[data-advice]").inner_text()
    assert "请联系系统管理员为本企业另建一个账号" in advice
    refused = page.locator("[data-refused=accept]")
    assert refused.is_visible() and refused.get_attribute("aria-disabled") == "true"
    assert page.locator("main a[href$='/act/accept']").count() == 0
    screenshot(page, f"next-step-{viewport['width']}")
    assert watch.console_errors == [] and watch.blocked == []
