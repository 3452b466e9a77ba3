"""Issue #15 in Chromium, on a phone and on a desk, with no network:

- the 督办事项 progress form and the 排查任务 form keep a photo across a form error and attach it;
- 挂牌 starts from the 督办 board (a 挂牌 link on a 重大 hazard's row, and 新建挂牌督办);
- the 公告 are newest first;
- the ledger and statistics take a region name (海港区), and a reversed date range is an error;
- the 督办通知书 names its addressee once.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.enterprises.models import Enterprise
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.regions.demo import load_demo_regions
from app.regions.models import Region
from app.supervision.models import Announcement
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.browser.test_journeys import _go, _photo
from tests.factories import PASSWORD, make_enterprise
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, principal_from
from tests.web.test_next_steps import a_case, case_act
from tests.web.test_task_pages import a_task

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
ROOT = "1386"


@pytest.fixture(scope="module")
def worlds(live_server):
    """Per viewport: a world with a 督办 case (签收ed), an open 排查任务, a 重大 hazard not yet listed."""
    out = {}
    with live_server.session() as db:
        for n, name in enumerate(VIEWPORTS, 1):
            world = make_world(db, ROOT, f"i15{name}", town_no=n)
            ent = db.get_one(Enterprise, world.enterprise_id)
            case = a_case(db, world, make_hazard(db, ent, description=f"液氨储罐区未设置泄漏报警装置{name}"))
            case = case_act(db, world.enterprise_user, case, "acknowledge")
            task = a_task(db, world)
            unlisted = make_hazard(db, ent, description=f"二号储罐液位计失效{name}")
            db.commit()
            out[name] = {"world": world, "case": case.id, "task": task.id, "unlisted": unlisted.id}
    return out


def _page(new_page, live_server, name, username):  # type: ignore[no-untyped-def]
    page, watch = new_page(VIEWPORTS[name])
    login(page, live_server, username, PASSWORD)
    return page, watch


def _submit(page, *, validate: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Send the page's form; validate=False skips the browser's own checks (as an old phone browser
    would), so the server's message is what the person sees."""
    form = page.locator("main form.card")
    if not validate:
        form.evaluate("f => f.noValidate = true")
    _go(page, form.locator("button[type=submit]"))


def _photo_shown(page, pid: str) -> bool:  # type: ignore[no-untyped-def]
    img = page.locator(f"img[src='/api/attachments/{pid}']").first
    img.wait_for()
    return bool(img.evaluate("i => i.complete && i.naturalWidth > 0"))


def _clean(watch) -> None:  # type: ignore[no-untyped-def]
    assert watch.console_errors == [], watch.console_errors
    assert watch.blocked == [], watch.blocked


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_case_progress_keeps_the_photo_across_an_error(new_page, live_server, worlds, name):
    w = worlds[name]
    page, watch = _page(new_page, live_server, name, w["world"].enterprise_user)
    case_url = f"{live_server.url}/supervision/cases/{w['case']}"
    page.goto(f"{case_url}/act/report_progress")
    page.set_input_files("#f-photo", files=[_photo("progress.png")])
    _submit(page, validate=False)  # 整改进展 left empty
    assert page.locator("#note-error").is_visible()
    kept = page.locator("input[name=kept_photo]")
    assert kept.count() == 1
    pid = kept.get_attribute("value")
    assert _photo_shown(page, pid) and "已上传，可删除" in page.locator("main").inner_text()
    screenshot(page, f"issue15-case-photo-kept-{name}")
    page.fill("#f-note", "已停用储罐区，报警装置已到货，正在安装")
    _submit(page)
    assert page.url == case_url
    assert _photo_shown(page, pid)
    _clean(watch)


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_task_keeps_the_photo_across_an_error(new_page, live_server, worlds, name):
    w = worlds[name]
    page, watch = _page(new_page, live_server, name, w["world"].enterprise_user)
    page.goto(f"{live_server.url}/tasks/{w['task']}")
    ok, fail, na = page.locator("fieldset.item").evaluate_all(
        "fs => fs.map(f => f.querySelector('input[type=radio]').name.split('-')[1])"
    )
    page.check(f"input[name=item-{ok}-outcome][value=ok]")
    page.check(f"input[name=item-{fail}-outcome][value=fail]")
    page.fill(f"#f-item-{fail}-note", "东侧安全出口堆放纸箱")
    page.set_input_files(f"#f-item-{fail}-photo", files=[_photo("exit.png")])
    _submit(page, validate=False)  # the third item has no result
    assert page.locator(f"#item-{na}-outcome-error").is_visible()
    kept = page.locator(f"input[name='kept_item-{fail}-photo']")
    assert kept.count() == 1 and page.locator("input[type=hidden][name^=kept_]").count() == 1
    pid = kept.get_attribute("value")
    assert _photo_shown(page, pid)
    assert page.locator(f"input[name=item-{fail}-outcome][value=fail]").is_checked()
    screenshot(page, f"issue15-task-photo-kept-{name}")
    page.check(f"input[name=item-{na}-outcome][value=na]")
    _submit(page)
    assert page.url == f"{live_server.url}/tasks"
    # The failed item became a hazard, with the photo.
    page.goto(f"{live_server.url}/tasks/{w['task']}")
    _go(page, page.locator("main a[href^='/hazards/']").first)
    assert "东侧安全出口堆放纸箱" in page.locator("main").inner_text()
    assert page.locator(".photos img").count() == 1 and _photo_shown(page, pid)
    _clean(watch)


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_listing_starts_from_the_board(new_page, live_server, worlds, name):
    w = worlds[name]
    page, watch = _page(new_page, live_server, name, w["world"].inspector)
    page.goto(f"{live_server.url}/supervision")
    # 新建挂牌督办 leads to a choice of the hazards that may be listed; 挂牌 on a row opens the form.
    _go(page, page.get_by_role("link", name="新建挂牌督办"))
    link = page.locator(f"main a[href='/supervision/new?hazard_id={w['unlisted']}']")
    assert link.count() == 1
    page.goto(f"{live_server.url}/supervision")
    row_link = page.locator(f"[data-listable] a[href='/supervision/new?hazard_id={w['unlisted']}']")
    assert row_link.inner_text() == "挂牌" and row_link.is_visible()
    screenshot(page, f"issue15-board-listable-{name}")
    _go(page, row_link)
    assert page.locator("input[name=hazard_id]").get_attribute("value") == str(w["unlisted"])
    assert page.locator("#f-responsible_unit").input_value() == w["world"].enterprise_name
    page.fill("#f-requirements", "立即停用二号储罐，限期更换液位计")
    page.fill("#f-deadline", (local_today() + timedelta(days=30)).isoformat())
    page.once("dialog", lambda d: d.accept())  # 发出后将编号并公开，不能撤回
    _submit(page)
    assert "/supervision/cases/" in page.url and page.locator("[data-state]").inner_text() == "已挂牌"
    page.goto(f"{live_server.url}/supervision")
    assert page.locator(f"a[href='/supervision/new?hazard_id={w['unlisted']}']").count() == 0
    _clean(watch)


@pytest.fixture(scope="module")
def dated_announcements(live_server, worlds):
    """Three more listings, recorded in an order other than their publication dates."""
    days = [date(2026, 1, 5), date(2026, 3, 2), date(2025, 12, 20)]
    world = worlds["desktop"]["world"]
    numbers = []
    with live_server.session() as db:
        ent = db.get_one(Enterprise, world.enterprise_id)
        for day in days:
            case = a_case(db, world, make_hazard(db, ent, description=f"公告排序测试隐患{day}"))
            row = db.scalars(select(Announcement).where(Announcement.case_id == case.id)).one()
            row.published_on = day
            numbers.append((day, row.notice_number))
    return [number for _, number in sorted(numbers, reverse=True)]


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_announcements_newest_first(new_page, live_server, dated_announcements, name):
    page, watch = new_page(VIEWPORTS[name])
    page.goto(f"{live_server.url}/public/announcements")
    dates = [d.strip() for d in page.locator("main tbody tr td:first-child").all_inner_texts()]
    assert dates and dates == sorted(dates, reverse=True), dates
    numbers = [n for n in page.locator("td[data-label='文号']").all_inner_texts() if n in dated_announcements]
    assert numbers == dated_announcements
    assert "按发布日期排列，最新的在前" in page.locator("main").inner_text()
    screenshot(page, f"issue15-announcements-{name}")
    _clean(watch)


@pytest.fixture(scope="module")
def haigang(live_server):
    """The real 秦皇岛 regions; a hazard in 海港区 and one in 山海关区; an inspector of the city."""
    with live_server.session() as db:
        if db.get(Region, "130302") is None or db.get(Region, "130303") is None:
            load_demo_regions(db)
        out = {}
        for district, text in (("130302", "海港区仓库消防通道堵塞"), ("130303", "山海关区配电箱门破损")):
            town = db.scalars(
                select(Region.code).where(Region.parent_code == district).order_by(Region.code)
            ).first()
            ent = make_enterprise(
                db, region_code=town or district, name=f"筛选测试企业{district}", lon=None, lat=None
            )
            auth.create_user(
                db,
                SYSTEM,
                username=f"filter_{district}",
                password=PASSWORD,
                role="enterprise",
                display_name="筛选测试员",
                enterprise_id=ent.id,
            )
            db.flush()
            data = s.HazardIn(source="routine", description=text, place="厂区", category="site",
                              found_on=local_today() - timedelta(days=5))  # fmt: skip
            hazards.create_hazard(db, principal_from(db, f"filter_{district}"), data)
            out[district] = text
        auth.create_user(
            db,
            SYSTEM,
            username="filter_city",
            password=PASSWORD,
            role="inspector",
            display_name="市局筛选员",
            region_code="130300",
            department="应急管理局",
        )
    return out


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_region_name_filters_and_reversed_dates_say_so(new_page, live_server, haigang, name):
    page, watch = _page(new_page, live_server, name, "filter_city")
    # A reversed date range: the message beside the field, not an empty list (checked first, on its own).
    page.goto(f"{live_server.url}/hazards?found_from=2026-05-02&found_to=2026-05-01")
    assert page.locator("#found_from-error").count() == 1, "a reversed date range said nothing"
    page.goto(f"{live_server.url}/hazards")
    main = page.locator("main")
    assert haigang["130302"] in main.inner_text() and haigang["130303"] in main.inner_text()
    filters = page.locator("form.filters")
    filters.locator("input[name=region]").fill("海港区")
    _go(page, filters.locator("button[type=submit]"))
    text = main.inner_text()
    assert haigang["130302"] in text and haigang["130303"] not in text
    assert filters.locator("input[name=region]").input_value() == "海港区"
    assert page.locator("#region-error").count() == 0
    screenshot(page, f"issue15-region-filter-{name}")
    # A reversed date range: the message beside the field, not an empty list.
    filters.locator("input[name=found_from]").fill("2026-05-02")
    filters.locator("input[name=found_to]").fill("2026-05-01")
    _go(page, filters.locator("button[type=submit]"))
    assert page.locator("#found_from-error").inner_text() == "起始日期不能晚于截止日期"
    assert filters.locator("input[name=found_from]").get_attribute("aria-invalid") == "true"
    screenshot(page, f"issue15-reversed-dates-{name}")

    page.goto(f"{live_server.url}/stats")
    page.fill("#f-region", "海港区")  # the 区县 → 乡镇 picker's search box fills its 区县 select
    assert page.input_value("#f-county") == "130302"
    _go(page, page.locator("form[data-region-picker] button[type=submit]"))
    assert page.locator("h1").inner_text() == "海港区隐患排查治理统计"
    assert page.locator("#region-error").count() == 0
    _clean(watch)


@pytest.fixture(scope="module")
def demo_named_case(live_server):
    """A case of an enterprise named like the demo's, its 整改责任单位 the enterprise itself."""
    with live_server.session() as db:
        world = make_world(db, ROOT, "i15notice", town_no=3)
        ent = db.get_one(Enterprise, world.enterprise_id)
        ent.name = "秦皇岛示例机械有限公司001（演示）"
        world.enterprise_name = ent.name
        db.flush()
        case = a_case(db, world, make_hazard(db, ent), responsible_unit=ent.name)
        return world, case.id


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_notice_names_the_addressee_once(new_page, live_server, demo_named_case, name):
    world, case_id = demo_named_case
    page, watch = _page(new_page, live_server, name, world.inspector)
    page.goto(f"{live_server.url}/supervision/cases/{case_id}/notice")
    addressee = page.locator("p.addressee").inner_text()
    assert addressee == "秦皇岛示例机械有限公司001（演示）："
    assert addressee.count("（演示）") == 1
    screenshot(page, f"issue15-notice-{name}")
    _clean(watch)
