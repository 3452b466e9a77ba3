"""Issue #15 items that had no browser test yet, in Chromium with no network:

- 3 and 7: a 重大 hazard's 判定依据 is the item's text with the standard and clause on its page and in
  the downloaded ledger (no "GM-3-2（ ）"); the .xlsx has widths, a frozen filtered header and real dates;
- 6 and 14 (errors one round at a time): a 上报隐患 form with several mistakes and a photo comes back with
  every message beside its field at once and the photo kept (phone);
- 12 and 14 (no success notice; photos shown as "附件99"): 重新打开, 变更等级 and 核查不通过 ask before
  they act, dismissing leaves everything as it was, a done action says so once, and the case page shows
  the 申请销号 photo;
- 14 (填报双报告 after both reports): the action is no longer offered once both are filed;
- 14 (100+ unread messages): a night's 12 overdue hazards of one enterprise are one inbox entry (phone).
Screenshots: test-artifacts/issue15-more-*.png.
"""

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.enterprises.models import Enterprise
from app.hazards import jobs
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.hazards.models import Hazard
from app.scheduler.registry import RunContext
from app.timeutil import local_today, utcnow
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.browser.test_journeys import _go, _photo
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, principal_from
from tests.web.test_next_steps import a_case, act, case_act, photo_id

ITEM_TEXT = "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业"  # GM-3-2
REPORT = {"status_and_cause": "现状与成因", "harm_and_difficulty": "危害与难度", "governance_plan": "方案"}


@pytest.fixture(scope="module")
def more(live_server):  # type: ignore[no-untyped-def]
    """An enterprise with a 重大 hazard from the catalogue, a closed 一般 hazard, a 重大 hazard with both
    reports filed, a 督办 case under 核查, and 12 hazards overdue since yesterday (scanned once)."""
    with live_server.session() as db:
        world = make_world(db, "1391", "more")
        ent = db.get_one(Enterprise, world.enterprise_id)
        user = principal_from(db, world.enterprise_user)
        data = s.HazardIn(source="routine", description="叉车司机无证上岗", place="成品库", category="site",
                          grade="major", major_item="GM-3-2")  # fmt: skip
        major = hazards.create_hazard(db, user, data).hazard
        closed = make_hazard(db, ent, grade="general", state="closed", description="配电箱门未关")
        reported = make_hazard(db, ent, description="二号储罐液位计失效")
        for recipient in ("supervisor", "workers"):
            reported = act(db, world.enterprise_user, reported, "file_report", recipient=recipient, **REPORT)
        case = a_case(db, world, make_hazard(db, ent, description="液氨储罐区未设置泄漏报警装置"))
        case = case_act(db, world.enterprise_user, case, "acknowledge")
        closure_photo = photo_id(db, world)
        case = case_act(db, world.enterprise_user, case, "apply_closure", note="已整改",
                        attachments=[closure_photo])  # fmt: skip
        verifier = principal_from(db, world.inspector).id
        case = case_act(db, world.inspector, case, "assign_verifier", verifier_id=verifier)
        yesterday = local_today() - timedelta(days=1)
        db.add_all(
            Hazard(
                enterprise_id=ent.id,
                source="routine",
                description=f"消防通道堵塞{i}",
                place=f"{i}号仓库",
                category="site",
                found_on=yesterday - timedelta(days=10),
                state="rectifying",
                deadline=yesterday,
            )  # fmt: skip
            for i in range(1, 13)
        )
        db.flush()
        jobs.overdue_scan(db, RunContext("test", utcnow(), run_id=1))
    return {"world": world, "major": major.id, "closed": closed.id, "reported": reported.id, "case": case.id,
            "closure_photo": closure_photo}  # fmt: skip


def _clean(watch) -> None:  # type: ignore[no-untyped-def]
    assert watch.console_errors == [], watch.console_errors
    assert watch.blocked == [], watch.blocked


def test_major_basis_is_the_item_in_words_on_the_page_and_in_the_export(new_page, live_server, more):
    world = more["world"]
    page, watch = new_page(DESKTOP)
    login(page, live_server, world.inspector, world.password)
    page.goto(f"{live_server.url}/hazards/{more['major']}")
    basis = page.locator("main dt:text-is('判定依据') + dd").inner_text()
    assert (
        basis.startswith(f"GM-3-2 {ITEM_TEXT}")
        and "《工贸企业重大事故隐患判定标准》第三条第（二）项" in basis
    )
    assert "（ ）" not in basis and "（）" not in basis
    screenshot(page, "issue15-more-major-basis")

    page.goto(f"{live_server.url}/hazards?enterprise_id={world.enterprise_id}")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel（.xlsx）").click()
    assert info.value.suggested_filename == f"隐患台账-{local_today().isoformat()}.xlsx"
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["隐患台账"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[head.index("隐患描述")].value == "叉车司机无证上岗")
    assert ITEM_TEXT in row[head.index("重大隐患判定依据")].value
    registered = row[head.index("登记时间")]
    assert isinstance(registered.value, datetime) and registered.number_format != "General"
    widths = {c.column_letter: ws.column_dimensions[c.column_letter].width for c in ws[1]}
    assert widths[registered.column_letter] >= 16  # "2026-12-04 10:00" fits, no "#####"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    _clean(watch)


def test_report_form_names_every_mistake_at_once_and_keeps_the_photo(new_page, live_server, more):
    world = more["world"]
    page, watch = new_page(PHONE)
    login(page, live_server, world.enterprise_user, world.password)
    page.goto(f"{live_server.url}/hazards/new")
    form = page.locator("main form.card")
    page.check("input[name=grade][value=major]")
    page.set_input_files("#f-photo", files=[_photo("site.png")])
    form.evaluate("f => f.noValidate = true")  # as an old phone browser would: the server must say it
    _go(page, form.locator("button[type=submit]"))
    for name in ("description", "place", "major_item"):
        assert page.locator(f"#{name}-error").is_visible(), name
    assert page.locator("input[name=kept_photo]").count() == 1
    pid = page.locator("input[name=kept_photo]").get_attribute("value")
    assert page.locator(f"img[src='/api/attachments/{pid}']").evaluate(
        "i => i.complete && i.naturalWidth > 0"
    )
    screenshot(page, "issue15-more-report-errors-phone")
    page.fill("#f-description", "东侧安全出口堆放纸箱")
    page.fill("#f-place", "成品库东侧")
    page.select_option("#f-major_item", "GM-3-2")
    _go(page, page.locator("main form.card button[type=submit]"))
    assert "/hazards/" in page.url and "东侧安全出口堆放纸箱" in page.locator("main").inner_text()
    assert page.locator(f"img[src='/api/attachments/{pid}']").count() >= 1
    _clean(watch)


def _dismissed(page, submit) -> str:  # type: ignore[no-untyped-def]
    """Click the submit button, dismiss the question; the question's text."""
    asked: list[str] = []

    def dismiss(dialog):  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    submit.click()
    page.wait_for_timeout(300)
    assert asked, "no question before an irreversible action"
    return asked[0]


def _state(live_server, hazard_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with live_server.session() as db:
        h = db.get_one(Hazard, hazard_id)
        return h.state, h.grade


def test_irreversible_actions_ask_first_and_say_when_done(new_page, live_server, more):
    world = more["world"]
    page, watch = new_page(DESKTOP)
    login(page, live_server, world.inspector, world.password)
    base = live_server.url

    # 重新打开 a closed hazard: the consequence is written by the button and asked again.
    url = f"{base}/hazards/{more['closed']}/act/reopen"
    page.goto(url)
    assert "不能撤回" in page.locator("main .consequence").inner_text()
    page.fill("#f-reason", "复查发现配电箱门仍未关闭")
    submit = page.locator("main form.card button[type=submit]")
    assert "确认重新打开" in _dismissed(page, submit)
    assert page.url == url and _state(live_server, more["closed"])[0] == "closed"
    page.once("dialog", lambda d: d.accept())
    _go(page, submit)
    assert page.url == f"{base}/hazards/{more['closed']}"
    assert page.locator("[data-state]").inner_text() == "整改中"
    assert page.locator("[data-done]").inner_text() == "已完成“重新打开”。"
    screenshot(page, "issue15-more-reopened-done")
    page.reload()
    assert page.locator("[data-done]").count() == 0  # said once

    # 变更等级 and 核查不通过: asked, and dismissing changes nothing.
    page.goto(f"{base}/hazards/{more['major']}/act/change_grade")
    page.select_option("#f-grade", "general")
    page.fill("#f-reason", "经核实不属于重大事故隐患")
    assert "确认变更隐患等级" in _dismissed(page, page.locator("main form.card button[type=submit]"))
    assert _state(live_server, more["major"])[1] == "major"
    page.goto(f"{base}/supervision/cases/{more['case']}/act/fail_verification")
    page.fill("#f-note", "报警装置未联动")
    assert "确认核查不通过" in _dismissed(page, page.locator("main form.card button[type=submit]"))
    page.goto(f"{base}/supervision/cases/{more['case']}")
    assert page.locator("[data-state]").inner_text() == "核查中"
    # The 申请销号 photo is on the case page itself (it used to say only "附件99").
    photo = page.locator(f"main img[src='/api/attachments/{more['closure_photo']}']")
    assert photo.count() == 1 and photo.evaluate("i => i.complete && i.naturalWidth > 0")
    _clean(watch)


def test_dual_report_is_not_offered_once_both_are_filed(new_page, live_server, more):
    world = more["world"]
    page, watch = new_page(PHONE)
    login(page, live_server, world.enterprise_user, world.password)
    page.goto(f"{live_server.url}/hazards/{more['reported']}")
    main = page.locator("main")
    assert main.locator("a[href$='/act/file_report']").count() == 0
    assert not any("填报双报告" in line for line in page.locator(".next-step").all_inner_texts())
    assert main.get_by_role("heading", name="双报告").is_visible()  # the two filed reports are listed
    screenshot(page, "issue15-more-dual-report-phone")
    _clean(watch)


def test_a_nights_overdue_hazards_are_one_inbox_entry(new_page, live_server, more):
    world = more["world"]
    page, watch = new_page(PHONE)
    login(page, live_server, world.inspector, world.password)
    page.goto(f"{live_server.url}/inbox")
    title = f"{world.enterprise_name}：12 项隐患逾期未整改"
    groups = page.locator("main").get_by_text(title)
    assert groups.count() == 1, page.locator("main").inner_text()[:500]
    with live_server.session() as db:
        mine = Hazard.enterprise_id == world.enterprise_id
        ids = db.scalars(select(Hazard.id).where(mine, Hazard.description.like("消防通道堵塞%"))).all()
    page.locator("main details summary").first.click()
    for hid in ids:
        assert page.locator(f"main a[href='/hazards/{hid}']").count() == 1
    screenshot(page, "issue15-more-inbox-phone")
    _clean(watch)
