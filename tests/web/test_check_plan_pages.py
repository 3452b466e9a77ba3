"""排查计划 pages for enterprise staff: make a plan from chosen control measures, see its checklist,
next due date and generated task; errors come back all at once beside the fields; edit; deactivate;
another enterprise's plan is 404, and regulators cannot make plans."""

from sqlalchemy import select

from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import SYSTEM
from app.hazards import investigation
from app.hazards.models import CheckPlan, CheckTask
from app.risks import service as risks
from app.risks.schemas import MeasureIn, PointIn
from app.timeutil import local_today
from tests.factories import PASSWORD
from tests.web.factories import World, csrf, make_world, sign_in


def measures(db, world: World) -> dict[str, int]:
    """Two risk points with three measures; description → id."""
    out = {}
    for point_name, texts in (("冲压机", ["安装双手操作按钮", "每班检查光电保护"]), ("配电室", ["门锁常闭"])):
        point = risks.create_point(
            db, SYSTEM, world.enterprise_id,
            PointIn(name=point_name, point_type="设备设施", responsible_person="王工"),
        )  # fmt: skip
        for t in texts:
            m = risks.add_measure(
                db, SYSTEM, point.id,
                MeasureIn(kind="工程技术", description=t, responsible_person="王工", check_frequency="日"),
            )  # fmt: skip
            out[t] = m.id
    db.flush()
    return out


def test_safety_manager_makes_a_plan_from_measures_and_its_task_appears(client, db, world):
    ids = measures(db, world)
    auth.create_user(db, SYSTEM, username="ent_w_li", password=PASSWORD, role="enterprise",
                     display_name="排查员李", enterprise_id=world.enterprise_id)  # fmt: skip
    li = db.scalars(select(User).where(User.username == "ent_w_li")).one()
    sign_in(client, world.enterprise_user)

    form = client.get("/check-plans/new").text
    assert "安装双手操作按钮" in form and "<legend>冲压机</legend>" in form
    assert "排查员李（ent_w_li）" in form

    # Nothing chosen and no name: every problem at once, beside its field, nothing written.
    token = csrf(client, "/check-plans/new")
    bad = client.post(
        "/check-plans/new", data={"csrf_token": token, "frequency": "hourly", "assignee_id": ""}
    )
    assert bad.status_code == 200
    for field, message in (("name", "必填"), ("frequency", "请从列表中选择"), ("assignee_id", "必填"),
                           ("measure_ids", "至少选择一项")):  # fmt: skip
        assert f'id="{field}-error" role="alert">{message}</p>' in bad.text, field
    assert db.scalars(select(CheckPlan)).all() == []

    res = client.post(
        "/check-plans/new",
        data={
            "csrf_token": token,
            "name": "冲压车间日常排查",
            "frequency": "week",
            "assignee_id": str(li.id),
            "measure_ids": [str(ids["安装双手操作按钮"]), str(ids["门锁常闭"])],
        },
        follow_redirects=False,
    )
    assert res.status_code == 303
    plan_url = res.headers["location"]
    page = client.get(plan_url).text
    assert "排查计划已制定" in page
    assert "<li>冲压机：安装双手操作按钮</li>" in page and "<li>配电室：门锁常闭</li>" in page
    assert "每班检查光电保护" not in page
    _, week_end = investigation.period_of("week", local_today())
    assert f"<b data-next-due>{week_end}</b>" in page
    plan = db.scalars(select(CheckPlan)).one()
    task = db.scalars(select(CheckTask).where(CheckTask.plan_id == plan.id)).one()
    assert (task.assignee_id, task.due_on) == (li.id, week_end)
    assert f'<a href="/tasks/{task.id}">' in page

    listing = client.get("/check-plans").text
    assert f'<a href="{plan_url}">冲压车间日常排查</a>' in listing and "每周" in listing

    # Edit: a new assignee takes over the open task; an emptied name is refused, nothing changes.
    token = csrf(client, plan_url)
    me = db.scalars(select(User).where(User.username == world.enterprise_user)).one()
    bad = client.post(plan_url, data={"csrf_token": token, "name": "", "frequency": "week",
                                      "assignee_id": str(me.id)})  # fmt: skip
    assert 'id="name-error" role="alert">必填</p>' in bad.text
    db.refresh(task)
    assert task.assignee_id == li.id
    ok = client.post(plan_url, data={"csrf_token": token, "name": "冲压车间周检", "frequency": "week",
                                     "assignee_id": str(me.id)}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    db.refresh(task)
    db.refresh(plan)
    assert (plan.name, task.assignee_id) == ("冲压车间周检", me.id)

    # Deactivate (the form asks first in the browser): no more tasks.
    assert "data-confirm=" in client.get(plan_url).text
    res = client.post(f"{plan_url}/deactivate", data={"csrf_token": token}, follow_redirects=False)
    assert res.headers["location"] == "/check-plans"
    assert "已停用" in client.get("/check-plans").text
    db.refresh(plan)
    assert plan.is_active is False


def test_other_enterprises_and_regulators(client, db, world):
    ids = measures(db, world)
    other = make_world(db, "1375", "o", town_no=2)
    sign_in(client, world.enterprise_user)
    token = csrf(client, "/check-plans/new")
    me = db.scalars(select(User).where(User.username == world.enterprise_user)).one()
    theirs = db.scalars(select(User).where(User.username == other.enterprise_user)).one()
    # Someone of another enterprise cannot be the assignee; the refusal names the field.
    res = client.post("/check-plans/new", data={"csrf_token": token, "name": "计划", "frequency": "day",
                      "assignee_id": str(theirs.id), "measure_ids": [str(ids["门锁常闭"])]})  # fmt: skip
    assert 'id="assignee_id-error" role="alert">排查人须是本企业用户</p>' in res.text
    res = client.post("/check-plans/new", data={"csrf_token": token, "name": "计划", "frequency": "day",
                      "assignee_id": str(me.id), "measure_ids": [str(ids["门锁常闭"])]},
                      follow_redirects=False)  # fmt: skip
    plan_url = res.headers["location"]
    # Without the CSRF token nothing is written.
    assert client.post("/check-plans/new", data={"name": "x"}).status_code == 403

    client.cookies.clear()
    sign_in(client, other.enterprise_user)
    assert client.get(plan_url).status_code == 404
    listing = client.get("/check-plans").text
    assert plan_url not in listing and "还没有排查计划" in listing

    client.cookies.clear()
    sign_in(client, world.inspector)
    assert client.get(plan_url).status_code == 200  # regulators read their region's plans
    assert client.get("/check-plans/new").status_code == 403


def test_the_api_makes_lists_changes_and_deactivates_plans_alike(client, db, world):
    from tests.factories import auth_headers

    ids = measures(db, world)
    me = db.scalars(select(User).where(User.username == world.enterprise_user)).one()
    h = auth_headers(client, me)
    body = {"name": "月检", "frequency": "month", "assignee_id": me.id, "measure_ids": []}
    bad = client.post("/api/hazards/check-plans/from-measures", json=body, headers=h)
    assert bad.status_code == 422 and "measure_ids" in bad.text
    body["measure_ids"] = [ids["门锁常闭"]]
    made = client.post("/api/hazards/check-plans/from-measures", json=body, headers=h)
    assert made.status_code == 201, made.text
    plan = made.json()
    _, month_end = investigation.period_of("month", local_today())
    assert plan["next_due"] == month_end.isoformat() and plan["is_active"] is True
    assert [p["id"] for p in client.get("/api/hazards/check-plans", headers=h).json()] == [plan["id"]]
    patched = client.patch(f"/api/hazards/check-plans/{plan['id']}", json={"name": "月度检查"}, headers=h)
    assert patched.json()["name"] == "月度检查"
    off = client.post(f"/api/hazards/check-plans/{plan['id']}/deactivate", headers=h).json()
    assert (off["is_active"], off["next_due"]) == (False, None)
    again = client.patch(f"/api/hazards/check-plans/{plan['id']}", json={"name": "x"}, headers=h)
    assert again.status_code == 409
