"""Pages through the TestClient: scoping (another enterprise's hazard is 404), CSRF, field errors in
Chinese next to the field, the public 举报 form, and the pages each role reaches from its nav."""

import re
from datetime import timedelta

from app.enterprises.models import Enterprise
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.timeutil import local_today
from tests.web.factories import csrf, make_world, principal_from, sign_in


def a_hazard(db, username, **kw):
    user = principal_from(db, username)
    data = s.HazardIn(source="routine", description="消防通道堵塞", place="二号仓库", category="site", **kw)
    return hazards.create_hazard(db, user, data).hazard


def test_another_enterprises_hazard_is_not_found(client, db, world):
    other = make_world(db, "1375", "o", town_no=2)
    theirs = a_hazard(db, other.enterprise_user)
    sign_in(client, world.enterprise_user, world.password)
    res = client.get(f"/hazards/{theirs.id}")
    assert res.status_code == 404
    assert "隐患" in res.text and "不存在" in res.text and "<html" in res.text
    assert client.get(f"/hazards/{theirs.id}/act/add_progress").status_code == 404
    assert "消防通道堵塞" not in client.get("/hazards").text
    # The inspector over both townships sees it.
    sign_in(client, other.inspector, other.password)
    assert client.get(f"/hazards/{theirs.id}").status_code == 200


def test_form_post_without_csrf_token_is_refused(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    res = client.post("/hazards/new", data={"description": "x", "place": "y", "category": "site",
                                            "source": "routine"})  # fmt: skip
    assert res.status_code == 403
    assert "CSRF" in res.text
    assert "消防" not in client.get("/hazards").text


def test_bad_input_comes_back_next_to_the_field(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    token = csrf(client, "/hazards/new")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    res = client.post(
        "/hazards/new",
        data={"csrf_token": token, "enterprise_id": world.enterprise_id, "description": "",
              "place": "冲压车间", "category": "site", "source": "routine", "found_on": tomorrow},
    )  # fmt: skip
    assert res.status_code == 200
    assert re.search(r'id="description-error"[^>]*>必填<', res.text)
    assert 'value="冲压车间"' in res.text  # what was typed is kept
    res = client.post(
        "/hazards/new",
        data={"csrf_token": token, "enterprise_id": world.enterprise_id, "description": "漏油",
              "place": "冲压车间", "category": "site", "source": "routine", "found_on": tomorrow},
    )  # fmt: skip
    assert re.search(r'id="found_on-error"[^>]*>发现日期不能晚于今天<', res.text)
    assert 'aria-describedby="found_on-error"' in res.text
    assert "漏油" not in client.get("/hazards").text


def test_plan_deadline_before_finding_date_is_refused_and_nothing_is_written(client, db, world):
    hazard = a_hazard(db, world.enterprise_user, found_on=local_today() - timedelta(days=5))
    sign_in(client, world.enterprise_user, world.password)
    url = f"/hazards/{hazard.id}/act/start_rectification"
    token = csrf(client, url)
    early = (local_today() - timedelta(days=6)).isoformat()
    res = client.post(url, data={"csrf_token": token, "version": hazard.version, "measures": "清理通道",
                                 "deadline": early})  # fmt: skip
    assert re.search(r'id="deadline-error"[^>]*>整改期限不能早于发现日期', res.text)
    assert hazards.detail(db, principal_from(db, world.inspector), hazard.id).state == "reported"
    later = (local_today() + timedelta(days=3)).isoformat()
    res = client.post(url, data={"csrf_token": token, "version": hazard.version, "measures": "清理通道",
                                 "deadline": later}, follow_redirects=False)  # fmt: skip
    assert res.status_code == 303 and res.headers["location"] == f"/hazards/{hazard.id}"
    page = client.get(f"/hazards/{hazard.id}").text
    assert 'data-state="rectifying"' in page and "清理通道" in page


def test_only_allowed_actions_are_offered(client, db, world):
    hazard = a_hazard(db, world.enterprise_user)
    sign_in(client, world.township_user, world.password)
    page = client.get(f"/hazards/{hazard.id}").text
    assert "当前没有您可以执行的操作" in page and "/act/" not in page
    sign_in(client, world.enterprise_user, world.password)
    page = client.get(f"/hazards/{hazard.id}").text
    assert "/act/start_rectification" in page and "/act/accept" not in page
    assert "当前不能执行" in client.get(f"/hazards/{hazard.id}/act/accept").text


def test_public_report_form_needs_no_login(client, db, world):
    page = client.get("/report")
    assert page.status_code == 200 and "举报事故隐患" in page.text and "/public/announcements" in page.text
    res = client.post("/report", data={"description": "", "place": "河边仓库"})
    assert re.search(r'id="description-error"[^>]*>必填<', res.text)
    res = client.post("/report", data={"description": "仓库堆放烟花爆竹", "place": "河边仓库",
                                       "township": world.township})  # fmt: skip
    assert "已提交，待受理" in res.text and "回执码" in res.text
    sign_in(client, world.inspector, world.password)
    assert "仓库堆放烟花爆竹" in client.get("/tips").text


def test_inbox_shows_unread_count_and_marks_read(client, db, world):
    from app.notifications import service as notifications

    user = principal_from(db, world.enterprise_user)
    notifications.notify(db, user_ids=[user.id], kind="test", title="请签收督办通知书", body="正文",
                         link="/supervision")  # fmt: skip
    sign_in(client, world.enterprise_user, world.password)
    home = client.get("/").text
    assert '<span class="badge" aria-label="1 条未读">1</span>' in home
    inbox = client.get("/inbox").text
    note_id = re.search(r'action="/inbox/(\d+)/read"', inbox).group(1)
    res = client.post(f"/inbox/{note_id}/read", data={"csrf_token": csrf(client, "/inbox")},
                      follow_redirects=False)  # fmt: skip
    assert res.headers["location"] == "/supervision"
    assert 'class="badge"' not in client.get("/").text


def test_statistics_for_township_not_for_enterprise(client, db, world):
    a_hazard(db, world.enterprise_user)
    sign_in(client, world.township_user, world.password)
    page = client.get("/stats").text
    assert page.count("<svg") == 3 and 'data-stat="found">1<' in page
    assert f"/maps/region/{world.township}" in page
    sign_in(client, world.enterprise_user, world.password)
    assert client.get("/stats").status_code == 403


def test_pages_need_login(client, db, world):
    for url in ("/hazards", "/supervision", "/tasks", "/inbox", "/stats", "/tips", "/plans"):
        res = client.get(url, follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"] == "/login", url


def test_every_industry_reports_a_major_hazard_on_the_page(client, db, world):
    from app.enterprises.models import Enterprise
    from app.rules_engine import get_registry

    sign_in(client, world.enterprise_user, world.password)
    ent = db.get(Enterprise, world.enterprise_id)
    for industry in [i.code for i in get_registry().industries().industries]:
        ent.industry = industry
        db.commit()
        form = client.get("/hazards/new?found_on=2022-06-01")
        assert 'value="OTHER"' in form.text and "major_basis_standard" in form.text
        token = csrf(client, "/hazards/new")
        res = client.post(
            "/hazards/new",
            data={"csrf_token": token, "enterprise_id": world.enterprise_id, "place": "仓库",
                  "description": f"{industry} 隐患", "category": "site", "source": "routine",
                  "grade": "major", "major_item": "OTHER", "major_basis_standard": "GB 35181-2017",
                  "major_basis_clause": "6.1"},
        )  # fmt: skip
        assert res.status_code == 200 and "未确认" in res.text and "GB 35181-2017" in res.text, industry
    ent.industry = "machinery"
    db.commit()
    assert "GM17-JX-1" in client.get("/hazards/new?found_on=2022-06-01").text
    assert "GM17-JX-1" not in client.get("/hazards/new?found_on=2023-05-15").text
    assert "未确认" in client.get("/hazards").text


def test_major_item_picker_lists_the_whole_catalogue(client, db, world):
    ent = db.get(Enterprise, world.enterprise_id)
    sign_in(client, world.enterprise_user, world.password)
    page = client.get("/hazards/new").text  # 机械: 管理类, 第七条 and the 专项类 items
    assert 'value="GM-7-7"' in page and 'value="GM-13-2"' in page and 'value="GM-4-1"' not in page
    ent.industry = "coal_mine"
    db.flush()
    page = client.get("/hazards/new").text
    options = re.findall(r'<option value="(MK-[0-9-]+)"', page)
    assert len(options) == 95 and {"MK-3-1", "MK-4-1", "MK-18-10"} <= set(options)
    assert "煤矿重大事故隐患判定标准" in page
