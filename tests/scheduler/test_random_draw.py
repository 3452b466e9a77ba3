"""双随机一公开: policy frequencies, reproducible draws, rotation of inspectors, public plan."""

import random
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.enforcement.random_draw import (
    LEVELS,
    compute_plan,
    draw_plan,
    monthly_job,
    monthly_rates,
    select_enterprises,
)
from app.grading.models import EnterpriseLevel
from app.notifications.models import Notification
from app.rules_engine import get_policy
from app.scheduler.models import InspectionPlan, InspectionPlanItem
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI
from tests.factories import make_enterprise, make_tree, make_user

ALL = {lvl: 1.0 for lvl in LEVELS}


def test_selection_frequencies_match_the_inspection_frequency_policy():
    rates, rule_set = monthly_rates(date(2026, 1, 1), floor=0.06)
    policy = get_policy("inspection_frequency", on=date(2026, 1, 1))
    assert rule_set == policy.ref
    for lvl in LEVELS:
        assert rates[lvl] == max((policy.for_level(lvl).min_per_year or 0) / 12, 0.06)
    assert rates["red"] == pytest.approx(4 / 12) and rates["orange"] == pytest.approx(2 / 12)

    per_level = 25
    by_level = {lvl: list(range(i * 100, i * 100 + per_level)) for i, lvl in enumerate(LEVELS)}
    draws = 3000
    drawn: Counter[int] = Counter()
    for seed in range(draws):
        for ids in select_enterprises(by_level, rates, random.Random(seed)).values():
            drawn.update(ids)
    for lvl, ids in by_level.items():
        level_rate = sum(drawn[i] for i in ids) / (draws * per_level)
        assert level_rate == pytest.approx(rates[lvl], abs=0.005), lvl
        # Every enterprise, not just the level on average, gets the policy's chance.
        assert all(drawn[i] / draws == pytest.approx(rates[lvl], abs=0.035) for i in ids), lvl
    # In a year a red enterprise is inspected about as often as the policy's yearly minimum.
    assert 12 * sum(drawn[i] for i in by_level["red"]) / (draws * per_level) == pytest.approx(4, abs=0.1)


def _grade(db, ent, level, current=True):  # type: ignore[no-untyped-def]
    db.add(
        EnterpriseLevel(
            enterprise_id=ent.id, level=level, rule_set="t@1", inputs={}, trace=[], is_current=current
        )
    )


@pytest.fixture
def town(db):  # type: ignore[no-untyped-def]
    """12 operating enterprises in one township, four local inspectors and some who must not be drawn."""
    make_tree(db)
    ents = [make_enterprise(db, contact_phone="13800000000") for _ in range(12)]
    make_enterprise(db, status="closed")
    _grade(db, ents[0], "red")
    _grade(db, ents[1], "orange")
    _grade(db, ents[2], "red", current=False)
    _grade(db, ents[2], "yellow")
    local = [make_user(db, "inspector", region_code="139101", display_name=f"执法{i}") for i in range(4)]
    elsewhere = make_user(db, "inspector", region_code="139200")
    chemicals = make_user(db, "inspector", region_code="139101", industries=["hazardous_chemicals"])
    db.flush()
    return {"ents": ents, "local": local, "excluded": {elsewhere.id, chemicals.id}}


def test_same_seed_same_plan_and_levels_from_the_current_grading(db, town):
    a = compute_plan(db, "2026-03", rates=ALL)
    assert a.seed == 202603
    assert a == compute_plan(db, "2026-03", rates=ALL)
    assert a.items != compute_plan(db, "2026-03", seed=1, rates=ALL).items

    ents = town["ents"]
    levels = {i.enterprise_id: i.level for i in a.items}
    assert set(levels) == {e.id for e in ents}  # the closed one is not drawn
    assert (levels[ents[0].id], levels[ents[1].id], levels[ents[2].id], levels[ents[3].id]) == (
        "red",
        "orange",
        "yellow",
        "blue",
    )
    local = {u.id for u in town["local"]}
    for item in a.items:
        assert len(item.inspector_ids) == 2 and set(item.inspector_ids) <= local


def test_inspectors_of_the_enterprise_department_are_preferred(db, town):
    ent = town["ents"][5]
    ent.department = "应急管理局"
    dept = [make_user(db, "inspector", region_code="139101", department="应急管理局") for _ in range(2)]
    db.flush()
    plan = compute_plan(db, "2026-03", rates=ALL)
    item = next(i for i in plan.items if i.enterprise_id == ent.id)
    assert set(item.inspector_ids) == {u.id for u in dept}


def test_not_the_same_inspectors_as_last_time(db, town):
    first = draw_plan(db, "2026-03", rates=ALL)
    before = {
        i.enterprise_id: set(i.inspector_ids)
        for i in db.scalars(select(InspectionPlanItem).where(InspectionPlanItem.plan_id == first.id))
    }
    # Without the rule, this seed pairs some enterprises with someone from last time …
    careless = compute_plan(db, "2026-04", rates=ALL, avoid_last=False)
    assert any(set(i.inspector_ids) & before[i.enterprise_id] for i in careless.items)
    # … with it (the default), nobody inspects the same enterprise twice in a row.
    second = compute_plan(db, "2026-04", rates=ALL)
    assert all(not set(i.inspector_ids) & before[i.enterprise_id] for i in second.items)
    assert all(len(i.inspector_ids) == 2 for i in second.items)


def test_plan_is_published_without_personal_data_and_inspectors_are_told(db, client, town):
    plan = draw_plan(db, "2026-03", rates={"blue": 0.5})
    items = db.scalars(select(InspectionPlanItem).where(InspectionPlanItem.plan_id == plan.id)).all()
    assert items and plan.published_at is not None

    res = client.get("/api/public/inspection-plans/2026-03")  # no sign-in: 一公开
    assert res.status_code == 200
    body = res.json()
    assert body["seed"] == 202603 and len(body["items"]) == len(items)
    names = {e.name for e in town["ents"]}
    assert {i["enterprise"] for i in body["items"]} <= names
    assert all(len(i["inspectors"]) == 2 and i["inspectors"][0].startswith("执法") for i in body["items"])
    assert "13800000000" not in res.text
    assert not any(f'"{u.username}"' in res.text for u in town["local"])  # names shown, not accounts

    assert client.get("/api/public/inspection-plans/2026-04").status_code == 404
    assert client.get("/api/public/inspection-plans/March").status_code == 422

    assigned = {u for i in items for u in i.inspector_ids}
    told = db.scalars(select(Notification.user_id).where(Notification.kind == "inspection_plan")).all()
    assert sorted(told) == sorted(assigned)
    audit = db.scalar(select(AuditEntry).where(AuditEntry.entity == "inspection_plan"))
    assert audit.after["month"] == "2026-03"


def test_monthly_job_draws_once_per_month(db, town):
    ctx = RunContext("inspection.random_draw", datetime(2026, 3, 1, 6, 0, tzinfo=SHANGHAI).astimezone(UTC), 1)
    assert monthly_job(db, ctx)["created"] == 1
    assert monthly_job(db, ctx) == {"month": "2026-03", "created": 0}
    plans = db.scalars(select(InspectionPlan)).all()
    assert [(p.month, p.seed) for p in plans] == [("2026-03", 202603)]
