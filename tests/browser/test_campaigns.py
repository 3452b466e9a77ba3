"""专项整治 and 安全提示 in Chromium on a phone and a desk: the enterprise works the checklist and files its
自查报告 (the confirmation names the consequence), the department's progress page counts it, the
enterprise acknowledges a 安全提示 with one click. No page is wider than the phone.
Screenshots: test-artifacts/campaign-*.png."""

import pytest
from playwright.sync_api import expect

from app.campaigns import notices, service
from app.campaigns.schemas import CampaignIn, NoticeIn
from app.campaigns.tags import set_tags
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import make_world, principal_from

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_checklist_file_progress_and_acknowledge(live_server, new_page, size) -> None:  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, "1386", f"cp{size[0]}", town_no=1 if size == "phone" else 2)
        tag = "涉粉尘" if size == "phone" else "有限空间"  # the two worlds share a county
        set_tags(s, w.enterprise_id, [tag])
        county = principal_from(s, w.inspector)
        data = CampaignIn.model_validate(
            {"title": f"粉尘整治{size}", "scope": {"tags": [tag]},
             "starts_on": "2026-01-01", "ends_on": "2026-12-31", "include_catalogue": False,
             "own_items": [{"text": "除尘器每班清灰"}, {"text": "泄爆装置完好"}]}
        )  # fmt: skip
        campaign = service.create_campaign(s, county, data)
        notice = notices.send(s, county, NoticeIn(template="heat", scope={"tags": [tag]}))  # type: ignore[arg-type]
        campaign_id, notice_id = campaign.id, notice.id

    page, watch = new_page(viewport=VIEWPORTS[size])
    login(page, live_server, w.enterprise_user, PASSWORD)
    expect(page.get_by_text(f"粉尘整治{size}")).to_be_visible()
    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    for n in range(2):
        form = page.locator("form.item-answer").nth(n)
        with page.expect_navigation():
            form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已填写 2 / 2 项")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
    screenshot(page, f"campaign-checklist-{size}")
    page.once(
        "dialog",
        lambda d: (d.message.startswith("确认报送自查报告") or pytest.fail(d.message)) and d.accept(),
    )
    with page.expect_navigation():
        page.get_by_role("button", name="报送自查报告").click()
    expect(page.get_by_text("本企业自查报告：已报送")).to_be_visible()

    page.goto(f"{live_server.url}/notices/{notice_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="确认收到（叫应）").click()
    expect(page.get_by_text("已确认收到（叫应）")).to_be_visible()

    page.context.clear_cookies()
    login(page, live_server, w.inspector, PASSWORD)
    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    expect(page.locator(".stat", has_text="已报送（100.0%）")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
    screenshot(page, f"campaign-progress-{size}")
    assert not watch.console_errors and not watch.blocked
