"""Issue #15 (errors one round at a time), second-wave forms: one submit with several bad fields shows
every field's Chinese message at once, each under its own field, and keeps what was typed. Checked: 专项整治
new campaign, 安全提示, 考核 报送 requirement, the 事故 / 应急预案 / 演练 entry forms and the 执法
completion form. Before, the date checks of each service came one submit later (e.g. 结束日期 only after
the 名称 was filled in) and the 执法 form lost everything typed and listed its messages only at the top."""

import html
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from app.timeutil import SHANGHAI, freeze, local_today, unfreeze
from tests.enforcement.conftest import make_world as enforcement_world
from tests.factories import auth_headers
from tests.web.factories import csrf, png_bytes, sign_in


def field_errors(page: str) -> dict[str, str]:
    """{error id without "-error": message} of the messages under the fields."""
    return dict(re.findall(r'<p class="(?:field-)?error" id="([\w.-]+)-error"[^>]*>([^<]*)</p>', page))


def messages(page: str) -> list[str]:
    return re.findall(r'<p class="(?:field-)?error"[^>]*>([^<]*)</p>', page)


def after(page: str, field: str, message: str) -> bool:
    """The message is the first error after the named input (next to it, not in a list at the top)."""
    at = page.find(f'name="{field}"')
    if at < 0:
        return False
    nxt = re.search(r'<p class="(?:field-)?error"[^>]*>([^<]*)</p>', page[at:])
    return nxt is not None and html.unescape(nxt.group(1)) == message


def days(n: int) -> str:
    return (local_today() + timedelta(days=n)).isoformat()


def test_new_campaign_names_every_bad_field_at_once(client, world):
    sign_in(client, world.inspector, world.password)
    token = csrf(client, "/campaigns/new")
    res = client.post(
        "/campaigns/new",
        data={"csrf_token": token, "title": "", "basis_number": "安委办〔2026〕3号", "basis_date": days(3),
              "starts_on": days(0), "ends_on": days(-3), "own_items": "消防通道是否畅通"},
    )  # fmt: skip
    assert res.status_code == 200
    assert after(res.text, "title", "必填")
    assert after(res.text, "basis_date", "依据文件日期不能晚于今天")
    assert after(res.text, "ends_on", "结束日期不能早于开始日期")
    assert 'value="安委办〔2026〕3号"' in res.text and "消防通道是否畅通" in res.text
    assert f'value="{days(-3)}"' in res.text


def test_safety_notice_names_title_body_and_deadline_at_once(client, world):
    sign_in(client, world.inspector, world.password)
    token = csrf(client, "/notices/new")
    past = (datetime.now(SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    res = client.post(
        "/notices/new", data={"csrf_token": token, "title": "", "body": "", "ack_deadline": past}
    )
    assert res.status_code == 200
    assert after(res.text, "title", "请填写安全提示标题（或选择模板）")
    assert after(res.text, "body", "请填写安全提示正文（或选择模板）")
    assert after(res.text, "ack_deadline", "叫应截止时间须晚于现在")
    assert f'value="{past}"' in res.text


def test_submission_requirement_names_every_bad_field_at_once(client, world):
    sign_in(client, world.inspector, world.password)
    token = csrf(client, "/assessment/submissions")
    res = client.post(
        "/assessment/submissions",
        data={"csrf_token": token, "title": "", "period": "2026-13", "due_on": days(-3), "note": "按月报送"},
    )
    assert res.status_code == 200
    assert after(res.text, "title", "必填")
    assert after(
        res.text, "period", "考核期 '2026-13' 格式不对：应为 2026-11（月）、2026-Q4（季度）或 2026（年）"
    )
    assert after(res.text, "due_on", "报送截止日期不能早于今天")
    assert "至少选择一项" in messages(res.text)  # no child region ticked
    assert 'value="2026-13"' in res.text and "按月报送" in res.text


def test_accident_and_plan_entry_forms_name_every_bad_field_at_once(client, world):
    sign_in(client, world.enterprise_user, world.password)
    url = f"/enterprises/{world.enterprise_id}/emergency/new"
    token = csrf(client, url)
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    res = client.post(
        f"{url}/accident",
        data={"csrf_token": token, "occurred_at": tomorrow, "place": "二号车间", "accident_type": "",
              "deaths": "-1", "summary": ""},
    )  # fmt: skip
    assert field_errors(res.text) == {
        "occurred_at": "事故发生时间不能晚于现在",
        "accident_type": "必填",
        "deaths": "不能为负数",
        "a-summary": "必填",
    }
    assert 'value="二号车间"' in res.text and f'value="{tomorrow}"' in res.text

    res = client.post(
        f"{url}/plan",
        data={"csrf_token": token, "kind": "comprehensive", "title": "", "version": "2026版",
              "reviewed_on": days(5), "published_on": days(6)},
    )  # fmt: skip
    assert field_errors(res.text) == {
        "title": "必填",
        "reviewed_on": "评审（论证）日期不能晚于今天",
        "review_kind": "请选择评审或论证",
        "published_on": "公布日期不能晚于今天",
    }
    assert 'value="2026版"' in res.text


@pytest.fixture
def frozen() -> Iterator[None]:
    freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))  # a working day inside the holiday calendar
    yield
    unfreeze()


def test_enforcement_completion_names_fields_beside_them_and_keeps_what_was_typed(client, db, frozen):
    w = enforcement_world(db)
    ha = auth_headers(client, w.a)
    body = {"enterprise_id": w.ent.id, "kind": "planned", "inspector_ids": [w.b.id]}
    insp = client.post("/api/enforcement/inspections", json=body, headers=ha).json()
    first = insp["items"][0]["id"]
    url = f"/enforcement/inspections/{insp['id']}"
    sign_in(client, w.a.username)
    token = csrf(client, url)
    saved = client.post(
        f"{url}/results",
        data={
            "csrf_token": token,
            f"result_{first}": "fail",
            f"note_{first}": "防护罩缺失",
            "rest_pass": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    # A past deadline and no 整改要求: both named under their fields, the summary kept.
    res = client.post(
        f"{url}/complete",
        data={"csrf_token": token, "summary": "现场检查一台冲床", "signer": "执法员甲", "device": "平板",
              "deadline": "2026-02-27", "requirements": ""},
    )  # fmt: skip
    assert res.status_code == 422
    assert field_errors(res.text) == {"deadline": "整改期限须晚于今天", "requirements": "必填"}
    assert 'id="f-deadline"' in res.text and 'aria-describedby="deadline-error"' in res.text
    assert "现场检查一台冲床</textarea>" in res.text and 'value="平板"' in res.text
    assert 'value="2026-02-27"' in res.text


def test_enforcement_results_name_every_item_and_keep_choices_and_photos(client, db, frozen):
    w = enforcement_world(db)
    ha = auth_headers(client, w.a)
    body = {"enterprise_id": w.ent.id, "kind": "planned", "inspector_ids": [w.b.id]}
    insp = client.post("/api/enforcement/inspections", json=body, headers=ha).json()
    first, second, third = (it["id"] for it in insp["items"][:3])
    url = f"/enforcement/inspections/{insp['id']}"
    sign_in(client, w.a.username)
    token = csrf(client, url)
    # Two 不符合 without a note, one with a photo, one 符合 with a note.
    res = client.post(
        f"{url}/results",
        data={"csrf_token": token, f"result_{first}": "fail", f"result_{second}": "fail",
              f"result_{third}": "pass", f"note_{third}": "已查看操作规程"},
        files={f"photo_{second}": ("guard.png", png_bytes(), "image/png")},
    )  # fmt: skip
    assert res.status_code == 422
    errors = field_errors(res.text)
    assert errors[f"note_{first}"].endswith("“不符合”须填写说明")
    assert errors[f"note_{second}"].endswith("“不符合”须填写说明")
    assert re.search(
        r'<option value="fail" selected>[^<]*</option>', res.text.split(f'name="result_{second}"')[1]
    )
    assert 'value="已查看操作规程"' in res.text
    kept = re.search(rf'<input type="hidden" name="kept_photo_{second}" value="(\d+)">', res.text)
    assert kept, "the photo is kept across the error"
    # Notes added, the photo not chosen again: saved, the photo on its item.
    res = client.post(
        f"{url}/results",
        data={"csrf_token": token, f"result_{first}": "fail", f"note_{first}": "防护罩缺失",
              f"result_{second}": "fail", f"note_{second}": "急停按钮失效",
              f"kept_photo_{second}": kept.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert res.status_code == 303
    items = {
        it["id"]: it
        for it in client.get(f"/api/enforcement/inspections/{insp['id']}", headers=ha).json()["items"]
    }
    assert items[second]["photos"] == [int(kept.group(1))] and items[first]["note"] == "防护罩缺失"


def test_enforcement_item_hazard_form_names_its_fields_under_that_item(client, db, frozen):
    w = enforcement_world(db)
    ha = auth_headers(client, w.a)
    body = {"enterprise_id": w.ent.id, "kind": "planned", "inspector_ids": [w.b.id]}
    insp = client.post("/api/enforcement/inspections", json=body, headers=ha).json()
    first, second = (it["id"] for it in insp["items"][:2])
    url = f"/enforcement/inspections/{insp['id']}"
    sign_in(client, w.a.username)
    token = csrf(client, url)
    data = {"csrf_token": token, f"result_{first}": "fail", f"note_{first}": "防护罩缺失",
            f"result_{second}": "fail", f"note_{second}": "急停按钮失效"}  # fmt: skip
    assert client.post(f"{url}/results", data=data, follow_redirects=False).status_code == 303
    # The second item's form with an empty 部位 and 重大: the message is under that form's field only.
    res = client.post(
        f"{url}/items/{second}/hazard",
        data={
            "csrf_token": token,
            "description": "急停按钮失效，冲床无法紧急停止",
            "place": "",
            "grade": "major",
        },
    )
    assert res.status_code == 422
    assert field_errors(res.text) == {f"h{second}-place": "必填"}
    assert (
        'value="急停按钮失效，冲床无法紧急停止"' in res.text and '<option value="major" selected>' in res.text
    )
    assert f'id="f-h{first}-place" name="place" value=""' in res.text  # the other item's form is untouched
