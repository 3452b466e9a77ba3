"""Issue #15: every hazard and 督办 page says what happens next and who it waits for (from the transition
tables), shows actions the viewer may not take now with the reason, asks before irreversible actions,
says what was just done, hides 填报双报告 once both reports are filed, and shows the photos of a case's
records; the 督办通知书 names each addressee once."""

import html
import io
import re
from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from sqlalchemy import select

from app.attachments import service as attachments
from app.attachments.models import Attachment
from app.enterprises.models import Enterprise
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.hazards import transitions as ht
from app.supervision import service as supervision
from app.supervision import transitions as st
from app.supervision.schemas import ActionIn, CaseIn
from app.timeutil import local_today
from app.web import case_pages, hazard_pages
from tests.factories import make_user
from tests.supervision.factories import make_hazard
from tests.web.factories import csrf, png_bytes, principal_from, sign_in

BODY = TypeAdapter(s.TransitionIn)


def next_lines(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r'<p class="next-step"><b>下一步：</b>(.*?)</p>', page)]


def advice(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r"<p class=\"advice\" data-advice>(.*?)</p>", page)]


def refused(page: str) -> dict[str, str]:
    found = re.findall(r'data-refused="(\w+)">[^<]*</span><small class="why">(.*?)</small>', page)
    return {a: html.unescape(why) for a, why in found}


def act(db, username, hazard, action, **fields):
    body = BODY.validate_python({"action": action, "version": hazard.version, **fields})
    return hazards.transition(db, principal_from(db, username), hazard.id, body)


def a_general_hazard(db, username):
    data = s.HazardIn(source="routine", description="消防通道堵塞", place="二号仓库", category="site")
    return hazards.create_hazard(db, principal_from(db, username), data).hazard


def a_case(db, world, hazard, **kw):
    data = CaseIn(
        subject_id=hazard.id,
        responsible_unit=kw.pop("responsible_unit", world.enterprise_name),
        requirements="立即停用储罐区，限期完成整改",
        # Far enough for a 延期申请 (due 20 working days before the deadline, whatever holidays fall between).
        deadline=local_today() + timedelta(days=60),
    )
    return supervision.list_case(db, principal_from(db, world.inspector), data)


def case_act(db, username, case, action, **fields):
    return supervision.act(
        db, principal_from(db, username), case.id, action, ActionIn(version=case.version, **fields)
    )


def view(client, world, username, url):
    sign_in(client, username, world.password)
    res = client.get(url)
    assert res.status_code == 200, res.text
    return res.text


def submit(client, url, **data):
    """Open an action form and send it as it is (with its CSRF token and version), plus `data`."""
    form = client.get(url).text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    return client.post(url, data={**fields, **data})


def photo_id(db, world) -> int:
    """A real stored photo of the enterprise."""
    user = principal_from(db, world.enterprise_user)
    return attachments.save_image(db, user, io.BytesIO(png_bytes()), "p.png", world.enterprise_id).id


# ---------------------------------------------------------------- next step on hazard pages


def test_hazard_page_says_what_happens_next_in_every_state(client, db, world):
    make_user(
        db, "enterprise", enterprise_id=world.enterprise_id, display_name="企业验收员", username="ent2_w"
    )
    h = a_general_hazard(db, world.enterprise_user)
    url = f"/hazards/{h.id}"
    seen = set()

    def lines(username=world.enterprise_user):
        seen.add(h.state)
        return next_lines(view(client, world, username, url))

    assert lines() == ["待本企业制定整改方案或即查即改"]
    assert lines(world.inspector) == ["待企业制定整改方案或即查即改"]
    assert lines(world.township_user) == ["待企业制定整改方案或即查即改"]

    deadline = local_today() + timedelta(days=10)
    plan = {"measures": "清理通道", "deadline": deadline.isoformat()}
    act(db, world.enterprise_user, h, "start_rectification", plan=plan)
    assert lines() == [f"待本企业整改并申请验收，期限 {deadline.isoformat()}"]

    later = deadline + timedelta(days=5)
    act(
        db, world.enterprise_user, h, "request_extension", reason="设备未到货", new_deadline=later.isoformat()
    )
    wait = f"待本企业另一名人员审批延期申请（申请延至 {later.isoformat()}；不能审批自己提出的延期申请：企业安全员w）"  # noqa: E501
    page = view(client, world, world.enterprise_user, url)
    assert next_lines(page) == [wait]
    assert refused(page) == {"decide_extension": "不能审批自己提出的延期申请"}
    act(db, "ent2_w", h, "decide_extension", approve=True)
    assert lines() == [f"待本企业整改并申请验收，期限 {later.isoformat()}"]

    act(db, world.enterprise_user, h, "submit_for_acceptance", note="已清理")
    page = view(client, world, world.enterprise_user, url)
    seen.add(h.state)
    assert next_lines(page) == ["待本企业另一名人员验收（验收人不能是整改人：企业安全员w）"]
    assert refused(page) == {"accept": "验收人不能是整改人", "reject": "验收人不能是整改人"}
    assert advice(page) == ["请由本企业另一名人员用自己的账号登录后验收。"]
    assert f"/hazards/{h.id}/act/accept" not in page
    # The other account of the enterprise may accept: the same line, the action offered, no advice.
    page = view(client, world, "ent2_w", url)
    assert next_lines(page) == ["待本企业另一名人员验收（验收人不能是整改人：企业安全员w）"]
    assert f"/hazards/{h.id}/act/accept" in page and refused(page) == {} and advice(page) == []

    act(db, "ent2_w", h, "accept")
    assert lines() == ["已销号，流程已结束"]
    # Every state in which the table has a next step was shown.
    assert {state for state, a in ht.TABLE if a in ht.NEXT_STEPS} <= seen


def test_major_hazard_waits_for_the_regulator(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    reported = make_hazard(db, ent, state="reported")
    page = view(client, world, world.enterprise_user, f"/hazards/{reported.id}")
    owed = "、".join(["负有安全生产监督管理职责的部门", "职工大会或职工代表大会"])
    late = (local_today() - reported.deadline).days
    assert next_lines(page) == [
        f"待本企业制定整改方案，期限 {reported.deadline.isoformat()}（已逾期 {late} 天）",
        f"待本企业填报双报告（尚未报告：{owed}）",
    ]

    waiting = make_hazard(db, ent, state="awaiting_acceptance")
    for user in (world.enterprise_user, world.inspector):
        page = view(client, world, user, f"/hazards/{waiting.id}")
        assert next_lines(page)[0] == "待监管部门核查验收"
    assert f"/hazards/{waiting.id}/act/accept" in page  # the inspector may

    # Under 挂牌督办 the register's 验收 is held up until the case is closed: the line says why.
    rectifying = make_hazard(db, ent, state="rectifying")
    case = a_case(db, world, rectifying)
    act(db, world.enterprise_user, rectifying, "submit_for_acceptance", note="已整改")
    page = view(client, world, world.inspector, f"/hazards/{rectifying.id}")
    assert next_lines(page)[0].startswith(f"待监管部门核查验收（该隐患正在挂牌督办（{case.notice_number}")


def test_one_account_enterprise_is_told_why_it_cannot_accept(client, db, world):
    h = a_general_hazard(db, world.enterprise_user)
    act(
        db,
        world.enterprise_user,
        h,
        "start_rectification",
        plan={"measures": "清理", "deadline": local_today().isoformat()},
    )
    act(db, world.enterprise_user, h, "submit_for_acceptance", note="已清理")
    page = view(client, world, world.enterprise_user, f"/hazards/{h.id}")
    assert next_lines(page) == ["待本企业另一名人员验收（验收人不能是整改人：企业安全员w）"]
    assert refused(page)["accept"] == "验收人不能是整改人"
    assert advice(page) == [
        "本企业目前只有您（企业安全员w）一个账号，而验收人不能是整改人：请联系系统管理员为本企业另建一个账号，"
        "由另一名人员用该账号登录后验收。"
    ]
    # The inspector sees why the hazard is stuck too.
    page = view(client, world, world.inspector, f"/hazards/{h.id}")
    assert advice(page) and "须由系统管理员为该企业另建一个账号" in advice(page)[0]
    # The action page says why before any submit.
    sign_in(client, world.enterprise_user, world.password)
    form = client.get(f"/hazards/{h.id}/act/accept").text
    assert "当前不能执行“验收通过（销号）”：验收人不能是整改人" in form
    assert f'action="/hazards/{h.id}/act/accept"' not in form


# ---------------------------------------------------------------- next step on 督办 pages


def test_case_page_says_what_happens_next_in_every_state(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    case = a_case(db, world, make_hazard(db, ent))
    url = f"/supervision/cases/{case.id}"
    issuer = "督办部门（页测县应急管理局）"
    due = case.deadline.isoformat()
    seen = set()

    def lines(username=world.enterprise_user):
        seen.add(case.state)
        return next_lines(view(client, world, username, url))

    assert lines() == [f"待本企业签收督办通知书，整改期限 {due}"]
    assert lines(world.inspector) == [f"待企业签收督办通知书，整改期限 {due}"]
    case_act(db, world.enterprise_user, case, "acknowledge")
    assert lines() == [f"待本企业整改并申请销号，整改期限 {due}"]
    later = case.deadline + timedelta(days=10)
    case_act(db, world.enterprise_user, case, "request_extension", note="设备未到货", new_deadline=later)
    assert lines() == [f"待{issuer}审批延期申请（企业申请延至 {later.isoformat()}）"]
    case_act(db, world.inspector, case, "refuse_extension", note="理由不充分")
    case_act(
        db, world.enterprise_user, case, "apply_closure", note="已整改", attachments=[photo_id(db, world)]
    )
    verification_due = case.verification_due.isoformat()
    assert lines(world.township_user) == [f"待{issuer}指派核查人员，核查期限 {verification_due}"]
    verifier = principal_from(db, world.inspector).id
    case_act(db, world.inspector, case, "assign_verifier", verifier_id=verifier)
    assert lines() == [f"待{issuer}核查，核查期限 {verification_due}（核查人员：县监管员w）"]
    case_act(db, world.inspector, case, "pass_verification", note="合格")
    assert lines() == ["已摘牌销号，流程已结束"]
    assert {state for state, a in st.TABLE if a in st.NEXT_STEPS} <= seen


def test_inspector_without_authority_sees_why_before_clicking(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    case = a_case(db, world, make_hazard(db, ent))
    make_user(db, "inspector", region_code=world.county, department="住房和城乡建设局", username="insp2_w")
    page = view(client, world, "insp2_w", f"/supervision/cases/{case.id}")
    assert refused(page)["revoke"] == "只有挂牌督办的部门或其上级部门可以执行此操作"
    assert f"/supervision/cases/{case.id}/act/revoke" not in page


# ---------------------------------------------------------------- 督办通知书


@pytest.mark.parametrize("unit", ["{name}", " {name} ", "{name}、页测县住建局", "页测县住建局、{name}"])
def test_notice_names_each_addressee_once(client, db, world, unit):
    ent = db.get_one(Enterprise, world.enterprise_id)
    case = a_case(db, world, make_hazard(db, ent), responsible_unit=unit.format(name=world.enterprise_name))
    page = view(client, world, world.inspector, f"/supervision/cases/{case.id}/notice")
    addressee = html.unescape(re.search(r'<p class="addressee">(.*?)</p>', page).group(1))
    expected = [world.enterprise_name] + (["页测县住建局"] if "住建局" in unit else [])
    assert addressee == "、".join(expected) + "："


# ---------------------------------------------------------------- confirmation before irreversible actions


def _confirm_of(page: str) -> str:
    found = re.search(r'<form method="post"[^>]*data-confirm="([^"]+)"', page)
    assert found, "the form does not ask first"
    assert "onclick" not in page  # no inline handler (the CSP blocks them); site.js reads data-confirm
    message = html.unescape(found.group(1))
    assert (
        html.unescape(re.search(r"<p class=\"consequence\" data-consequence>(.*?)</p>", page).group(1))
        == message
    )
    return message


def test_listing_asks_first_and_says_the_notice_is_numbered_and_published(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    h = make_hazard(db, ent)
    message = _confirm_of(view(client, world, world.inspector, f"/supervision/new?hazard_id={h.id}"))
    assert "发出后将编号并公开，不能撤回" in message


def test_irreversible_hazard_actions_ask_first(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    closed = make_hazard(db, ent, grade="general", state="closed")
    general = make_hazard(db, ent, grade="general", state="rectifying")
    major = make_hazard(db, ent, state="rectifying")
    cases = [
        (world.inspector, closed, "reopen"),
        (world.enterprise_user, general, "change_grade"),
        (world.inspector, major, "change_grade"),
        (world.inspector, general, "withdraw"),  # 监管部门登记的隐患只能由监管部门撤销
        (world.enterprise_user, major, "file_report"),
        (world.inspector, major, "regulator_close"),
    ]
    for username, h, action in cases:
        message = _confirm_of(view(client, world, username, f"/hazards/{h.id}/act/{action}"))
        assert message == hazard_pages.CONFIRM[action] and "不能" in message


def test_irreversible_case_actions_ask_first(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    case = a_case(db, world, make_hazard(db, ent))
    url = f"/supervision/cases/{case.id}/act/"
    assert "不能撤回" in _confirm_of(view(client, world, world.inspector, url + "revoke"))
    case_act(db, world.enterprise_user, case, "acknowledge")
    assert "不能撤回" in _confirm_of(view(client, world, world.enterprise_user, url + "apply_closure"))
    case_act(
        db, world.enterprise_user, case, "apply_closure", note="已整改", attachments=[photo_id(db, world)]
    )
    case_act(db, world.inspector, case, "assign_verifier", verifier_id=principal_from(db, world.inspector).id)
    for action in ("fail_verification", "pass_verification"):
        message = _confirm_of(view(client, world, world.inspector, url + action))
        assert message == case_pages.CONFIRM[action] and "不能撤回" in message


def test_every_action_that_publishes_numbers_or_closes_asks_first():
    hazard_actions = {"accept", "withdraw", "reopen", "change_grade", "review_major", "file_report",
                      "regulator_close", "decide_extension"}  # fmt: skip
    case_actions = {"pass_verification", "fail_verification", "revoke", "escalate", "apply_closure",
                    "approve_extension", "refuse_extension", "record_enforcement"}  # fmt: skip
    assert hazard_actions <= set(hazard_pages.CONFIRM) and case_actions <= set(case_pages.CONFIRM)
    assert set(hazard_pages.CONFIRM) <= set(ht.ACTIONS) and set(case_pages.CONFIRM) <= set(st.ACTIONS)


# ---------------------------------------------------------------- success notice, 双报告, photos


def test_success_notice_after_an_action_shown_once(client, db, world):
    h = a_general_hazard(db, world.enterprise_user)
    sign_in(client, world.enterprise_user, world.password)
    url = f"/hazards/{h.id}/act/start_rectification"
    later = (local_today() + timedelta(days=3)).isoformat()
    res = submit(client, url, measures="清理通道", deadline=later)
    assert res.url.path == f"/hazards/{h.id}"
    assert '<p class="notice done" role="status" data-done>已完成“制定整改方案（限期整改）”。</p>' in res.text
    assert "data-done" not in client.get(f"/hazards/{h.id}").text  # once

    ent = db.get_one(Enterprise, world.enterprise_id)
    major = make_hazard(db, ent)
    sign_in(client, world.inspector, world.password)
    res = client.post("/supervision/new", data={
        "csrf_token": csrf(client, f"/supervision/new?hazard_id={major.id}"), "hazard_id": major.id,
        "level": "county", "responsible_unit": world.enterprise_name, "requirements": "限期整改",
        "deadline": (local_today() + timedelta(days=30)).isoformat()})  # fmt: skip
    assert re.fullmatch(r"/supervision/cases/\d+", res.url.path)
    assert "督办通知书已发出：已编号，并在督办公告中公开。" in res.text
    case_url = res.url.path
    sign_in(client, world.enterprise_user, world.password)
    res = submit(client, f"{case_url}/act/acknowledge")
    assert "已完成“签收督办通知书”。" in res.text
    assert "data-done" not in client.get(case_url).text


def test_file_report_is_not_offered_once_both_reports_are_filed(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    h = make_hazard(db, ent)
    report = {"status_and_cause": "现状", "harm_and_difficulty": "危害", "governance_plan": "方案"}
    link = f"/hazards/{h.id}/act/file_report"
    assert link in view(client, world, world.enterprise_user, f"/hazards/{h.id}")
    act(db, world.enterprise_user, h, "file_report", recipient="supervisor", **report)
    page = view(client, world, world.enterprise_user, f"/hazards/{h.id}")
    assert link in page and "尚未报告：职工大会或职工代表大会" in page
    act(db, world.enterprise_user, h, "file_report", recipient="workers", **report)
    page = view(client, world, world.enterprise_user, f"/hazards/{h.id}")
    assert link not in page and "填报双报告" not in "".join(next_lines(page))
    assert "双报告已全部填报" in client.get(link).text


def test_case_page_shows_the_photos_of_its_records(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    case = a_case(db, world, make_hazard(db, ent))
    case_act(db, world.enterprise_user, case, "acknowledge")
    sign_in(client, world.enterprise_user, world.password)
    url = f"/supervision/cases/{case.id}/act/report_progress"
    form = {"csrf_token": csrf(client, url), "version": case.version, "note": "已拆除旧管线"}
    res = client.post(url, data=form, files={"photo": ("after.png", png_bytes(), "image/png")})
    assert res.status_code == 200
    att = db.scalars(select(Attachment.id).order_by(Attachment.id.desc())).first()
    assert f'<a href="/api/attachments/{att}"><img src="/api/attachments/{att}"' in res.text
    assert f"附件{att}" not in res.text
    image = client.get(f"/api/attachments/{att}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    # The inspector sees it on the case page too; another enterprise would get a 404 for the image.
    page = view(client, world, world.inspector, f"/supervision/cases/{case.id}")
    assert f'src="/api/attachments/{att}"' in page
