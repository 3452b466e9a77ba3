"""Issue #15 pickers and errors at once: a regulator picks the enterprise of a new hazard by name or
统一社会信用代码 with in-scope suggestions (the 举报 card's picker), not from a 200-item <select>; the
举报 accept form and the 挂牌督办 form name every problem in one round."""

import re

from app.enterprises.models import Enterprise
from tests.factories import make_enterprise
from tests.supervision.factories import make_hazard
from tests.web.factories import csrf, sign_in
from tests.web.test_tip_pages import report, tip_card


def test_regulator_picks_the_enterprise_of_a_new_hazard_by_name_or_credit_code(client, db, world):
    outside = make_enterprise(db, region_code="139201", name="辖区外的企业")
    sign_in(client, world.inspector)
    page = client.get("/hazards/new").text
    assert '<select id="f-enterprise_id"' not in page
    assert 'list="enterprise-names"' in page and f'<option value="{world.enterprise_name}（' in page
    assert "辖区外的企业" not in page
    ent = db.get_one(Enterprise, world.enterprise_id)
    for typed in (world.enterprise_name, ent.credit_code, f"{ent.name}（{ent.credit_code}）"):
        chosen = client.get("/hazards/new", params={"enterprise": typed}).text
        assert f'<a href="/enterprises/{ent.id}">{ent.name}</a>' in chosen, typed
        assert 'name="description"' in chosen
    # Outside the scope is the same as unknown; a partial name asks to confirm the one candidate.
    res = client.get("/hazards/new", params={"enterprise": outside.name})
    assert res.status_code == 200
    assert re.search(
        r'id="enterprise-error"[^>]*>本辖区内没有名称或统一社会信用代码为“辖区外的企业”的企业<', res.text
    )
    partial = client.get("/hazards/new", params={"enterprise": world.enterprise_name[:-1]}).text
    assert f"您要找的是“{world.enterprise_name}（" in partial and 'name="description"' not in partial


def test_accepting_a_tip_lists_every_problem_at_once(client, db, world):
    tip = report(client, db, world, "配电房门口堆放杂物")
    sign_in(client, world.inspector)
    res = client.post(
        f"/tips/{tip.id}/accept",
        data={
            "csrf_token": csrf(client, "/tips"),
            "version": tip.version,
            "enterprise": "没有这家企业",
            "category": "site",
            "grade": "major",
            "major_reason": "",
        },
    )
    assert res.status_code == 200
    card = tip_card(res.text, tip.id)
    assert "本辖区内没有名称或统一社会信用代码为“没有这家企业”的企业" in card
    assert "监管人员认定重大事故隐患须选择判定标准条目或写明理由" in card


def test_listing_a_case_names_a_bad_deadline_with_the_missing_requirements(client, db, world):
    hazard = make_hazard(db, db.get_one(Enterprise, world.enterprise_id))
    sign_in(client, world.inspector)
    res = client.post(
        "/supervision/new",
        data={
            "csrf_token": csrf(client, f"/supervision/new?hazard_id={hazard.id}"),
            "hazard_id": hazard.id,
            "level": "county",
            "responsible_unit": world.enterprise_name,
            "requirements": "",
            "deadline": "2020-01-01",
        },
    )
    assert res.status_code == 200
    assert re.search(r'id="requirements-error"[^>]*>[^<]+<', res.text)
    assert re.search(r'id="deadline-error"[^>]*>整改期限须晚于今天<', res.text)


def test_a_major_hazards_plan_lists_every_missing_part_at_once(client, db, world):
    hazard = make_hazard(db, db.get_one(Enterprise, world.enterprise_id), state="reported")
    sign_in(client, world.enterprise_user)
    url = f"/hazards/{hazard.id}/act/start_rectification"
    res = client.post(url, data={"csrf_token": csrf(client, url), "version": hazard.version,
                                 "measures": "", "deadline": "2020-01-01"})  # fmt: skip
    assert res.status_code == 200
    shown = dict(re.findall(r'id="(\w+)-error"[^>]*>([^<]+)<', res.text))
    assert "measures" in shown and shown["deadline"].startswith("整改期限不能早于")
    for field, part in (("responsible", "责任人"), ("funds", "资金"), ("emergency_plan", "应急预案")):
        assert shown.get(field) == f"重大事故隐患须落实{part}", field
    assert "governance" in shown
