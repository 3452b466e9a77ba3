"""FastAPI dependencies: who is calling, and which roles may call."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.auth import service
from app.auth.principal import Principal
from app.db import get_read_session, get_session
from app.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "sk_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# "function" scope: commit (or roll back) before the response is sent, so a client never sees success
# for a write that then fails to commit.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
# Lists, statistics, maps and exports: the read replica when configured (app/db.py get_read_session).
ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


async def optional_principal(request: Request, session: DbSession) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await _authenticate(session, header[7:].strip())
    token = session_token(request)
    if not token:
        return None
    principal = await _authenticate(session, token)
    # A cookie is sent by the browser on its own: API writes made with it need the CSRF header.
    if (
        request.method in UNSAFE_METHODS
        and request.url.path.startswith("/api/")
        and not service.check_csrf(token, request.headers.get("x-csrf-token"))
    ):
        raise Forbidden("缺少或错误的 CSRF 令牌（X-CSRF-Token）")
    return principal


async def _authenticate(session: Session, token: str) -> Principal:
    # async with the look-up in a worker thread: a token this process checked lately needs no query,
    # and then no thread hop either.
    principal = service.recent_principal(token)
    if principal is None:
        principal = await run_in_threadpool(service.authenticate, session, token)
    return principal


# async (it only looks at the principal): FastAPI runs a sync dependency in a worker thread, a hop
# per request for nothing.
async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise NotAuthenticated("请先登录")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise Forbidden("当前角色无权执行此操作")
        return user

    return check


AdminUser = Annotated[Principal, Depends(require_roles("admin"))]
