"""执法 in Chromium, phone and desk in one journey: an inspector draws the month's 双随机 on a phone, opens
the inspection of a drawn enterprise, records results with a photo, registers two hazards from the failed
items and issues a 责令限期整改指令书 (its PDF is read back); the enterprise, at a desk, sees the order and
reports the rectification; the inspector records the 复查 on the phone and the outcome is published on
/public/random-results. No page is wider than the phone. Screenshots: test-artifacts/enforcement-*.png."""

import io
from datetime import timedelta

import pypdf
from playwright.sync_api import expect

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.scheduler.settings import get_scheduler_settings
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import make_world, png_bytes


def _fits(page, width: int) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def _pdf_text(page, href: str) -> str:  # type: ignore[no-untyped-def]
    res = page.request.get(href)  # the page's own cookies: what the user's download gets
    assert res.status == 200 and res.headers["content-type"].startswith("application/pdf")
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(res.body())).pages)


def test_draw_inspect_order_rectify_review_publish(live_server, new_page, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Every operating enterprise is drawn (the deployment's minimum monthly rate), so the world's one is.
    monkeypatch.setenv("SHUANGKONG_DRAW_MIN_MONTHLY_RATE", "1")
    get_scheduler_settings.cache_clear()
    month = (local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # not the phone tests'
    with live_server.session() as s:
        w = make_world(s, "1395", "enf")
        # 执法检查不少于两人: the county's second inspector is drawn with the first.
        auth.create_user(
            s, SYSTEM, username="insp2_enf", password=PASSWORD, role="inspector",
            display_name="县监管员乙enf", region_code=w.county, department="应急管理局",
        )  # fmt: skip
    try:
        _journey(live_server, new_page, w, month)
    finally:
        monkeypatch.undo()
        get_scheduler_settings.cache_clear()


def _journey(live_server, new_page, w, month: str) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url
    phone, watch = new_page(viewport=PHONE)
    login(phone, live_server, w.inspector, PASSWORD)
    phone.goto(f"{url}/enforcement/draw?month={month}")
    with phone.expect_navigation():
        phone.get_by_role("button", name=f"抽取 {month} 双随机抽查").click()
    row = phone.locator("tr", has_text=w.enterprise_name)
    expect(row).to_contain_text("县监管员enf")
    _fits(phone, PHONE["width"])
    with phone.expect_navigation():
        row.get_by_role("button", name=f"开始检查 {w.enterprise_name}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"{w.enterprise_name}：双随机抽查")

    # Results: two failures (one with a photo), everything else 符合 with one tick.
    for n, note in ((1, "安全出口堵塞"), (2, "灭火器过期")):
        phone.get_by_label(f"第 {n} 项结果").select_option("fail")
        phone.get_by_label(f"第 {n} 项说明").fill(note)
    photo = {"name": "site.png", "mimeType": "image/png", "buffer": png_bytes()}
    phone.get_by_label("第 1 项照片").set_input_files(photo)
    phone.get_by_label("其余未填写的检查项均为“符合”").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存检查结果").click()
    expect(phone.locator("img.thumb")).to_have_count(1)
    for n, place in ((1, "一号车间东门"), (2, "仓库")):
        form = phone.locator("form.item-hazard").first
        expect(form).to_contain_text(f"第 {n} 项不符合")
        form.get_by_label("部位").fill(place)
        with phone.expect_navigation():
            form.get_by_role("button", name=f"第 {n} 项登记为隐患").click()
    expect(phone.locator("a[href^='/hazards/']")).to_have_count(2)

    deadline = (local_today() + timedelta(days=15)).isoformat()
    done = phone.locator("form.complete")
    done.get_by_label("整改期限").fill(deadline)
    done.get_by_label("整改要求").fill("清理安全出口，更换过期灭火器")
    with phone.expect_navigation():
        done.get_by_role("button", name="完成检查并出具文书").click()
    expect(phone.locator(".order-state")).to_have_text("限期整改中")
    order_pdf = phone.get_by_role("link", name="责令限期整改指令书 PDF").get_attribute("href")
    text = "".join(_pdf_text(phone, f"{url}{order_pdf}").split())
    for expected in ("责令限期整改指令书", w.enterprise_name, "安全出口堵塞", "清理安全出口，更换过期灭火器"):
        assert expected in text, expected
    inspection_url = phone.url
    _fits(phone, PHONE["width"])
    screenshot(phone, "enforcement-inspection-phone")

    # The enterprise, at a desk: the order is in its messages; it reports the rectification.
    desk, desk_watch = new_page(viewport=DESKTOP)
    login(desk, live_server, w.enterprise_user, PASSWORD)
    desk.goto(f"{url}/inbox")
    with desk.expect_navigation():
        desk.get_by_role("button", name="责令限期整改指令书").click()  # marks it read, opens it
    expect(desk.locator("section.order")).to_contain_text("清理安全出口，更换过期灭火器")
    assert "责令限期整改指令书" in _pdf_text(desk, f"{url}{order_pdf}")  # the enterprise may download it
    desk.get_by_label("整改完成情况").fill("已清理安全出口，灭火器已全部更换")
    with desk.expect_navigation():
        desk.get_by_role("button", name="报告整改完成").click()
    expect(desk.locator(".order-state")).to_have_text("企业已报告整改完成")
    expect(desk.get_by_role("button", name="开始复查")).to_have_count(0)
    screenshot(desk, "enforcement-rectified-desktop")

    # The 复查 on the phone: the order becomes 复查合格.
    phone.goto(inspection_url)
    with phone.expect_navigation():
        phone.get_by_role("button", name="开始复查").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"{w.enterprise_name}：复查")
    phone.get_by_label("其余未填写的检查项均为“符合”").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存检查结果").click()
    phone.get_by_label("复查合格").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="完成检查并出具文书").click()
    phone.goto(inspection_url)
    expect(phone.locator(".order-state")).to_have_text("复查合格")
    expect(phone.get_by_role("link", name="整改复查意见书 PDF")).to_be_visible()

    # 一公开: anyone sees the outcome, with no person's name.
    desk.context.clear_cookies()
    desk.goto(f"{url}/public/random-results?month={month}")
    result = desk.locator("tr", has_text=w.enterprise_name)
    expect(result).to_contain_text("发现问题 2 项，复查合格")
    expect(desk.locator("main")).not_to_contain_text("县监管员")
    screenshot(desk, "enforcement-public-desktop")
    assert not watch.console_errors and not watch.blocked
    assert not desk_watch.console_errors and not desk_watch.blocked
