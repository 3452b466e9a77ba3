"""A signed-in inspector downloads the 隐患台账 from the hazards page in Chromium: the file is saved
under its Chinese name with the day's date, and opens with a frozen, filtered header (issue #15 item 7)."""

import io
from pathlib import Path

from openpyxl import load_workbook

from app.hazards import schemas as s
from app.hazards import service as hazards
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, login, screenshot
from tests.web.factories import make_world, principal_from


def test_ledger_export_downloads_with_the_chinese_name(new_page, live_server):
    with live_server.session() as db:
        world = make_world(db, "1375", "dl")
        data = s.HazardIn(source="routine", description="配电箱门未关", place="二车间", category="site")
        hazards.create_hazard(db, principal_from(db, world.enterprise_user), data)
    page, watch = new_page(DESKTOP)
    login(page, live_server, world.inspector, world.password)
    with page.expect_navigation():
        page.locator("header").get_by_role("link", name="隐患台账").click()
    page.wait_for_load_state("networkidle")
    before = local_today()
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel（.xlsx）").click()
    download = info.value
    names = {f"隐患台账-{day.isoformat()}.xlsx" for day in (before, local_today())}  # across midnight
    assert download.suggested_filename in names, download.suggested_filename
    assert download.failure() is None
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    ws = wb["隐患台账"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [world.enterprise_name]
    screenshot(page, "export-download-desktop")
    assert watch.console_errors == []
    assert watch.blocked == []
