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
