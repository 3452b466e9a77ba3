"""Performing an investigation task (排查任务) item by item as enterprise staff: the items are listed,
合格/不合格/不适用 are recorded, a 不合格 item becomes a hazard in the ledger, the task is then done, and
another enterprise's task is 404."""

import re

from sqlalchemy import select

from app.hazards import investigation
from app.hazards.models import CheckResult, CheckTask
from tests.web.factories import World, csrf, make_world, png_bytes, principal_from, sign_in

ITEMS = ["灭火器压力正常", "安全出口畅通", "配电箱门关闭"]


def a_task(db, world: World, items: list[str] = ITEMS) -> CheckTask:
    """A monthly plan over a checklist of free items, assigned to the enterprise user; its task for now."""
    user = principal_from(db, world.enterprise_user)
    checklist = investigation.create_checklist(
        db,
        user,
        investigation.ChecklistIn(
            name="月度综合检查表", include_measures=False, include_major_items=False, free_items=items
        ),
    )
    plan = investigation.create_plan(
        db,
        user,
        investigation.PlanIn(
            checklist_id=checklist.id, name="月度综合排查", assignee_id=user.id, frequency="month"
        ),
    )
    return db.scalars(select(CheckTask).where(CheckTask.plan_id == plan.id)).one()


def item_ids(page: str) -> list[str]:
    return re.findall(r'name="item-(\d+)-outcome" value="ok"', page)


def test_task_lists_its_items_and_records_each_result(client, db, world):
    task = a_task(db, world)
    sign_in(client, world.enterprise_user)
    assert f'<a href="/tasks/{task.id}">排查任务 {task.id}' in client.get("/").text
    listing = client.get("/tasks").text
    assert f'href="/tasks/{task.id}"' in listing and "待排查" in listing

    url = f"/tasks/{task.id}"
    page = client.get(url).text
    assert "月度综合排查" in page
    for n, content in enumerate(ITEMS, 1):
        assert f"<legend>{n}. {content}</legend>" in page
    ok, fail, na = item_ids(page)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)

    res = client.post(
        url,
        data={
            "csrf_token": csrf(client, url),
            "version": version,
            f"item-{ok}-outcome": "ok",
            f"item-{fail}-outcome": "fail",
            f"item-{fail}-note": "东侧安全出口堆放纸箱",
            f"item-{na}-outcome": "na",
            f"item-{na}-note": "本月配电室停用",
        },
        files={f"item-{fail}-photo": ("exit.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert res.status_code == 303 and res.headers["location"] == "/tasks"

    results = {r.item_id: r for r in db.scalars(select(CheckResult).where(CheckResult.task_id == task.id))}
    assert {str(k): r.outcome for k, r in results.items()} == {ok: "ok", fail: "fail", na: "na"}
    assert results[int(na)].note == "本月配电室停用"
    assert results[int(ok)].hazard_id is None and results[int(na)].hazard_id is None
    hazard_id = results[int(fail)].hazard_id
    assert hazard_id is not None

    # The 不合格 item is now a hazard in the enterprise's ledger, from 自查任务, with its photo.
    ledger = client.get("/hazards").text
    assert f'href="/hazards/{hazard_id}">月度综合排查：东侧安全出口堆放纸箱</a>' in ledger
    hazard = client.get(f"/hazards/{hazard_id}").text
    assert "<dd>自查任务</dd>" in hazard and 'alt="隐患照片 1"' in hazard

    # The task is done: its page shows what was recorded instead of the form.
    listing = client.get("/tasks").text
    assert "已完成" in listing
    page = client.get(url).text
    assert "该任务已完成" in page and f'action="/tasks/{task.id}"' not in page
    assert f'<a href="/hazards/{hazard_id}">隐患 {hazard_id}</a>' in page
    assert page.count('<td data-label="结果">合格</td>') == 1
    assert page.count('<td data-label="结果">不适用</td>') == 1
    assert f'<a href="/tasks/{task.id}">' not in client.get("/").text


def test_an_item_left_unanswered_is_marked_and_nothing_is_recorded(client, db, world):
    task = a_task(db, world)
    sign_in(client, world.enterprise_user)
    url = f"/tasks/{task.id}"
    ok, fail, skipped = item_ids(client.get(url).text)
    res = client.post(
        url,
        data={
            "csrf_token": csrf(client, url),
            "version": task.version,
            f"item-{ok}-outcome": "ok",
            f"item-{fail}-outcome": "fail",
            f"item-{fail}-note": "灭火器失压",
        },
    )
    assert res.status_code == 200
    assert re.search(rf'id="item-{skipped}-outcome-error"[^>]*>请从列表中选择<', res.text)
    assert re.search(rf'name="item-{fail}-outcome" value="fail" required checked', res.text)  # choice kept
    assert "灭火器失压" in res.text
    assert db.scalars(select(CheckResult).where(CheckResult.task_id == task.id)).first() is None
    assert "灭火器失压" not in client.get("/hazards").text
    assert "待排查" in client.get("/tasks").text


def test_another_enterprises_task_is_not_found(client, db, world):
    other = make_world(db, "1375", "o", town_no=2)
    theirs = a_task(db, other, ["仓库照明正常"])
    sign_in(client, world.enterprise_user)
    res = client.get(f"/tasks/{theirs.id}")
    assert res.status_code == 404 and f"排查任务 {theirs.id} 不存在" in res.text
    assert f"/tasks/{theirs.id}" not in client.get("/tasks").text
    token = csrf(client, "/hazards/new")
    res = client.post(f"/tasks/{theirs.id}", data={"csrf_token": token, "version": theirs.version})
    assert res.status_code == 404
    assert theirs.status == "open"
