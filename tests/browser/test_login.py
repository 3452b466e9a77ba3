"""A person signs in through the browser, on a phone and on a desk, with no network."""

import pytest

from app.auth import service as auth
from app.auth.principal import SYSTEM
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD


@pytest.fixture(scope="module")
def inspector(live_server):
    with live_server.session() as s:
        from tests.factories import make_enterprise, make_tree

        make_tree(s)
        make_enterprise(s, name="浏览器测试企业")
        auth.create_user(s, SYSTEM, username="web_inspector", password=PASSWORD, role="inspector",
                         display_name="测试监管员", region_code="139100")  # fmt: skip
    return "web_inspector"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_login_and_see_enterprises(new_page, live_server, inspector, viewport):
    page, watch = new_page(viewport)
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/login")
    page.fill("#username", inspector)
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
    login(page, live_server, inspector, PASSWORD)
    assert "测试监管员" in page.inner_text("header")
    page.click("text=企业")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="浏览器测试企业").is_visible()
    screenshot(page, f"login-enterprises-{viewport['width']}")
    assert watch.console_errors == []
    assert watch.blocked == []
