"""The 双随机 plans page: after the month's draw an inspector sees which enterprises were drawn and who
inspects them; the published plan (no login) carries names only, nothing personal."""

import re

from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.enforcement import random_draw
from app.enterprises.models import Enterprise
from app.timeutil import local_today
from tests.factories import PASSWORD, make_enterprise
from tests.web.factories import World, sign_in

EVERYONE = dict.fromkeys(random_draw.LEVELS, 1.0)  # draw every operating enterprise


def drawn_month(db, world: World) -> str:
    """A second county inspector, enterprise contact details, a closed enterprise; then this month's draw."""
    auth.create_user(db, SYSTEM, username="insp_w2", password=PASSWORD, role="inspector",
                     display_name="县监管员乙", region_code=world.county)  # fmt: skip
    ent = db.get_one(Enterprise, world.enterprise_id)
    ent.contact_name, ent.contact_phone, ent.address = "王安全", "13800138000", "页测县工业路8号"
    make_enterprise(db, region_code=world.township, name="页测已关闭企业", status="closed")
    db.flush()
    month = random_draw.month_key(local_today())
    random_draw.draw_plan(db, month, rates=EVERYONE)
    return month


def test_inspector_sees_the_months_enterprises_and_inspectors(client, db, world):
    month = drawn_month(db, world)
    sign_in(client, world.inspector)
    assert 'href="/plans"' in client.get("/").text
    page = client.get("/plans").text  # the current month by default
    assert f'type="month" value="{month}"' in page and "共抽取 1 家企业" in page
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", page)
    assert rows == [(world.enterprise_name, "页测1街道", "县监管员w、县监管员乙")]
    assert "页测已关闭企业" not in page

    other = client.get("/plans?month=2001-01").text
    assert "2001-01 的双随机抽查计划尚未公布" in other and world.enterprise_name not in other
    assert "月份格式应为 年-月" in client.get("/plans?month=2025-13").text


def test_published_plan_shows_no_personal_data(client, db, world):
    month = drawn_month(db, world)
    res = client.get(f"/api/public/inspection-plans/{month}")  # nobody signed in
    assert res.status_code == 200
    plan = res.json()
    assert set(plan) == {"month", "published_at", "seed", "rule_set", "items"}
    (item,) = plan["items"]
    assert item == {
        "enterprise": world.enterprise_name,
        "region": "页测1街道",
        "inspectors": ["县监管员w", "县监管员乙"],
    }
    sign_in(client, world.inspector)
    page = client.get("/plans").text
    for private in ("王安全", "13800138000", "页测县工业路8号", "insp_w", "应急管理局"):
        assert private not in res.text and private not in page, private
