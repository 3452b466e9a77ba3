"""Creating, scoping, overdue, 双报告, bad input."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.hazards.models import Hazard
from app.notifications.models import Notification
from app.timeutil import frozen_at, local_today
from tests.hazards.conftest import plan


def test_idempotent_create(world, db):
    key = {"Idempotency-Key": "abc-123"}
    first = world.create(headers=key)
    again = world.create(headers=key, expect=200)
    assert again["id"] == first["id"]
    err = world.create(headers=key, description="另一条隐患", expect=409)
    assert err["field"] == "Idempotency-Key"
    # Keys are per creator: another user may use the same key.
    assert world.create(who="manager", headers=key)["id"] != first["id"]
    assert db.scalar(select(func.count()).select_from(Hazard)) == 2


def test_scoping(world):
    mine = world.create()
    other = world.create(who="other_ent")
    far = world.create(who="inspector", enterprise_id=world.ent_far.id, source="enforcement", expect=404)
    assert far["error"] == "NotFound"
    far = world.create(who="far_inspector", enterprise_id=world.ent_far.id, source="enforcement")

    def ids(who):
        return {h["id"] for h in world.client.get("/api/hazards", headers=world.h[who]).json()["items"]}

    assert ids("worker") == {mine["id"]}
    assert ids("other_ent") == {other["id"]}
    assert ids("township") == {mine["id"], other["id"]}
    assert ids("inspector") == {mine["id"], other["id"]}
    assert ids("admin") == {mine["id"], other["id"], far["id"]}
    assert world.client.get(f"/api/hazards/{other['id']}", headers=world.h["worker"]).status_code == 404
    assert world.client.get(f"/api/hazards/{far['id']}", headers=world.h["township"]).status_code == 404
    # Enterprise users cannot record for another enterprise; township users are read-only.
    world.create(enterprise_id=world.ent_other.id, expect=404)
    world.create(who="township", enterprise_id=world.ent.id, expect=403)
    world.act(mine["id"], "start_rectification", who="other_ent", plan=plan(), expect=404)


def test_overdue_follows_the_shanghai_clock(world):
    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    with frozen_at(start):
        h = world.create()
        deadline = (local_today() + timedelta(days=5)).isoformat()
        world.act(h["id"], "start_rectification", plan=plan(local_today() + timedelta(days=5)))
        assert world.get(h["id"])["is_overdue"] is False
    with frozen_at(start + timedelta(days=5)):
        assert world.get(h["id"])["is_overdue"] is False  # the deadline day itself is not overdue
    with frozen_at(start + timedelta(days=8)):
        d = world.get(h["id"])
        assert d["is_overdue"] is True and d["days_overdue"] == 3 and d["deadline"] == deadline
        listed = world.client.get("/api/hazards?overdue=true", headers=world.h["inspector"]).json()["items"]
        assert [x["id"] for x in listed] == [h["id"]]
        assert world.client.get("/api/hazards?overdue=false", headers=world.h["worker"]).json()["items"] == []
        world.act(h["id"], "submit_for_acceptance", note="完成")
        world.act(h["id"], "accept", who="manager")
        assert world.get(h["id"])["is_overdue"] is False


def test_dual_report_notifies_the_regulator(world, db):
    general = world.create()
    world.act(general["id"], "file_report", recipient="supervisor", expect=409, **_report())
    h = world.create(grade="major", major_item="GM-3-2")
    d = world.act(h["id"], "file_report", recipient="supervisor", **_report())
    world.act(h["id"], "file_report", recipient="supervisor", expect=409, **_report())
    d = world.act(h["id"], "file_report", recipient="workers", **_report())
    assert {r["recipient"] for r in d["reports"]} == {"supervisor", "workers"}
    assert d["reports"][0]["harm_and_difficulty"] == "危害较大，整改难度中等"
    note = db.scalars(select(Notification).where(Notification.kind == "major_hazard_report")).all()
    recipients = {n.user_id for n in note}
    assert world.users["inspector"].id in recipients and world.users["far_inspector"].id not in recipients
    assert note[0].link == f"/hazards/{h['id']}"


def _report() -> dict[str, str]:
    return {
        "status_and_cause": "特种作业人员无证上岗，培训缺失",
        "harm_and_difficulty": "危害较大，整改难度中等",
        "governance_plan": "立即停止作业，组织培训取证",
    }


def test_bad_input(world):
    too_early = (local_today() - timedelta(days=3)).isoformat()
    h = world.create(found_on=local_today().isoformat())
    err = world.act(h["id"], "start_rectification", plan=plan() | {"deadline": too_early}, expect=422)
    assert err["field"] == "plan.deadline" and "发现日期" in err["detail"]
    world.create(found_on=(local_today() + timedelta(days=1)).isoformat(), expect=422)
    err = world.create(description="长" * 2001, expect=422)
    assert err["field"] == "description" and "2000" in err["detail"]
    world.create(place="", expect=422)
    world.create(source="unknown", expect=422)
    world.create(photos=[999999], expect=422)
    # HTML is stored as given (escaped where shown); emoji round-trip on both databases.
    text = '<script>alert("x")</script> 漏电 ⚡🔥 =HYPERLINK("http://x")'
    got = world.get(world.create(description=text, place="仓库🏭")["id"])
    assert got["description"] == text and got["place"] == "仓库🏭"


def test_photos_of_another_enterprise_refused(world):
    theirs = world.photo(who="other_ent")
    err = world.create(photos=[theirs], expect=422)
    assert err["field"] == "photos"
