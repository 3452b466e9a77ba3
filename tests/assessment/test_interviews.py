"""约谈: recorded with whom, why and the commitments; scoped like its enterprise (or region); the follow-up
date raises a reminder through the scheduler once, and a recorded follow-up ends it."""

from datetime import UTC, datetime

from sqlalchemy import select

from app.assessment import interviews
from app.notifications.models import Notification
from app.scheduler.registry import RunContext
from tests.factories import auth_headers
from tests.supervision.factories import make_world

BODY = {
    "held_on": "2026-03-05",
    "held_by": "甲市安委办 张主任",
    "interviewee": "甲一化工有限公司 总经理 王某",
    "interviewee_kind": "enterprise_head",
    "reason_kind": "red_enterprise",
    "reason": "企业为红色（重大风险）企业，重大隐患逾期未整改",
    "commitments": "3月底前完成液氨储罐区泄漏报警装置安装",
    "follow_up_on": "2026-03-20",
}


def _notices(db, user_id):
    return list(
        db.scalars(
            select(Notification.title).where(
                Notification.kind == "assessment.interview_followup", Notification.user_id == user_id
            )
        )
    )


def test_interview_scope_reminder_and_follow_up(db, client):
    w = make_world(db)
    city = auth_headers(client, w.city)
    res = client.post("/api/assessment/interviews", json={**BODY, "enterprise_id": w.ent.id}, headers=city)
    assert res.status_code == 201, res.text
    iv = res.json()
    assert iv["state"] == "open" and iv["interviewee_kind_label"] == "企业主要负责人"
    # Scope: the enterprise's own users and its county see it; a sibling county and another city do not.
    for user, status in ((w.ent_user, 200), (w.county, 200), (w.county2, 404), (w.city_b, 404)):
        got = client.get(f"/api/assessment/interviews/{iv['id']}", headers=auth_headers(client, user))
        assert got.status_code == status, (user.username, got.text)
    # Refusals name the field.
    bad = client.post(
        "/api/assessment/interviews",
        json={**BODY, "follow_up_on": "2026-03-01", "enterprise_id": w.ent.id},
        headers=city,
    )
    assert bad.status_code == 422 and "跟踪检查日期" in bad.json()["detail"]
    bad = client.post("/api/assessment/interviews", json=BODY, headers=city)
    assert bad.status_code == 422 and "企业" in bad.json()["detail"]
    bad = client.post(
        "/api/assessment/interviews",
        json={**BODY, "enterprise_id": w.ent.id},
        headers=auth_headers(client, w.ent_user),
    )
    assert bad.status_code == 403

    # Before the date: nothing. On it (movable clock via RunContext): holder and inspectors told, once.
    early = RunContext("assessment.interview_followups", datetime(2026, 3, 19, 1, tzinfo=UTC), run_id=1)
    assert interviews.followups(db, early) == {"due": 0, "notified": 0}
    due = RunContext("assessment.interview_followups", datetime(2026, 3, 20, 1, tzinfo=UTC), run_id=2)
    assert interviews.followups(db, due) == {"due": 1, "notified": 1}
    assert interviews.followups(db, due) == {"due": 1, "notified": 0}
    db.commit()
    assert _notices(db, w.city.id) == ["约谈跟踪到期：甲一化工有限公司 总经理 王某（2026-03-20）"]
    assert _notices(db, w.county.id)  # the enterprise's county inspector
    assert not _notices(db, w.county2.id)

    # Recording the follow-up ends the reminders.
    res = client.post(
        f"/api/assessment/interviews/{iv['id']}/follow-up",
        json={"version": iv["version"], "note": "已安装并验收"},
        headers=city,
    )
    assert res.status_code == 200 and res.json()["state"] == "followed_up"
    again = client.post(
        f"/api/assessment/interviews/{iv['id']}/follow-up",
        json={"version": res.json()["version"], "note": "x"},
        headers=city,
    )
    assert again.status_code == 409
    later = RunContext("assessment.interview_followups", datetime(2026, 3, 21, 1, tzinfo=UTC), run_id=3)
    assert interviews.followups(db, later)["due"] == 0


def test_region_leader_interview_is_region_scoped(db, client):
    w = make_world(db)
    body = {**BODY, "interviewee_kind": "region_leader", "region_code": "139101",
            "interviewee": "甲一区 副区长", "reason_kind": "low_score"}  # fmt: skip
    res = client.post("/api/assessment/interviews", json=body, headers=auth_headers(client, w.city))
    assert res.status_code == 201, res.text
    iv = res.json()
    # The region subtree rule: the county and those above it; not a township below it, nor a sibling.
    for user, status in (
        (w.county, 200),
        (w.city, 200),
        (w.township, 404),
        (w.county2, 404),
        (w.ent_user, 404),
    ):
        got = client.get(f"/api/assessment/interviews/{iv['id']}", headers=auth_headers(client, user))
        assert got.status_code == status, user.username
    # A region outside the caller's scope answers like an unknown one.
    res = client.post(
        "/api/assessment/interviews",
        json={**body, "region_code": "139201"},
        headers=auth_headers(client, w.city),
    )
    assert res.status_code == 404
