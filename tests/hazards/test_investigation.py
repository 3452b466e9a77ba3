"""排查: checklist from control measures + 重大隐患 items, tasks per period, 不合格 → linked hazard."""

from datetime import UTC, date, datetime

from app.hazards import investigation
from app.risks.models import ControlMeasure, RiskPoint
from app.timeutil import frozen_at


def test_checklist_plan_task_and_failed_item_becomes_hazard(world, db):
    point = RiskPoint(
        enterprise_id=world.ent.id, name="冲压机", point_type="equipment", responsible_person="张三"
    )
    db.add(point)
    db.flush()
    measure = ControlMeasure(
        risk_point_id=point.id,
        kind="engineering",
        description="光电保护装置完好有效",
        control_level="team",
        responsible_person="张三",
        check_frequency="day",
    )
    db.add(measure)
    db.flush()
    c = world.client
    with frozen_at(datetime(2026, 4, 7, 2, tzinfo=UTC)):
        res = c.post(
            "/api/hazards/checklists",
            json={"name": "冲压车间日检", "free_items": ["地面无油污"]},
            headers=world.h["worker"],
        )
        assert res.status_code == 201, res.text
        items = res.json()["items"]
        kinds = [i["kind"] for i in items]
        assert kinds[0] == "measure" and "major_item" in kinds and kinds[-1] == "free"
        assert items[0]["control_measure_id"] == measure.id
        res = c.post(
            "/api/hazards/check-plans",
            json={
                "checklist_id": res.json()["id"],
                "name": "冲压车间周检",
                "assignee_id": world.users["worker"].id,
                "frequency": "week",
            },
            headers=world.h["worker"],
        )
        assert res.status_code == 201, res.text
        tasks = c.get("/api/hazards/check-tasks", headers=world.h["worker"]).json()
        assert [(t["period_start"], t["due_on"]) for t in tasks] == [("2026-04-06", "2026-04-12")]
        assert investigation.generate_due_tasks(db, date(2026, 4, 8)) == 0  # same week: nothing new
    with frozen_at(datetime(2026, 4, 14, 2, tzinfo=UTC)):
        missed = c.get("/api/hazards/check-tasks?missed=true", headers=world.h["worker"]).json()
        assert [t["id"] for t in missed] == [tasks[0]["id"]]
        assert investigation.generate_due_tasks(db, date(2026, 4, 14)) == 1
        task = tasks[0]
        results = [{"item_id": i["id"], "outcome": "ok"} for i in items]
        results[0] = {
            "item_id": items[0]["id"],
            "outcome": "fail",
            "note": "光电保护失效",
            "place": "冲压车间",
        }
        body = {"version": task["version"], "results": results[:-1]}
        res = c.post(f"/api/hazards/check-tasks/{task['id']}/perform", json=body, headers=world.h["worker"])
        assert res.status_code == 422  # every item needs a result
        body["results"] = results
        res = c.post(f"/api/hazards/check-tasks/{task['id']}/perform", json=body, headers=world.h["worker"])
        assert res.status_code == 200, res.text
        hazard_id = res.json()[0]["hazard_id"]
        h = world.get(hazard_id)
        assert h["source"] == "self_check_task" and h["control_measure_id"] == measure.id
        assert h["risk_point_id"] == point.id
        res = c.post(f"/api/hazards/check-tasks/{task['id']}/perform", json=body, headers=world.h["worker"])
        assert res.status_code == 409


def test_overdue_job_notifies(world, db):
    from sqlalchemy import select

    from app.hazards import jobs
    from app.notifications.models import Notification
    from app.scheduler.registry import RunContext
    from tests.hazards.conftest import plan

    with frozen_at(datetime(2026, 4, 1, 2, tzinfo=UTC)):
        h = world.create()
        world.act(h["id"], "start_rectification", plan=plan(date(2026, 4, 3)))
    ctx = RunContext("hazards.overdue_scan", datetime(2026, 4, 3, 18, tzinfo=UTC), run_id=1)  # 4 Apr Shanghai
    assert jobs.overdue_scan(db, ctx) == {"overdue_today": 1}
    users = set(db.scalars(select(Notification.user_id).where(Notification.kind == "hazard_overdue")))
    assert {world.users["worker"].id, world.users["inspector"].id} <= users
