"""A worker's 岗位风险告知卡 renders in Chromium with Chinese glyphs, offline, ready to print."""

import pytest
from sqlalchemy import select

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.regions.models import Region
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD, make_enterprise, make_tree
from tests.risks.factories import add_measure, assess, make_point


@pytest.fixture(scope="module")
def card_point(live_server):  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        if s.scalar(select(Region.code).where(Region.code == "139900")) is None:
            make_tree(s)
        ent = make_enterprise(s, name="告知卡测试企业")
        point = make_point(s, ent.id)
        assess(s, point, inputs={"L": 6, "E": 6, "C": 15})  # 540 → 重大风险
        add_measure(s, point)
        add_measure(s, point, kind="应急处置", description="发生卷入时立即急停并拨打急救电话")
        auth.create_user(s, SYSTEM, username="card_worker", password=PASSWORD, role="enterprise",
                         display_name="告知卡测试员工", enterprise_id=ent.id)  # fmt: skip
        return point.id


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_notice_card_renders_chinese(new_page, live_server, card_point, viewport):  # type: ignore[no-untyped-def]
    page, watch = new_page(viewport)
    login(page, live_server, "card_worker", PASSWORD)
    page.goto(f"{live_server.url}/risks/points/{card_point}/card")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().replace(" ", "") == "岗位风险告知卡"
    assert page.locator("#level-label").inner_text() == "重大风险"
    body = page.inner_text("body")
    for text in (
        "冲压车间冲床作业",
        "机械伤害",
        "冲床加装光电保护装置",
        "发生卷入时立即急停",
        "0335-1234567",
    ):
        assert text in body
    # Chinese glyphs are drawn (a missing font would give zero-width or tofu boxes of equal width).
    width = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = '20px "Noto Sans CJK SC", sans-serif';
                   return [c.measureText('重大风险').width, c.measureText('机械伤害').width]; }"""
    )
    assert width[0] > 40 and width[1] > 40
    assert page.locator("#level-label").bounding_box()["width"] > 0
    assert page.locator(".qr svg").count() == 1
    path = screenshot(page, f"notice-card-{viewport['width']}")
    assert path.stat().st_size > 10_000
    assert watch.console_errors == []
    assert watch.blocked == []
