"""Every transition of the table, allowed and refused, per role."""

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.hazards import transitions
from app.hazards.models import HazardEvent
from app.timeutil import local_today
from tests.factories import make_enterprise
from tests.hazards.conftest import plan


def test_general_deadline_path_to_closed(world, db):
    h = world.create()
    assert set(world.get(h["id"])["allowed_actions"]) == {
        "start_rectification",
        "fix_on_spot",
        "withdraw",
        "change_grade",
    }
    assert world.get(h["id"], "township")["allowed_actions"] == []
    d = world.act(h["id"], "start_rectification", plan=plan())
    assert d["state"] == "rectifying" and d["deadline"] and d["plan"]["measures"]
    photo = world.photo()
    d = world.act(h["id"], "add_progress", note="已订购门锁", attachments=[photo])
    d = world.act(h["id"], "submit_for_acceptance", note="已完成整改", attachments=[photo])
    assert d["state"] == "awaiting_acceptance"
    # The rectifier may not accept their own work; the refusal lists what they may do now.
    refused = world.act(h["id"], "accept", expect=409)
    assert "整改人" in refused["detail"] and refused["allowed_actions"] == ["change_grade"]
    world.act(h["id"], "accept", who="inspector", expect=409)  # 一般: the enterprise accepts
    d = world.act(h["id"], "accept", who="manager", note="验收合格")
    assert (
        d["state"] == "closed"
        and d["state_label"] == "已销号"
        and d["closed_on"] == local_today().isoformat()
    )
    actions = [e["action"] for e in d["events"]]
    assert actions == ["create", "start_rectification", "add_progress", "submit_for_acceptance", "accept"]
    assert d["events"][-1]["from_state"] == "awaiting_acceptance" and d["events"][-1]["to_state"] == "closed"
    audits = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "hazard")).all()
    assert {"create", "accept", "add_progress"} <= set(audits)
    # Closed: the enterprise can do nothing more; an inspector may reopen with a reason.
    world.act(h["id"], "add_progress", note="x", expect=409)
    d = world.act(h["id"], "reopen", who="inspector", reason="复查发现门锁再次损坏")
    assert d["state"] == "rectifying" and d["closed_on"] is None


def test_fix_on_spot_needs_evidence_and_another_acceptor(world):
    h = world.create()
    world.act(h["id"], "fix_on_spot", measures="当场关闭箱门", attachments=[], expect=422)
    d = world.act(h["id"], "fix_on_spot", measures="当场关闭箱门并上锁", attachments=[world.photo()])
    assert d["state"] == "awaiting_acceptance" and d["rectify_mode"] == "on_spot"
    # Rejecting an on-the-spot fix needs a deadline for the real rectification.
    world.act(h["id"], "reject", who="manager", reason="锁未更换", expect=422)
    d = world.act(
        h["id"],
        "reject",
        who="manager",
        reason="锁未更换",
        deadline=(local_today() + timedelta(days=3)).isoformat(),
    )
    assert d["state"] == "rectifying"
    world.act(h["id"], "submit_for_acceptance", who="worker", note="已换锁")
    assert world.act(h["id"], "accept", who="manager")["state"] == "closed"


def test_extension_requested_and_decided_by_the_right_role(world):
    h = world.create()
    world.act(h["id"], "start_rectification", plan=plan())
    deadline = world.get(h["id"])["deadline"]
    world.act(h["id"], "request_extension", reason="配件未到货", new_deadline=deadline, expect=422)
    past = (local_today() - timedelta(days=1)).isoformat()
    err = world.act(h["id"], "request_extension", reason="配件未到货", new_deadline=past, expect=422)
    assert err["field"] == "new_deadline"
    later = (local_today() + timedelta(days=30)).isoformat()
    world.act(h["id"], "request_extension", reason="配件未到货", new_deadline=later)
    assert "request_extension" not in world.get(h["id"])["allowed_actions"]
    world.act(h["id"], "decide_extension", who="worker", approve=True, expect=409)  # own request
    world.act(h["id"], "decide_extension", who="inspector", approve=True, expect=409)  # 一般: enterprise
    d = world.act(h["id"], "decide_extension", who="manager", approve=True, note="同意")
    assert d["deadline"] == later
    assert d["extensions"][0]["status"] == "approved" and d["extensions"][0]["old_deadline"] == deadline
    world.act(h["id"], "decide_extension", who="manager", approve=True, expect=409)  # none pending


def test_major_path_needs_full_plan_regulator_and_close_guard(world):
    h = world.create(grade="major", major_item="gm-3-2")
    assert h["grade"] == "major" and h["major_item"] == "GM-3-2"
    assert h["major_citation"]["entry"] == "items.GM-3-2" and h["major_rule_set"].startswith("gm@")
    world.act(h["id"], "fix_on_spot", measures="x", attachments=[world.photo()], expect=409)
    err = world.act(h["id"], "start_rectification", plan=plan(), expect=422)
    assert err["field"] == "plan.responsible"
    bad = plan(major=True)
    del bad["governance"]["timeline"]
    world.act(h["id"], "start_rectification", plan=bad, expect=422)
    world.act(h["id"], "start_rectification", plan=plan(major=True))
    later = (local_today() + timedelta(days=40)).isoformat()
    world.act(h["id"], "request_extension", reason="设备需定制", new_deadline=later)
    world.act(h["id"], "decide_extension", who="manager", approve=True, expect=409)
    world.act(h["id"], "decide_extension", who="inspector", approve=False, note="不同意")
    world.act(h["id"], "submit_for_acceptance", note="完成")
    world.act(h["id"], "accept", who="manager", expect=409)
    world.act(h["id"], "accept", who="far_inspector", expect=404)  # outside the jurisdiction
    transitions.close_guards.append(lambda session, hz: "挂牌督办未销案")
    try:
        err = world.act(h["id"], "accept", who="inspector", expect=409)
        assert err["detail"] == "挂牌督办未销案"
    finally:
        transitions.close_guards.pop()
    assert world.act(h["id"], "accept", who="inspector")["state"] == "closed"


def test_withdraw_and_grade_rules(world, db):
    h = world.create()
    world.act(h["id"], "withdraw", who="township", reason="x", expect=403)
    d = world.act(h["id"], "change_grade", grade="major", major_item="GM-3-1")
    assert d["grade"] == "major"
    world.act(h["id"], "change_grade", grade="general", reason="误判", expect=409)  # enterprise cannot lower
    world.act(h["id"], "withdraw", reason="重复登记", expect=409)  # 重大: regulator only
    d = world.act(h["id"], "change_grade", who="inspector", grade="general", reason="经核实不属于重大隐患")
    assert d["grade"] == "general" and d["major_item"] is None
    changes = db.scalars(select(AuditEntry).where(AuditEntry.action == "change_grade")).all()
    assert [(a.before["grade"], a.after["grade"]) for a in changes] == [
        ("general", "major"),
        ("major", "general"),
    ]
    d = world.act(h["id"], "withdraw", reason="重复登记")
    assert d["state"] == "withdrawn" and d["allowed_actions"] == []
    assert world.act(h["id"], "reopen", who="inspector", reason="x", expect=409)["allowed_actions"] == []


def test_inspector_determination_and_enforcement_source(world):
    world.create(source="enforcement", expect=422)
    h = world.create(
        who="inspector",
        enterprise_id=world.ent.id,
        source="enforcement",
        grade="major",
        major_reason="现场认定",
    )
    assert h["grade"] == "major" and h["major_reason"] == "现场认定" and h["major_item"] is None
    world.create(grade="major", expect=422)  # an enterprise must name an item
    err = world.create(grade="major", major_item="MK-1-1", expect=422)
    assert "不适用" in err["detail"] or "未知" in err["detail"]
    # Enterprise may not withdraw what the regulator recorded.
    world.act(h["id"], "withdraw", reason="x", expect=409)


def test_stale_version_is_409_and_nothing_is_written(world, db):
    h = world.create()
    version = world.get(h["id"])["version"]
    world.act(h["id"], "start_rectification", plan=plan(), version=version)
    err = world.act(h["id"], "withdraw", reason="重复", version=version, expect=409)
    assert err["field"] == "version"
    events = db.scalars(select(HazardEvent.action).where(HazardEvent.hazard_id == h["id"])).all()
    assert events == ["create", "start_rectification"]


def test_major_items_listed_for_the_enterprise_industry(world):
    res = world.client.get(
        f"/api/hazards/major-items?enterprise_id={world.ent.id}", headers=world.h["worker"]
    )
    codes = {i["code"] for i in res.json()}
    assert "GM-3-2" in codes and not any(c.startswith("MK") for c in codes)
    assert "GM-4-1" not in codes  # 冶金 only
    assert (
        world.client.get(
            f"/api/hazards/major-items?enterprise_id={world.ent_other.id}", headers=world.h["worker"]
        ).status_code
        == 404
    )


def test_major_items_offer_only_standards_in_force_today(world, db):
    # GB 35181-2017 applies to every industry but ended on 2025-10-31: its items are not offered today;
    # a 民爆 enterprise is offered the 2024 standard, not the superseded 试行 version.
    def codes(ent_id: int) -> list[str]:
        res = world.client.get(f"/api/hazards/major-items?enterprise_id={ent_id}", headers=world.h["admin"])
        assert res.status_code == 200, res.text
        return [i["code"] for i in res.json()]

    assert not any(c.startswith("XF") for c in codes(world.ent.id))
    explosives = make_enterprise(db, industry="civil_explosives")
    *found, other = codes(explosives.id)
    assert "MB-13" in found and found[0] == "MB-1" and all(c.startswith("MB") for c in found)
    assert other == "OTHER"
    assert codes(make_enterprise(db, industry="tailings_pond").id) == ["KS-3-1", "OTHER"]


def test_open_major_hazard_raises_the_enterprise_level_until_closed(world, db):
    from sqlalchemy import select

    from app.grading.models import EnterpriseLevel

    def level() -> str | None:
        return db.scalar(
            select(EnterpriseLevel.level).where(
                EnterpriseLevel.enterprise_id == world.ent.id, EnterpriseLevel.is_current.is_(True)
            )
        )

    world.create()  # a 一般 hazard does not enter the policy
    assert level() is None
    h = world.create(grade="major", major_item="gm-3-2")
    assert level() == "orange"  # 存在未销号的重大事故隐患 → 至少橙色
    world.act(h["id"], "withdraw", who="inspector", reason="误报")
    assert level() == "blue"


def test_major_items_cover_every_situation_of_the_coal_and_commerce_catalogues(world, db):
    world.ent.industry = "coal_mine"
    db.flush()
    url = f"/api/hazards/major-items?enterprise_id={world.ent.id}"
    res = world.client.get(url, headers=world.h["worker"])
    *items, other = res.json()
    assert res.status_code == 200 and len(items) == 95 and other["code"] == "OTHER"
    assert {i["rule_set"] for i in items} == {"mk@2020"}
    by_code = {i["code"]: i for i in items}
    assert by_code["MK-9-3"]["clause"] == "第九条第（三）项" and "探放水" in by_code["MK-9-3"]["text"]
    h = world.create(grade="major", major_item="MK-9-3")
    assert h["grade"] == "major" and h["major_item"] == "MK-9-3"
    world.ent.industry = "commerce"  # no 行业 article: 管理类 (一)(二) and the 专项类 items
    db.flush()
    res = world.client.get(url, headers=world.h["worker"])
    codes = {i["code"] for i in res.json()} - {"OTHER"}
    assert {"GM-3-1", "GM-3-2", "GM-11-1", "GM-12-2", "GM-13-2"} <= codes
    assert not any(c.split("-")[1] in {"4", "5", "6", "7", "10"} for c in codes) and "GM-3-3" not in codes
