"""应急预案: filed within 20 working days of 公布, flagged when its 评估 falls due; a 现场处置方案 without a
drill for six months raises a reminder (once); the inspector's board lists overdue plans of its region."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accidents import emergency, jobs
from app.accidents.models import EmergencyPlan
from app.audit.models import AuditEntry
from app.auth.principal import SYSTEM
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI
from tests.factories import auth_headers
from tests.supervision.factories import make_world

PLANS = "/api/emergency/plans"


def _ok(res: Any, status: int = 200) -> dict[str, Any]:
    assert res.status_code == status, res.text
    return res.json()  # type: ignore[no-any-return]


def _plan(client: TestClient, h: dict[str, str], ent_id: int, **kw: Any) -> Any:
    body = {
        "enterprise_id": ent_id,
        "kind": "onsite",
        "title": "液氨泄漏现场处置方案",
        "version": "2025版",
        "review_kind": "review",
        "reviewed_on": "2025-07-20",
        "published_on": "2025-08-01",
        **kw,
    }
    return client.post(PLANS, json=body, headers=h)


def _run(db: Session, day: datetime) -> dict[str, Any]:
    out = jobs.daily(db, RunContext("accidents.daily", day.astimezone(UTC), run_id=1))
    db.commit()
    return out


def test_filing_evaluation_and_drill_reminder(db: Session, client: TestClient) -> None:
    w = make_world(db)
    w.ent.industry = "hazardous_chemicals"  # a unit listed in 第三十五条: 评估 every three years
    db.commit()
    ent, county, county2 = (auth_headers(client, u) for u in (w.ent_user, w.county, w.county2))

    plan = _ok(_plan(client, ent, w.ent.id), 201)
    # 2025-08-01 (Fri) + 20 working days (no holiday in between) = 2025-08-29.
    assert plan["filing_due"] == "2025-08-29"
    assert plan["evaluation_required"] is True and plan["evaluation_due"] == "2028-08-01"
    # Filing needs a date between 公布 and today.
    res = client.post(
        f"{PLANS}/{plan['id']}/filing",
        json={"filed_on": "2025-07-01", "filed_with": "甲一区应急管理局"},
        headers=county,
    )
    assert res.status_code == 422 and res.json()["field"] == "filed_on"
    plan = _ok(
        client.post(
            f"{PLANS}/{plan['id']}/filing",
            json={"filed_on": "2025-08-20", "filed_with": "甲一区应急管理局"},
            headers=county,
        )
    )
    assert plan["filed_on"] == "2025-08-20" and not any("备案" in f for f in plan["flags"])
    res = client.post(
        f"{PLANS}/{plan['id']}/filing", json={"filed_on": "2025-08-21", "filed_with": "x"}, headers=county
    )
    assert res.status_code == 409

    # No drill since 2025-08-01: six months passed on 2026-02-01.
    assert plan["drill_due"] == "2026-02-01" and any("半年未演练" in f for f in plan["flags"])
    out = _run(db, datetime(2026, 3, 2, 2, tzinfo=SHANGHAI))
    assert out["drill_reminders"] == 1
    assert _run(db, datetime(2026, 3, 3, 2, tzinfo=SHANGHAI))["drill_reminders"] == 0  # once per due date
    notes = db.scalars(select(Notification.title).where(Notification.kind == "emergency_drill_overdue")).all()
    assert notes and all("液氨泄漏现场处置方案" in n for n in notes)
    board = _ok(client.get("/api/accidents/board", headers=county))
    assert [p["id"] for p in board["plans"]] == [plan["id"]]
    assert _ok(client.get("/api/accidents/board", headers=county2))["plans"] == []

    # A drill clears the flag; a drill in the future is refused.
    res = client.post(
        f"{PLANS}/{plan['id']}/drills",
        json={"held_on": "2026-03-03", "form": "field", "scenario": "液氨管道泄漏", "participants": 12},
        headers=ent,
    )
    assert res.status_code == 422 and res.json()["field"] == "held_on"
    plan = _ok(
        client.post(
            f"{PLANS}/{plan['id']}/drills",
            json={
                "held_on": "2026-02-20",
                "form": "field",
                "scenario": "液氨管道泄漏",
                "participants": 12,
                "evaluation": "响应及时",
                "improvements": "补充防化服",
            },
            headers=ent,
        ),
        201,
    )
    assert (
        plan["flags"] == [] and plan["drill_due"] == "2026-08-20" and plan["drills"][0]["participants"] == 12
    )

    # The 评估 falls due three years after 公布.
    row = db.get_one(EmergencyPlan, plan["id"])
    later = emergency.to_out(row, None, datetime(2028, 8, 2).date())
    assert any("评估逾期" in f for f in later["flags"])
    plan = _ok(
        client.post(
            f"{PLANS}/{plan['id']}/evaluation",
            json={"evaluated_on": "2026-03-01", "note": "无须修订"},
            headers=ent,
        )
    )
    assert plan["evaluation_due"] == "2029-03-01"
    assert (
        db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "emergency_plan"))
        == 4
    )


def test_unfiled_plan_and_refusals(db: Session, client: TestClient) -> None:
    w = make_world(db)
    ent, other = auth_headers(client, w.ent_user), auth_headers(client, w.other_ent_user)
    draft = _ok(
        _plan(client, ent, w.ent.id, kind="comprehensive", title="综合应急预案", published_on=None), 201
    )
    assert draft["filing_due"] is None and draft["evaluation_required"] is False  # machinery: not listed
    res = client.post(
        f"{PLANS}/{draft['id']}/filing", json={"filed_on": "2026-03-01", "filed_with": "x"}, headers=ent
    )
    assert res.status_code == 409 and "公布" in res.json()["detail"]
    res = client.post(
        f"{PLANS}/{draft['id']}/drills",
        json={"held_on": "2026-03-01", "form": "tabletop", "scenario": "火灾", "participants": 5},
        headers=ent,
    )
    assert res.status_code == 409
    plan = _ok(
        client.post(f"{PLANS}/{draft['id']}/publish", json={"published_on": "2026-01-05"}, headers=ent)
    )
    assert plan["filing_due"] == "2026-02-02"
    assert any("逾期未备案" in f for f in plan["flags"])
    assert _run(db, datetime(2026, 3, 2, 2, tzinfo=SHANGHAI))["filing_reminders"] == 1
    # A new version supersedes the current one; the same version twice is refused.
    res = _plan(client, ent, w.ent.id, kind="comprehensive", title="综合应急预案", version="2025版")
    assert res.status_code == 409 and res.json()["field"] == "version"
    _ok(_plan(client, ent, w.ent.id, kind="comprehensive", title="综合应急预案", version="2026版"), 201)
    assert db.get_one(EmergencyPlan, draft["id"]).is_current is False
    # Scope: another enterprise cannot see or add.
    assert client.get(f"{PLANS}/{draft['id']}", headers=other).status_code == 404
    assert _plan(client, other, w.ent.id).status_code == 404
    rows = emergency.list_plans(db, SYSTEM, w.ent.id)
    assert [r["version"] for r in rows] == ["2025版", "2026版"]
