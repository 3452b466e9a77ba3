"""Phones (390×844) and desks (1366×900) in Chromium, with no network:

- every table of every page shows all of its columns: on a phone each row is a card and each cell a
  line under its column's name (the 隐患等级 of the enterprise's ledger, the 督办级别 of the board, …);
- no main page of any role is wider than the phone (the 告知卡, 统计, 执法全过程记录 included);
- chart text is at least 12 px on the phone; the header is at most 100 px tall with 44 px touch targets;
- an unknown URL opened in a browser is a Chinese 404 page with a link home; the favicon is served, so a
  first page load logs no console error.
Screenshots: test-artifacts/phone-*.png and desktop-*.png.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.principal import SYSTEM
from app.enforcement import random_draw
from app.enterprises.models import Enterprise
from app.hazards import schemas as hs
from app.hazards import tips
from app.scheduler.models import InspectionPlan
from app.supervision import service as supervision
from app.supervision.schemas import CaseIn
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.risks.factories import add_measure, assess, make_point
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, principal_from

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@dataclass
class Site:
    password: str
    users: dict[str, str]  # role -> username
    pages: dict[str, list[str]]  # role -> paths (public: no sign-in)


@pytest.fixture(scope="module")
def site(live_server) -> Site:  # type: ignore[no-untyped-def]
    """One enterprise with a 重大 and a 一般 hazard, a 挂牌督办 case on the first, a graded risk point,
    a 举报, and this month's 双随机 plan."""
    with live_server.session() as s:
        world = make_world(s, "1378", "ph")
        ent = s.get_one(Enterprise, world.enterprise_id)
        major = make_hazard(
            s, ent, description="液氨储罐区未设置泄漏报警装置，且储罐区与厂外居民区的防火间距不足"
        )
        make_hazard(s, ent, grade="general", state="reported", description="消防通道堵塞")
        case = supervision.list_case(
            s,
            principal_from(s, world.inspector),
            CaseIn(
                subject_id=major.id,
                responsible_unit=world.enterprise_name,
                requirements="立即停用储罐区，限期完成整改并报送整改报告",
                deadline=local_today() + timedelta(days=30),
            ),
        )
        point = make_point(s, ent.id)
        assess(s, point, inputs={"L": 6, "E": 6, "C": 15})  # 540 → 重大风险
        add_measure(s, point)
        tip = hs.TipIn(
            description="仓库门口堆放大量纸箱", place="页测县工业路8号", region_code=world.township
        )
        tips.submit(s, tip, "192.0.2.15")
        month = random_draw.month_key(local_today())
        if s.scalar(select(InspectionPlan.id).where(InspectionPlan.month == month)) is None:
            random_draw.draw_plan(s, month, rates=dict.fromkeys(random_draw.LEVELS, 1.0), actor=SYSTEM)
        ent_id, case_id, point_id, town = ent.id, case.id, point.id, world.township
    return Site(
        password=world.password,
        users={
            "enterprise": world.enterprise_user,
            "inspector": world.inspector,
            "township": world.township_user,
        },
        pages={
            "enterprise": [
                "/",
                "/hazards",
                f"/hazards/{major.id}",
                "/hazards/new",
                "/tasks",
                "/supervision",
                f"/supervision/cases/{case_id}",
                f"/enterprises/{ent_id}",
                f"/risks/points/{point_id}",
                f"/risks/points/{point_id}/card",
                f"/risks/enterprises/{ent_id}/board",
                "/inbox",
            ],
            "inspector": [
                "/",
                "/enterprises",
                "/hazards",
                "/supervision",
                f"/supervision/cases/{case_id}",
                f"/supervision/cases/{case_id}/history",
                f"/supervision/cases/{case_id}/notice",
                "/tips",
                "/plans",
                "/stats",
                f"/enterprises/{ent_id}",
            ],
            "township": [
                "/",
                "/stats",
                "/hazards",
                "/supervision",
                f"/maps/region/{town}",
                "/public/announcements",
            ],
            "public": ["/login", "/report", "/public/announcements"],
        },
    )


def _open(new_page, live_server, site: Site, role: str, viewport):  # type: ignore[no-untyped-def]
    page, watch = new_page(viewport)
    if role != "public":
        login(page, live_server, site.users[role], site.password)
    return page, watch


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


def _cells(page):  # type: ignore[no-untyped-def]
    """Every data cell of every table: (locator, its data-label, its column's header, is it a key cell)."""
    out = []
    tables = page.locator("table")
    for t in range(tables.count()):
        table = tables.nth(t)
        heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        rows = table.locator("tbody tr")
        for r in range(rows.count()):
            cells = rows.nth(r).locator("td")
            if cells.count() == 1 and cells.first.get_attribute("colspan"):
                continue  # “暂无…”
            for c in range(cells.count()):
                cell = cells.nth(c)
                head = heads[c] if c < len(heads) else None
                key = "key" in (cell.get_attribute("class") or "").split()
                out.append((cell, cell.get_attribute("data-label"), head, key))
    return out


@pytest.mark.parametrize("role", ["enterprise", "inspector", "township", "public"])
def test_every_table_cell_is_a_labelled_line_on_a_phone(new_page, live_server, site, role):
    """On the desk each table is a table; on the phone the same cells are all visible, each under the
    name of its column (data-label = its <th>), the row's key cells first as the card's title."""
    desk, _ = _open(new_page, live_server, site, role, DESKTOP)
    phone, watch = _open(new_page, live_server, site, role, PHONE)
    seen_tables = 0
    for path in site.pages[role]:
        if path.endswith(("/card", "/notice")):
            continue  # no data table (the 告知卡 is label/value rows; the 通知书 is prose)
        desk.goto(f"{live_server.url}{path}")
        phone.goto(f"{live_server.url}{path}")
        desk_cells, phone_cells = _cells(desk), _cells(phone)
        assert len(desk_cells) == len(phone_cells), path
        seen_tables += phone.locator("table").count()
        for (d, _, _, _), (cell, label, head, _) in zip(desk_cells, phone_cells, strict=True):
            if not d.is_visible():
                continue
            expect(cell).to_be_visible()
            if phone.locator("table").first.evaluate("t => t.classList.contains('meta')"):
                continue
            assert label and (head is None or label == head), (path, label, head)
        # A card: its key cell comes first, and the cells are stacked (one line each), not side by side.
        for card in phone.locator("table.cards > tbody > tr").all()[:3]:
            tds = card.locator("td[data-label]")
            if tds.count() < 2:
                continue
            boxes = [tds.nth(i).bounding_box() for i in range(tds.count())]
            keys = [i for i in range(tds.count()) if "key" in (tds.nth(i).get_attribute("class") or "")]
            assert keys, f"{path}: a card without a title"
            top = min(b["y"] for b in boxes)
            assert boxes[keys[0]]["y"] == top, path
            xs = {round(b["x"]) for b in boxes}
            assert len(xs) == 1, f"{path}: cells side by side on a phone"
        if role != "public" and path in ("/hazards", "/supervision"):
            screenshot(phone, f"phone-{role}-{_slug(path)}-cards")
            screenshot(desk, f"desktop-{role}-{_slug(path)}")
    assert seen_tables > 0
    assert watch.console_errors == [], watch.console_errors


def test_phone_shows_the_columns_the_old_rule_hid(new_page, live_server, site):
    """The third column used to be hidden on phones: the enterprise's 隐患等级, the 督办 级别, 风险点等级,
    the 统计's 销号 counts, the 企业名录's 所属行政区, the 公告's 地区 and 督办级别, the 双随机 执法人员."""
    page, _ = _open(new_page, live_server, site, "enterprise", PHONE)
    base = live_server.url
    page.goto(f"{base}/hazards")
    grades = page.locator("main td[data-label='等级']")
    expect(grades.filter(has_text="重大")).to_be_visible()
    expect(grades.filter(has_text="一般")).to_be_visible()
    page.goto(f"{base}/supervision")
    expect(page.locator("main td[data-label='级别']").first).to_be_visible()
    ent_page = next(p for p in site.pages["enterprise"] if p.startswith("/enterprises/"))
    page.goto(f"{base}{ent_page}")
    expect(page.locator("main td[data-label='等级']").filter(has_text="重大风险")).to_be_visible()

    insp, _ = _open(new_page, live_server, site, "inspector", PHONE)
    insp.goto(f"{base}/supervision")
    levels = insp.locator("main td[data-label='级别']")
    expect(levels.first).to_be_visible()
    assert "级" in levels.first.inner_text()
    insp.goto(f"{base}/stats")
    expect(insp.locator("main td[data-label='销号']").first).to_be_visible()
    insp.goto(f"{base}/enterprises")
    expect(insp.locator("main td[data-label='所属行政区']").filter(has_text="页测1街道")).to_be_visible()
    insp.goto(f"{base}/plans")
    if insp.locator("main table").count():
        expect(insp.locator("main td[data-label='执法人员']").first).to_be_visible()
    insp.goto(f"{base}/public/announcements")
    expect(insp.locator("main td[data-label='督办级别']").first).to_be_visible()
    expect(insp.locator("main td[data-label='地区']").first).to_be_visible()
    screenshot(insp, "phone-announcements")


@pytest.mark.parametrize("role", ["enterprise", "inspector", "township", "public"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_main_pages_fit_the_screen(new_page, live_server, site, role, size):
    """No page is wider than the window (the phone is 390 px: the 告知卡, the stats, the 执法全过程记录…)."""
    viewport = VIEWPORTS[size]
    page, watch = _open(new_page, live_server, site, role, viewport)
    too_wide = []  # every page that does not fit, not only the first
    for path in site.pages[role]:
        res = page.goto(f"{live_server.url}{path}")
        assert res is not None and res.status == 200, path
        page.wait_for_load_state("networkidle")
        # Without it a phone lays the page out 980 px wide and shrinks it (Chromium here is not in
        # mobile mode, so it is checked on its own).
        metas = page.locator("meta[name=viewport]")
        content = (metas.first.get_attribute("content") if metas.count() else None) or ""
        if "width=device-width" not in content:
            too_wide.append(f"{path} has no viewport meta")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide.append(f"{path} is {width} px wide on a {viewport['width']} px screen")
        screenshot(page, f"{size}-{role}-{_slug(path)}")
    assert too_wide == [], too_wide
    assert watch.console_errors == [], watch.console_errors
    assert watch.blocked == [], watch.blocked


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_chart_text_is_at_least_12px(new_page, live_server, site, size):
    page, _ = _open(new_page, live_server, site, "township", VIEWPORTS[size])
    page.goto(f"{live_server.url}/stats")
    assert page.locator("svg.chart").count() == 3
    sizes = page.locator("svg.chart text").evaluate_all(
        """ts => ts.filter(t => t.getBBox().width > 0).map(t =>
             parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )
    assert sizes and min(sizes) >= 12, sorted(sizes)[:5]
    # The charts fit the page and their labels are drawn inside the window.
    for box in [page.locator("svg.chart").nth(i).bounding_box() for i in range(3)]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[size]["width"]
    screenshot(page, f"{size}-stats-charts")


@pytest.mark.parametrize("role", ["enterprise", "inspector", "public"])
def test_phone_header_is_compact_with_44px_targets(new_page, live_server, site, role):
    page, _ = _open(new_page, live_server, site, role, PHONE)
    page.goto(f"{live_server.url}/public/announcements" if role == "public" else f"{live_server.url}/")
    header = page.locator("header").bounding_box()
    assert header["height"] <= 100, header
    targets = page.locator("header a, header button")
    assert targets.count() >= 3
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44, (targets.nth(i).inner_text(), box)
    # Links past the right edge are one swipe away and still work.
    last = page.locator("header nav a").last
    href = last.get_attribute("href")
    last.click()
    page.wait_for_load_state()
    assert page.url.endswith(href)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"phone-header-{role}")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_unknown_url_is_a_chinese_page_with_a_link_home(new_page, live_server, site, size):
    page, watch = _open(new_page, live_server, site, "public", VIEWPORTS[size])
    res = page.goto(f"{live_server.url}/no-such-page/123")
    assert res is not None and res.status == 404
    assert "text/html" in res.headers["content-type"]
    expect(page.locator("h1")).to_have_text("未找到")
    expect(page.locator("main")).to_contain_text("没有找到这个页面")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
    screenshot(page, f"{size}-404")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="返回首页").click()
    assert page.url.endswith("/login")  # home, which sends the signed-out visitor to the login form
    # Only the 404 of the page itself was logged (Chromium logs every 4xx document).
    assert len(watch.console_errors) == 1 and "404" in watch.console_errors[0], watch.console_errors
    # An API URL keeps its JSON body, also in a browser.
    res = page.goto(f"{live_server.url}/api/no-such-thing")
    assert res is not None and res.status == 404
    assert res.json() == {"error": "HTTPError", "detail": "页面或接口不存在"}


def test_first_page_load_logs_no_error_and_has_a_favicon(new_page, live_server):
    page, watch = new_page(PHONE)
    page.goto(f"{live_server.url}/login")
    page.wait_for_load_state("networkidle")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon == "/static/favicon.svg"
    for url in (icon, "/favicon.ico"):
        res = page.request.get(f"{live_server.url}{url}")
        assert res.status == 200 and res.headers["content-type"].startswith("image/svg+xml"), url
    # The browser can draw it. (/favicon.ico is checked through page.request only: under Playwright's
    # request routing Chromium fails every request for that one path, whatever the server answers.)
    drawn = page.evaluate(
        """(src) => new Promise(ok => { const i = new Image(); i.onload = () => ok(i.naturalWidth);
                                        i.onerror = () => ok(0); i.src = src; })""",
        icon,
    )
    assert drawn > 0
    assert watch.console_errors == [], watch.console_errors
    assert watch.blocked == []
