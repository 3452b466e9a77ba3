"""Grouped messages and the daily digest: a night's overdue scan over 12 hazards of one enterprise is one
inbox entry with 12 items for the inspector and one webhook message; the next day starts a new group."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import timeutil
from app.db import make_engine
from app.hazards import jobs
from app.hazards.models import Hazard
from app.notifications import notify
from app.notifications.channels import WebhookChannel
from app.notifications.models import Delivery, Notification, NotificationGroup
from app.notifications.service import deliver_due
from app.notifications.settings import get_notification_settings
from app.scheduler.registry import RunContext
from app.timeutil import SHANGHAI
from tests.conftest import alembic_config
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.web.factories import csrf, sign_in

HOOK = "http://hooks.internal.test/robot"


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebhookChannel, list[dict]]]:  # type: ignore[type-arg]
    """The deployment webhook, answered by a mock transport that records every body."""
    monkeypatch.setenv("SHUANGKONG_WEBHOOK_URL", HOOK)
    get_notification_settings.cache_clear()
    bodies: list[dict] = []  # type: ignore[type-arg]

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        bodies.append(json.loads(request.content))
        return httpx.Response(200)

    channel = WebhookChannel(get_notification_settings())
    channel_post = httpx.Client(transport=httpx.MockTransport(handler))
    monkeypatch.setattr("app.notifications.channels.httpx.post", channel_post.post)
    yield channel, bodies
    monkeypatch.undo()
    get_notification_settings.cache_clear()
    timeutil.unfreeze()


def _hazards(db: Session, ent_id: int, n: int, deadline: date) -> list[Hazard]:
    rows = [
        Hazard(
            enterprise_id=ent_id,
            source="routine",
            description=f"消防通道堵塞 {i}",
            place=f"{i} 号仓库",
            category="site",
            found_on=deadline - timedelta(days=10),
            state="rectifying",
            deadline=deadline,
        )
        for i in range(1, n + 1)
    ]
    db.add_all(rows)
    db.flush()
    return rows


def _scan(db: Session, day: date) -> dict:  # type: ignore[type-arg]
    at = datetime(day.year, day.month, day.day, 1, 10, tzinfo=SHANGHAI)  # the job's cron time
    timeutil.freeze(at)
    return jobs.overdue_scan(db, RunContext("test", at, run_id=1))


def test_a_day_of_overdue_hazards_is_one_group_and_one_digest(db, client, hook):
    channel, bodies = hook
    make_tree(db)
    ent = make_enterprise(db, name="海港区某公司")
    inspector = make_user(db, "inspector", region_code="139101")
    hazards = _hazards(db, ent.id, 12, date(2026, 6, 9))

    assert _scan(db, date(2026, 6, 10)) == {"overdue_today": 12}
    headers = auth_headers(client, inspector)
    page = client.get("/api/notifications", headers=headers).json()
    (entry,) = page["items"]
    assert entry["title"] == "海港区某公司：12 项隐患逾期未整改"
    assert entry["count"] == 12 and len(entry["items"]) == 12 and entry["read_at"] is None
    assert {i["link"] for i in entry["items"]} == {f"/hazards/{h.id}" for h in hazards}
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 1}

    # The inbox page lists the group with its count and a link to each hazard, without JS.
    sign_in(client, inspector.username)
    html = client.get("/inbox").text
    assert "海港区某公司：12 项隐患逾期未整改" in html and "<details>" in html
    assert all(f'<a href="/hazards/{h.id}">' in html for h in hazards)

    # Nothing goes out during the night; at the digest time (08:00) one message for the inspector.
    timeutil.freeze(datetime(2026, 6, 10, 7, 59, tzinfo=SHANGHAI))
    assert deliver_due(db, channels={"webhook": channel})["sent"] == 0
    timeutil.freeze(datetime(2026, 6, 10, 8, 5, tzinfo=SHANGHAI))
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 1, "retrying": 0, "failed": 0}
    (digest,) = bodies
    assert digest["event"] == "digest" and digest["user_id"] == inspector.id
    (group,) = digest["groups"]
    assert group["title"] == "海港区某公司：12 项隐患逾期未整改" and len(group["items"]) == 12
    assert deliver_due(db, channels={"webhook": channel})["sent"] == 0  # sent once

    # Later the same day: another message, then one more overdue hazard, which joins the group (13,
    # unread again after being read, back on top).
    client.post(f"/api/notifications/{entry['id']}/read", headers=auth_headers(client, inspector))
    timeutil.freeze(datetime(2026, 6, 10, 14, 0, tzinfo=SHANGHAI))
    notify(db, user_ids=[inspector.id], kind="other", title="别的消息", body="…")
    late = _hazards(db, ent.id, 1, date(2026, 6, 9))[0]
    timeutil.freeze(datetime(2026, 6, 10, 15, 0, tzinfo=SHANGHAI))
    assert jobs.overdue_scan(db, RunContext("test", timeutil.utcnow(), run_id=2)) == {"overdue_today": 1}
    # (logged in again: the clock moved past the session's idle limit)
    first, second = client.get("/api/notifications", headers=auth_headers(client, inspector)).json()["items"]
    assert (first["id"], first["count"], first["read_at"]) == (entry["id"], 13, None)
    assert first["items"][0]["link"] == f"/hazards/{late.id}" and second["title"] == "别的消息"

    # The next morning's digest carries what came after the last one: both groups, one new item each.
    timeutil.freeze(datetime(2026, 6, 11, 8, 5, tzinfo=SHANGHAI))
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 1, "retrying": 0, "failed": 0}
    groups = bodies[-1]["groups"]
    assert [(g["title"], g["count"], len(g["items"])) for g in groups] == [
        ("海港区某公司：13 项隐患逾期未整改", 13, 1),
        ("别的消息", 1, 1),
    ]

    # The next day's scan starts a new group; the old one stays as it was.
    _hazards(db, ent.id, 2, date(2026, 6, 10))
    assert _scan(db, date(2026, 6, 11)) == {"overdue_today": 2}
    entries = client.get("/api/notifications", headers=auth_headers(client, inspector)).json()["items"]
    assert [(e["day"], e["count"]) for e in entries] == [
        ("2026-06-11", 2),
        ("2026-06-10", 13),
        ("2026-06-10", 1),
    ]
    assert entries[0]["title"] == "海港区某公司：2 项隐患逾期未整改"


def test_reading_a_group_reads_its_items_and_a_new_item_makes_it_unread(db, client):
    make_tree(db)
    ent = make_enterprise(db, name="某公司")
    user = make_user(db, "inspector", region_code="139101")
    timeutil.freeze(datetime(2026, 6, 10, 2, 0, tzinfo=UTC))
    try:
        for i in range(3):
            notify(db, user_ids=[user.id], kind="hazard_overdue", title=f"逾期 {i}", body="…",
                   link=f"/hazards/{i}", enterprise_id=ent.id)  # fmt: skip
        sign_in(client, user.username)
        group = db.scalars(select(NotificationGroup).where(NotificationGroup.user_id == user.id)).one()
        res = client.post(
            f"/inbox/{group.id}/read", data={"csrf_token": csrf(client, "/inbox")}, follow_redirects=False
        )
        assert res.status_code == 303 and res.headers["location"] == f"/inbox#g{group.id}"
        db.refresh(group)
        assert group.read_at is not None
        items = db.scalars(select(Notification).where(Notification.group_id == group.id)).all()
        assert all(n.read_at is not None for n in items)
        assert "未读" not in client.get("/inbox").text.split("<h1>")[1].split("</h1>")[0]

        notify(db, user_ids=[user.id], kind="hazard_overdue", title="逾期 3", body="…", enterprise_id=ent.id)
        db.refresh(group)
        assert (group.count, group.read_at) == (4, None)
        assert "（1 组未读）" in client.get("/inbox").text
    finally:
        timeutil.unfreeze()


def test_upgrade_groups_the_notices_already_stored(tmp_path):
    """Notices written before 0013 are grouped by recipient, kind, enterprise and Shanghai day."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0012")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, username, display_name, password_hash, role, is_active, created_at)"
                " VALUES (1, 'u', 'u', 'x', 'inspector', 1, '2026-06-10 00:00:00')"
            ))  # fmt: skip
            rows = [  # 23:30 UTC on 9 June is 07:30 on 10 June in Shanghai
                ("a", "2026-06-09 23:30:00", None),
                ("a", "2026-06-10 03:00:00", "2026-06-10 04:00:00"),
                ("a", "2026-06-10 17:00:00", None),  # 01:00 on 11 June
                ("b", "2026-06-10 03:00:00", "2026-06-10 04:00:00"),
            ]
            for n, (kind, at, read) in enumerate(rows, 1):
                conn.execute(
                    text(
                        "INSERT INTO notifications (id, user_id, kind, title, body, created_at, read_at)"
                        " VALUES (:id, 1, :kind, :title, '…', :at, :read)"
                    ),
                    {"id": n, "kind": kind, "title": f"消息{n}", "at": at, "read": read},
                )
        command.upgrade(cfg, "0013")
        with engine.connect() as conn:
            groups = conn.execute(
                text("SELECT kind, day, count, title, read_at IS NULL FROM notification_groups ORDER BY id")
            ).all()
            ungrouped = conn.execute(
                text("SELECT count(*) FROM notifications WHERE group_id IS NULL")
            ).scalar()
        assert [tuple(g) for g in groups] == [
            ("a", "2026-06-10", 2, "2 条消息", 1),
            ("a", "2026-06-11", 1, "消息3", 1),
            ("b", "2026-06-10", 1, "消息4", 0),
        ]
        assert ungrouped == 0
    finally:
        engine.dispose()


def test_a_digest_failure_is_retried_with_backoff(db, hook):
    """The digest keeps the webhook's guarantees: a failed send is retried later, then marked failed."""
    make_tree(db)
    user = make_user(db, "inspector", region_code="139101")
    timeutil.freeze(datetime(2026, 6, 10, 2, 0, tzinfo=UTC))
    notify(db, user_ids=[user.id], kind="k", title="t", body="b")
    delivery = db.scalars(select(Delivery).where(Delivery.user_id == user.id)).one()
    timeutil.freeze(delivery.next_attempt_at)

    class Down:
        def send(self, d: Delivery, digest: object) -> None:
            raise ConnectionError("对方拒绝连接")

    assert deliver_due(db, channels={"webhook": Down()}) == {"sent": 0, "retrying": 1, "failed": 0}
    assert delivery.next_attempt_at == timeutil.utcnow() + timedelta(seconds=60)
    timeutil.freeze(delivery.next_attempt_at)
    channel, bodies = hook
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 1, "retrying": 0, "failed": 0}
    assert [b["title"] for b in bodies] == ["t"] and delivery.attempts == 2
