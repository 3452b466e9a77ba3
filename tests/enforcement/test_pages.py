"""The phone inspection page: checklist as card rows with a result select per item, saved by one form;
read-only for people who are not on the inspection."""

from tests.factories import auth_headers
from tests.web.factories import csrf, sign_in


def test_inspection_page_records_results_and_is_read_only_for_others(client, world):
    ha = auth_headers(client, world.a)
    body = {"enterprise_id": world.ent.id, "kind": "planned", "inspector_ids": [world.b.id]}
    insp = client.post("/api/enforcement/inspections", json=body, headers=ha).json()
    first = insp["items"][0]["id"]
    url = f"/enforcement/inspections/{insp['id']}"
    sign_in(client, world.a.username)
    page = client.get(url)
    assert page.status_code == 200 and 'class="list cards"' in page.text
    assert page.text.count('name="result_') == len(insp["items"])
    token = csrf(client, url)
    # 不符合 without a note: the page comes back with the reason.
    bad = client.post(f"{url}/results", data={"csrf_token": token, f"result_{first}": "fail"})
    assert bad.status_code == 422 and "须填写说明" in bad.text
    ok = client.post(
        f"{url}/results",
        data={"csrf_token": token, f"result_{first}": "fail", f"note_{first}": "防护罩缺失"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert (
        client.get(f"/api/enforcement/inspections/{insp['id']}", headers=ha).json()["items"][0]["note"]
        == "防护罩缺失"
    )
    # The enterprise sees the page without the form.
    sign_in(client, world.ent_user.username)
    seen = client.get(url)
    assert seen.status_code == 200 and "防护罩缺失" in seen.text and 'name="result_' not in seen.text


def test_draw_page_draws_once_opens_the_inspection_and_refuses_others(client, world, monkeypatch):
    import re

    from app.scheduler.settings import get_scheduler_settings

    monkeypatch.setenv("SHUANGKONG_DRAW_MIN_MONTHLY_RATE", "1")  # every operating enterprise is drawn
    get_scheduler_settings.cache_clear()
    try:
        sign_in(client, world.ent_user.username)
        token = csrf(client, "/inbox")
        refused = client.post("/enforcement/draw", data={"csrf_token": token, "month": "2026-03"})
        assert refused.status_code == 403 and "只有监管人员" in refused.text

        sign_in(client, world.a.username)
        token = csrf(client, "/enforcement/draw?month=2026-03")
        assert "抽取 2026-03 双随机抽查" in client.get("/enforcement/draw?month=2026-03").text
        bad = client.post("/enforcement/draw", data={"csrf_token": token, "month": "March"})
        assert bad.status_code == 422 and "格式应为 YYYY-MM" in bad.text
        done = client.post(
            "/enforcement/draw", data={"csrf_token": token, "month": "2026-03"}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/enforcement/draw?month=2026-03"
        again = client.post("/enforcement/draw", data={"csrf_token": token, "month": "2026-03"})
        assert again.status_code == 422 and "已生成" in again.text
    finally:
        get_scheduler_settings.cache_clear()

    listed = client.get("/enforcement/draw?month=2026-03").text
    assert "甲一机械有限公司" in listed and "乙一机械有限公司" not in listed  # only the caller's area
    item = re.search(r'name="plan_item_id" value="(\d+)"', listed)
    assert item is not None
    form = {
        "csrf_token": token,
        "kind": "random",
        "enterprise_id": str(world.ent.id),
        "plan_item_id": item[1],
    }
    opened = client.post("/enforcement/inspections/new", data=form, follow_redirects=False)
    assert opened.status_code == 303
    page = client.get(opened.headers["location"]).text
    assert "双随机抽查" in page and "执法员乙" in page  # the drawn team
    assert "查看检查" in client.get("/enforcement/draw?month=2026-03").text
    twice = client.post("/enforcement/inspections/new", data=form)
    assert twice.status_code == 422 and "已有检查记录" in twice.text


def test_complete_form_names_the_missing_deadline_and_only_the_enterprise_reports(client, world):
    ha = auth_headers(client, world.a)
    body = {"enterprise_id": world.ent.id, "kind": "planned", "inspector_ids": [world.b.id]}
    insp = client.post("/api/enforcement/inspections", json=body, headers=ha).json()
    url = f"/enforcement/inspections/{insp['id']}"
    first = insp["items"][0]["id"]
    sign_in(client, world.a.username)
    token = csrf(client, url)
    data = {"csrf_token": token, f"result_{first}": "fail", f"note_{first}": "护栏缺失", "rest_pass": "1"}
    assert client.post(f"{url}/results", data=data, follow_redirects=False).status_code == 303
    results = client.get(f"/api/enforcement/inspections/{insp['id']}", headers=ha).json()["items"]
    assert [i["result"] for i in results] == ["fail"] + ["pass"] * (len(results) - 1)
    assert "登记为隐患" in client.get(url).text
    no_deadline = client.post(f"{url}/complete", data={"csrf_token": token, "requirements": "加装护栏"})
    assert no_deadline.status_code == 422 and "整改期限：日期格式不正确" in no_deadline.text
    ordered = client.post(
        f"{url}/complete",
        data={
            "csrf_token": token,
            "requirements": "加装护栏",
            "deadline": "2026-03-20",
            "signer": "执法员甲",
        },
        follow_redirects=False,
    )
    assert ordered.status_code == 303
    assert client.post(f"{url}/rectified", data={"csrf_token": token, "note": "已加装"}).status_code == 403
    sign_in(client, world.ent_user.username)
    token = csrf(client, url)
    empty = client.post(f"{url}/rectified", data={"csrf_token": token})
    assert empty.status_code == 422 and "整改完成情况：" in empty.text
    ok = client.post(f"{url}/rectified", data={"csrf_token": token, "note": "已加装"}, follow_redirects=False)
    assert ok.status_code == 303 and "企业已报告整改完成" in client.get(url).text
