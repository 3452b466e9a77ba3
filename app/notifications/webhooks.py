"""Personal webhooks may only reach hosts an administrator allows (SHUANGKONG_WEBHOOK_ALLOWED_HOSTS), and
never an address that is not publicly routable (loopback, private, link-local, carrier-grade NAT, cloud
metadata services…). Checked when the address is saved and again before every send: each address the
name resolves to must be public, and the request then goes to the address that was checked (so a DNS
answer that changes in between cannot redirect it). Redirects are never followed.

The deployment webhook (SHUANGKONG_WEBHOOK_URL) is set by the administrator and is not restricted.
"""

import ipaddress
import socket
from dataclasses import dataclass

import httpx

from app.notifications.settings import NotificationSettings

ALLOWED_SETTING = "SHUANGKONG_WEBHOOK_ALLOWED_HOSTS"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookRefused(ValueError):
    """The address may not be used; the message (Chinese) says why."""


@dataclass(frozen=True)
class CheckedWebhook:
    url: httpx.URL
    host: str
    addresses: tuple[str, ...]  # every address the host resolved to, all public


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Exact names, or ".example.com" / "*.example.com" for every subdomain of example.com."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        if entry.startswith(("*.", ".")):
            suffix = entry.lstrip("*")
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
        elif host == entry:
            return True
    return False


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return (str(literal),)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookRefused(f"Webhook 主机 {host} 无法解析：{exc}") from exc
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def check(raw: str, settings: NotificationSettings) -> CheckedWebhook:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as exc:
        raise WebhookRefused(f"Webhook 地址无效：{exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise WebhookRefused("Webhook 地址应以 http:// 或 https:// 开头并包含主机名")
    if url.userinfo:
        raise WebhookRefused("Webhook 地址不能包含用户名或密码")
    host = url.host.lower()
    allowed = settings.allowed_webhook_hosts
    if not allowed:
        raise WebhookRefused(
            "管理员未允许任何个人 Webhook 主机（SHUANGKONG_WEBHOOK_ALLOWED_HOSTS），无法设置"
        )
    if not host_allowed(host, allowed):
        raise WebhookRefused(
            f"Webhook 主机 {host} 不在管理员允许的列表中（{ALLOWED_SETTING}：{'、'.join(allowed)}）"
        )
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise WebhookRefused(f"Webhook 主机 {host} 无法解析")
    for address in addresses:
        if not _is_public(ipaddress.ip_address(address.split("%")[0])):
            raise WebhookRefused(
                f"Webhook 主机 {host} 解析到非公网地址 {address}（本机、内网、链路本地或元数据地址），不允许"
            )
    return CheckedWebhook(url=url, host=host, addresses=addresses)


def post(
    checked: CheckedWebhook, payload: object, timeout: float, transport: httpx.BaseTransport | None = None
) -> httpx.Response:
    """POST to the first checked address, with the original Host header and TLS server name."""
    target = checked.url.copy_with(host=checked.addresses[0])
    with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport) as client:
        response = client.post(
            target,
            json=payload,
            headers={"Host": checked.url.netloc.decode("ascii")},
            extensions={"sni_hostname": checked.host},
        )
    if response.is_redirect:
        raise WebhookRefused(f"Webhook 返回重定向（{response.status_code}），不跟随")
    response.raise_for_status()
    return response
