"""Security headers on every response, and the per-request nonce that inline scripts need under the CSP.

Pages load scripts from this service only; the one page with inline scripts, the Folium map document,
marks each of its own <script> elements with the request's nonce (csp_nonce(request)). Styles may be
inline (Leaflet positions map panes with style attributes). Map tiles are images from the configured
tile servers, so images may come from any https origin. Pages may be framed by this service only (the
region page embeds the map document).
"""

import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob: https:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


def csp_nonce(request: Request) -> str:
    return str(request.scope["state"][NONCE_KEY])


def add_nonce(html: str, nonce: str) -> str:
    """Mark every <script> element of a document this service rendered itself (user text in it is
    escaped, so each "<script" is one of ours) with the nonce."""
    return html.replace("<script", f'<script nonce="{nonce}"')


class SecurityHeaders:
    """Pure ASGI middleware (no buffering of streamed exports)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        headers = [
            (b"content-security-policy", content_security_policy(nonce).encode()),
            (b"x-frame-options", b"SAMEORIGIN"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
