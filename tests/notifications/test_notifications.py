"""Inbox, recipients and outbound delivery with retries."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from app import timeutil
from app.notifications import channels as channels_module
from app.notifications import enterprise_users, inspectors_for, notify
from app.notifications.models import Delivery, Notification
from app.notifications.service import deliver_due
from app.notifications.settings import get_notification_settings
from tests.factories import auth_headers, make_enterprise, make_tree, make_user


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set SHUANGKONG_* variables for the notification settings within one test."""
    get_notification_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_notification_settings.cache_clear()


@pytest.fixture
def clock() -> Iterator[datetime]:
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    timeutil.freeze(start)
    yield start
    timeutil.unfreeze()


def _inspector(db, region_code="139101", **kw):  # type: ignore[no-untyped-def]
    return make_user(db, "inspector", region_code=region_code, **kw)


def test_inbox_is_private_with_unread_counts_and_paging(db, client):
    make_tree(db)
    alice, bob = _inspector(db), _inspector(db)
    for i in range(3):  # three kinds: three inbox entries
        notify(db, user_ids=[alice.id], kind=f"test{i}", title=f"消息{i}", body="内容")
    (bobs,) = notify(db, user_ids=[bob.id], kind="test", title="给乙", body="内容")
    headers = auth_headers(client, alice)

    page = client.get("/api/notifications", params={"limit": 2}, headers=headers).json()
    assert [n["title"] for n in page["items"]] == ["消息2", "消息1"]
    params = {"limit": 2, "cursor": page["next_cursor"]}
    rest = client.get("/api/notifications", params=params, headers=headers)
    assert [n["title"] for n in rest.json()["items"]] == ["消息0"]
    assert rest.json()["next_cursor"] is None
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 3}

    # Someone else's message is answered like an unknown one, and stays unread.
    res = client.post(f"/api/notifications/{bobs.group_id}/read", headers=headers)
    assert res.status_code == 404
    assert db.get(Notification, bobs.id).read_at is None

    first = page["items"][0]["id"]
    res = client.post(f"/api/notifications/{first}/read", headers=headers)
    assert res.status_code == 200 and res.json()["read_at"] is not None
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 2}
    unread = client.get("/api/notifications", params={"unread": True}, headers=headers).json()["items"]
    assert [n["title"] for n in unread] == ["消息1", "消息0"]

    assert client.post("/api/notifications/read-all", headers=headers).json() == {"updated": 2}
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 0}
    # Bob's inbox is untouched by Alice's read-all.
    assert client.get("/api/notifications/unread-count", headers=auth_headers(client, bob)).json() == {
        "unread": 1
    }


def test_recipients_by_region_subtree_and_industry(db):
    make_tree(db)
    province = _inspector(db, region_code="139900")
    county_chem = _inspector(db, region_code="139101", industries=["hazardous_chemicals"])
    _inspector(db, region_code="139200")  # another city
    gone = _inspector(db, region_code="139101")
    gone.is_active = False
    make_user(db, "township", region_code="139101001")
    db.flush()

    assert inspectors_for(db, "139101001", "machinery") == [province.id]
    assert inspectors_for(db, "139101001", "hazardous_chemicals") == [province.id, county_chem.id]
    assert inspectors_for(db, "139102", "hazardous_chemicals") == [province.id]
    assert inspectors_for(db, "999999") == []

    ent, other = make_enterprise(db), make_enterprise(db)
    staff = make_user(db, "enterprise", enterprise_id=ent.id)
    make_user(db, "enterprise", enterprise_id=other.id)
    assert enterprise_users(db, ent.id) == [staff.id]


def test_notify_skips_inactive_and_duplicate_recipients(db):
    make_tree(db)
    a, b = _inspector(db), _inspector(db)
    b.is_active = False
    notes = notify(db, user_ids=[a.id, a.id, b.id], kind="k", title="t", body="b")
    assert [n.user_id for n in notes] == [a.id]
    # No outbound channel configured: nothing queued.
    assert db.scalars(select(Delivery).where(Delivery.user_id == a.id)).all() == []


class _Receiver(BaseHTTPRequestHandler):
    statuses: list[int] = []
    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"statuses": [], "bodies": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


def test_webhook_retries_with_backoff_until_accepted(db, settings_env, clock, receiver):
    url, handler = receiver
    handler.statuses = [500]  # the first attempt fails, the second is accepted
    settings_env.setenv("SHUANGKONG_WEBHOOK_URL", url)
    make_tree(db)
    user = _inspector(db)
    notify(db, user_ids=[user.id], kind="hazard.overdue", title="隐患逾期", body="请处理", link="/h/1")
    delivery = db.scalars(select(Delivery).where(Delivery.user_id == user.id)).one()
    assert (delivery.channel, delivery.target, delivery.status) == ("webhook", url, "pending")
    # The daily digest goes out at the digest time (08:00 Shanghai), the next morning here.
    assert deliver_due(db) == {"sent": 0, "retrying": 0, "failed": 0}
    due = datetime(2026, 3, 3, 0, 2, tzinfo=UTC)
    assert delivery.next_attempt_at == due
    timeutil.freeze(due)
    clock = due

    assert deliver_due(db) == {"sent": 0, "retrying": 1, "failed": 0}
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "500" in delivery.last_error
    assert delivery.next_attempt_at == clock + timedelta(seconds=60)

    # Not due yet: the receiver sees no second request.
    timeutil.advance(timedelta(seconds=30))
    assert deliver_due(db) == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(handler.bodies) == 1

    timeutil.advance(timedelta(seconds=31))
    assert deliver_due(db) == {"sent": 1, "retrying": 0, "failed": 0}
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)
    assert delivery.sent_at == clock + timedelta(seconds=61)
    assert [b["title"] for b in handler.bodies] == ["隐患逾期", "隐患逾期"]
    (group,) = handler.bodies[-1]["groups"]
    assert group["items"][0]["link"] == "/h/1" and handler.bodies[-1]["user_id"] == user.id


class _AlwaysFails:
    def send(self, delivery: Delivery, digest: object) -> None:
        raise ConnectionError("对方拒绝连接")


def test_delivery_fails_after_max_attempts_with_growing_backoff(db, settings_env, clock):
    settings_env.setenv("SHUANGKONG_WEBHOOK_URL", "http://127.0.0.1:9/never")
    settings_env.setenv("SHUANGKONG_DELIVERY_MAX_ATTEMPTS", "3")
    make_tree(db)
    (note,) = notify(db, user_ids=[_inspector(db).id], kind="k", title="t", body="b")
    delivery = db.scalars(select(Delivery).where(Delivery.user_id == note.user_id)).one()
    timeutil.freeze(delivery.next_attempt_at)
    waits = []
    for _ in range(3):
        before = timeutil.utcnow()
        deliver_due(db, channels={"webhook": _AlwaysFails()})
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - before)
            timeutil.freeze(delivery.next_attempt_at)
    assert waits == [timedelta(seconds=60), timedelta(seconds=120)]
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "对方拒绝连接" in delivery.last_error


def test_email_channel_set_by_user_and_sent(db, client, settings_env, clock, monkeypatch):
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float):
            assert (host, port) == ("smtp.example.test", 2525)

        def __enter__(self) -> "FakeSMTP":
            return self

        def __exit__(self, *exc: Any) -> None:
            pass

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user))

        def send_message(self, msg: Any) -> None:
            sent.append(msg)

    monkeypatch.setattr(channels_module.smtplib, "SMTP", FakeSMTP)
    settings_env.setenv("SHUANGKONG_SMTP_HOST", "smtp.example.test")
    settings_env.setenv("SHUANGKONG_SMTP_PORT", "2525")
    settings_env.setenv("SHUANGKONG_SMTP_USER", "robot")
    settings_env.setenv("SHUANGKONG_SMTP_FROM", "noreply@example.test")
    make_tree(db)
    user = _inspector(db)
    headers = auth_headers(client, user)

    bad = client.put("/api/notifications/channels", json={"email": "not-an-address"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "email"
    res = client.put("/api/notifications/channels", json={"email": "zhang@example.test"}, headers=headers)
    assert res.json() == {"email": "zhang@example.test", "webhook": None}

    notify(db, user_ids=[user.id], kind="k", title="复核到期提醒", body="请按时复核")
    timeutil.advance(timedelta(days=1))
    assert deliver_due(db) == {"sent": 1, "retrying": 0, "failed": 0}
    assert sent[0] == ("login", "robot")
    msg = sent[1]
    assert (msg["Subject"], msg["To"]) == ("复核到期提醒", "zhang@example.test")
    assert msg["From"] == "noreply@example.test"
    assert "请按时复核" in msg.get_content()
