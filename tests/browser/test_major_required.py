"""Choosing 重大事故隐患 on 上报隐患 makes the 判定标准 item required before the form is sent (site.js),
and “其他（依据…）” makes the standard and clause required; on a phone and on a desk."""

import pytest

from app.auth import service as auth
from app.auth.principal import SYSTEM
from tests.browser.conftest import DESKTOP, PHONE, login
from tests.factories import PASSWORD


@pytest.fixture(scope="module")
def reporter(live_server):
    with live_server.session() as s:
        from tests.factories import make_enterprise, make_tree

        make_tree(s)
        ent = make_enterprise(s, name="重大必填测试企业")
        auth.create_user(s, SYSTEM, username="major_ent", password=PASSWORD, role="enterprise",
                         display_name="重大必填安全员", enterprise_id=ent.id)  # fmt: skip
    return "major_ent"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_major_grade_makes_the_item_required(new_page, live_server, reporter, viewport):
    page, watch = new_page(viewport)
    login(page, live_server, reporter, PASSWORD)
    page.goto(f"{live_server.url}/hazards/new")
    item = page.locator("#f-major_item")
    assert item.evaluate("e => e.required") is False
    page.fill("#f-description", "储罐区可燃气体报警器失效")
    page.fill("#f-place", "储罐区")
    page.check("input[name=grade][value=major]")
    assert item.evaluate("e => e.required") is True
    page.click("form[data-major-check] button[type=submit]")
    assert page.url.endswith("/hazards/new")  # the browser refused to send it
    assert item.evaluate("e => e.validationMessage") != ""
    page.select_option("#f-major_item", "OTHER")
    assert page.locator("#f-major_basis_standard").evaluate("e => e.required") is True
    assert page.locator("#f-major_basis_clause").evaluate("e => e.required") is True
    page.check("input[name=grade][value=general]")
    assert item.evaluate("e => e.required") is False
    assert page.locator("#f-major_basis_clause").evaluate("e => e.required") is False
    assert watch.console_errors == []
    assert watch.blocked == []
