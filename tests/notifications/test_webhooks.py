"""Personal webhooks cannot be aimed at this machine, the intranet or a cloud metadata service."""

import socket
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app import timeutil
from app.notifications import notify, webhooks
from app.notifications.channels import WebhookChannel
from app.notifications.models import Delivery
from app.notifications.service import deliver_due
from app.notifications.settings import get_notification_settings
from tests.factories import auth_headers, make_tree, make_user

PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A fake resolver: host → addresses (tests run without DNS)."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *args: object, **kw: object) -> list[tuple[object, ...]]:
        if host not in table:
            raise socket.gaierror(f"unknown host {host}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in table[host]]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("SHUANGKONG_WEBHOOK_ALLOWED_HOSTS", "hooks.example.test,.robot.example.test,127.0.0.1")
    get_notification_settings.cache_clear()
    yield table
    monkeypatch.undo()
    get_notification_settings.cache_clear()


@pytest.mark.parametrize(
    ("url", "resolves_to", "expected"),
    [
        ("http://127.0.0.1:8000/hook", None, "非公网地址 127.0.0.1"),
        ("http://other.example.test/hook", [PUBLIC], "不在管理员允许的列表中"),
        ("http://hooks.example.test/hook", ["10.1.2.3"], "非公网地址 10.1.2.3"),
        # One private answer among public ones is enough to refuse.
        ("http://a.robot.example.test/x", [PUBLIC, "169.254.169.254"], "169.254.169.254"),
        ("http://a.robot.example.test/x", ["100.100.100.200"], "100.100.100.200"),  # 阿里云元数据
        ("http://hooks.example.test/hook", ["::ffff:127.0.0.1"], "非公网地址"),
        ("http://hooks.example.test/hook", [], "无法解析"),
        ("ftp://hooks.example.test/x", [PUBLIC], "http:// 或 https://"),
        ("http://user:pw@hooks.example.test/x", [PUBLIC], "用户名或密码"),
    ],
)
def test_saving_a_webhook_to_a_refused_host_is_422(client, db, dns, url, resolves_to, expected):
    host = httpx.URL(url).host
    if resolves_to:
        dns[host] = resolves_to
    make_tree(db)
    headers = auth_headers(client, make_user(db, "inspector", region_code="139101"))
    res = client.put("/api/notifications/channels", json={"webhook": url}, headers=headers)
    assert res.status_code == 422, res.text
    assert res.json()["field"] == "webhook" and expected in res.json()["detail"]
    assert client.get("/api/notifications/channels", headers=headers).json()["webhook"] is None


def test_no_allowed_hosts_means_no_personal_webhooks(client, db, monkeypatch):
    monkeypatch.delenv("SHUANGKONG_WEBHOOK_ALLOWED_HOSTS", raising=False)
    get_notification_settings.cache_clear()
    make_tree(db)
    headers = auth_headers(client, make_user(db, "inspector", region_code="139101"))
    res = client.put(
        "/api/notifications/channels", json={"webhook": "https://x.example.test/"}, headers=headers
    )
    assert res.status_code == 422 and "管理员未允许" in res.json()["detail"]


def _saved_delivery(client, db, dns) -> Delivery:  # type: ignore[no-untyped-def]
    dns["hooks.example.test"] = [PUBLIC]
    make_tree(db)
    user = make_user(db, "inspector", region_code="139101")
    headers = auth_headers(client, user)
    url = "https://hooks.example.test:8443/hook?x=1"
    res = client.put("/api/notifications/channels", json={"webhook": url}, headers=headers)
    assert res.status_code == 200, res.text
    notify(db, user_ids=[user.id], kind="k", title="提醒", body="内容")
    delivery = db.scalars(select(Delivery).where(Delivery.user_id == user.id)).one()
    timeutil.freeze(delivery.next_attempt_at)  # the day's digest is due
    return delivery


@pytest.fixture(autouse=True)
def _unfreeze() -> Iterator[None]:
    yield
    timeutil.unfreeze()


def test_send_goes_to_the_checked_address_with_the_original_host(client, db, dns):
    delivery = _saved_delivery(client, db, dns)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    channel = WebhookChannel(get_notification_settings(), transport=httpx.MockTransport(handler))
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 1, "retrying": 0, "failed": 0}
    (request,) = seen
    assert (request.url.host, request.url.port, request.url.path) == (PUBLIC, 8443, "/hook")
    assert request.headers["host"] == "hooks.example.test:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.test"
    assert delivery.status == "sent"


def test_send_time_check_catches_a_dns_answer_that_changed(client, db, dns):
    delivery = _saved_delivery(client, db, dns)
    dns["hooks.example.test"] = ["127.0.0.1"]  # DNS rebinding after the address was saved
    seen: list[httpx.Request] = []
    channel = WebhookChannel(
        get_notification_settings(),
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200)),
    )
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 0, "retrying": 1, "failed": 0}
    assert seen == [] and "非公网地址 127.0.0.1" in (delivery.last_error or "")


def test_redirects_are_not_followed(client, db, dns):
    delivery = _saved_delivery(client, db, dns)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    channel = WebhookChannel(get_notification_settings(), transport=httpx.MockTransport(handler))
    assert deliver_due(db, channels={"webhook": channel}) == {"sent": 0, "retrying": 1, "failed": 0}
    assert len(seen) == 1 and "重定向" in (delivery.last_error or "")
