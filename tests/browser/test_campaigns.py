"""专项整治 and 安全提示 in Chromium on a phone and a desk, the whole round in the pages: a county
department creates a campaign for 涉粉尘 enterprises; the enterprise works the checklist, registers one
hazard and files its 自查报告 (the confirmation names the consequence); the department returns it with a
reason; the enterprise refiles; the progress page and the downloaded 调度表 (.xlsx) count it, and the
downloaded PDF is the second filing with the hazard. The enterprise acknowledges a 安全提示 with one
click. No page is wider than the phone. Screenshots: test-artifacts/campaign-*.png."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.campaigns import notices
from app.campaigns.schemas import NoticeIn
from app.campaigns.tags import add_tags
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import make_world, principal_from

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
ROOTS = {"phone": "1386", "desktop": "1388"}  # a county each: each campaign counts its own enterprise
HAZARD = "除尘器灰斗积灰未清理"


def _confirm(page, starts: str) -> None:  # type: ignore[no-untyped-def]
    """Accept the next confirmation, failing unless it says what the click will do."""
    page.once("dialog", lambda d: (d.message.startswith(starts) or pytest.fail(d.message)) and d.accept())


def _fits(page, size: str) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]


def _switch(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    login(page, live_server, username, PASSWORD)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_create_file_return_refile_count_and_acknowledge(live_server, new_page, size) -> None:  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, ROOTS[size], f"cp{size[0]}")
        add_tags(s, w.enterprise_id, ["涉粉尘"])
        notice = notices.send(s, principal_from(s, w.inspector), NoticeIn(template="heat"))
        notice_id = notice.id
    url, title = live_server.url, f"粉尘涉爆企业专项整治{size}"
    page, watch = new_page(viewport=VIEWPORTS[size])

    # The county department publishes the campaign for 涉粉尘 enterprises.
    login(page, live_server, w.inspector, PASSWORD)
    page.goto(f"{url}/campaigns/new")
    page.get_by_label("名称", exact=True).fill(title)
    page.get_by_label("依据文件文号").fill("页测应急〔2026〕3号")
    page.get_by_label("涉粉尘").check()
    page.get_by_label("结束日期").fill((local_today() + timedelta(days=120)).isoformat())
    page.get_by_label("本次整治自定检查项（每行一项）").fill("除尘系统是否每班清灰并记录")
    _fits(page, size)
    _confirm(page, "确认发布")
    with page.expect_navigation():
        page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("专项整治已发布")).to_be_visible()
    campaign_url = page.url.split("?")[0]
    expect(page.locator(".stat", has_text="范围内企业").locator("b")).to_have_text("1")

    # The enterprise sees it on its home page, works every item and registers a hazard on the last.
    _switch(page, live_server, w.enterprise_user)
    expect(page.get_by_text(title)).to_be_visible()
    page.goto(campaign_url)
    forms = page.locator("form.item-answer")
    total = forms.count()
    assert total >= 2  # the standard's 粉尘爆炸 items for the enterprise's industry and the own item
    for n in range(total - 1):
        with page.expect_navigation():
            forms.nth(n).get_by_role("button", name="保存").click()
    last = forms.nth(total - 1)
    last.get_by_label("发现问题").check()
    last.locator("summary").click()
    last.get_by_label("隐患描述").fill(HAZARD)
    last.get_by_label("部位").fill("二车间")
    with page.expect_navigation():
        last.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已填写 {total} / {total} 项")).to_be_visible()
    expect(page.get_by_role("link", name=HAZARD)).to_be_visible()
    _fits(page, size)
    screenshot(page, f"campaign-checklist-{size}")
    _confirm(page, "确认报送自查报告")
    with page.expect_navigation():
        page.get_by_role("button", name="报送自查报告").click()
    expect(page.get_by_text("本企业自查报告：已报送")).to_be_visible()

    # The department opens the report from the progress page and returns it with a reason.
    _switch(page, live_server, w.inspector)
    page.goto(campaign_url)
    expect(page.locator(".stat", has_text="已报送（100.0%）")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name=w.enterprise_name).click()
    page.get_by_label("退回原因").fill("照片不全，请补充除尘器现场照片")
    _confirm(page, "确认退回")
    with page.expect_navigation():
        page.get_by_role("button", name="退回重新自查").click()
    expect(page.get_by_text("自查报告已退回企业重新自查")).to_be_visible()

    # The enterprise sees the reason and refiles.
    _switch(page, live_server, w.enterprise_user)
    page.goto(campaign_url)
    expect(page.get_by_text("本企业自查报告：已退回")).to_be_visible()
    expect(page.get_by_text("退回原因：照片不全，请补充除尘器现场照片")).to_be_visible()
    _confirm(page, "确认报送自查报告")
    with page.expect_navigation():
        page.get_by_role("button", name="报送自查报告").click()
    expect(page.get_by_text("本企业自查报告：已报送")).to_be_visible()
    # The 安全提示: one click acknowledges it.
    page.goto(f"{url}/notices/{notice_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="确认收到（叫应）").click()
    expect(page.get_by_text("已确认收到（叫应）")).to_be_visible()

    # The department: progress and the 调度表 count the refiled report and its hazard; the PDF opens.
    _switch(page, live_server, w.inspector)
    page.goto(campaign_url)
    expect(page.locator(".stat", has_text="已报送（100.0%）").locator("b")).to_have_text("1")
    expect(page.locator(".stat", has_text="发现隐患").locator("b")).to_have_text("1")
    _fits(page, size)
    screenshot(page, f"campaign-progress-{size}")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载调度表（.xlsx）").click()
    assert info.value.failure() is None and info.value.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    by_region = list(wb["按行政区"].iter_rows(values_only=True))
    total_row = next(r for r in by_region if r[0] == "合计")
    assert total_row[1:3] == (1, 1)  # in scope, filed
    detail = [r for r in wb["企业明细"].iter_rows(values_only=True) if r[0] == w.enterprise_name]
    assert len(detail) == 1 and detail[0][3] == "已报送" and detail[0][6] == 1

    with page.expect_navigation():
        page.get_by_role("link", name=w.enterprise_name).click()
    expect(page.get_by_text(re.compile("第 2 次"))).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="自查报告文书").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载PDF").click()
    pdf = Path(info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in (title, w.enterprise_name, "第 2 次报送", HAZARD):
        assert expected in text.replace("\n", ""), expected
    assert not watch.console_errors and not watch.blocked
