"""Server-rendered pages for people: login, home, enterprise register; the other page modules are
included at the end, so mounting this one router mounts every page."""

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from app.assessment import responsibilities
from app.auth import service as auth
from app.auth.deps import SESSION_COOKIE, DbSession, session_token
from app.auth.principal import Principal
from app.config import get_settings
from app.credit import service as credit
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import Forbidden
from app.fields import Id
from app.regions.models import Region
from app.web import (
    accident_pages,
    assessment_pages,
    campaign_pages,
    case_pages,
    enforcement_pages,
    enterprise_pages,
    hazard_pages,
    inbox_pages,
    monitoring_pages,
    plan_pages,
    public_pages,
    regulator_pages,
    stats_pages,
)
from app.web.common import MaybeUser, PageRoute, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _page(request: Request, name: str, user: Principal | None, **context: Any) -> HTMLResponse:
    return page(request, None, name, user, **context)


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


# Before sign-in there is no session to bind the CSRF token to: the login form gets its own random
# cookie, and the form's token is derived from it (a page on another site can read neither).
LOGIN_COOKIE = "sk_login"


def _login_form(request: Request, error: str | None, username: str, status_code: int = 200) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = _page(
        request,
        "login.html",
        None,
        error=error,
        username=username,
        csrf_token=auth.csrf_token_for(f"login:{nonce}"),
        status_code=status_code,
    )
    settings = get_settings()
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="lax", secure=settings.secure_cookies)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: MaybeUser) -> Response:
    if user:
        return RedirectResponse("/", status_code=303)
    return _login_form(request, None, "")


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not auth.check_csrf(f"login:{nonce}", csrf_token):
        return _login_form(request, "登录页面已过期或来源不明（CSRF 令牌无效），请重新登录", username, 400)
    client_ip = request.client.host if request.client else None
    result = auth.login(session, username, password, client_ip, "session")
    if result is None:
        return _login_form(request, "用户名或密码错误", username)
    _, token = result
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(LOGIN_COOKIE)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.token_ttl_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    token = session_token(request)
    if token:
        if not auth.check_csrf(token, csrf_token):
            raise Forbidden("CSRF 令牌无效，请刷新页面后重试")
        auth.logout(session, token)
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE)
    return response


FAVICON = Path(__file__).parent / "static" / "favicon.svg"


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico on pages that link no icon (the printable pages): the same SVG
    as the one base.html links, so no page logs a 404 for it."""
    return FileResponse(
        FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, user: MaybeUser) -> Response:
    if user is None:
        return _to_login()
    stmt = enterprises.readable(select(Enterprise.status, func.count()).group_by(Enterprise.status), user)
    counts: dict[str, int] = {status: n for status, n in session.execute(stmt).all()}
    region = session.get(Region, user.region_code) if user.region_code else None
    own = session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
    extra = (
        enterprise_pages.home_context(session, user)
        if user.role == "enterprise"
        else regulator_pages.home_context(session, user)
    )
    return page(
        request,
        session,
        "home.html",
        user,
        counts=counts,
        total=sum(counts.values()),
        region=region,
        own=own,
        **extra,
        **campaign_pages.home_items(session, user),
    )


@router.get("/enterprises", response_class=HTMLResponse)
def enterprise_list(
    request: Request, session: DbSession, user: MaybeUser, q: str | None = None, cursor: Id | None = None
) -> Response:
    if user is None:
        return _to_login()
    items = enterprises.list_enterprises(session, user, q=q, after_id=cursor, limit=50)
    names = dict(session.execute(select(Region.code, Region.name)).all())
    return page(
        request,
        session,
        "enterprises.html",
        user,
        items=items,
        q=q or "",
        next_cursor=items[-1].id if len(items) == 50 else None,
        region_names=names,
        industries=enterprises.industries(),
    )


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_detail(request: Request, session: DbSession, user: MaybeUser, enterprise_id: Id) -> Response:
    if user is None:
        return _to_login()
    ent = enterprises.get_readable(session, user, enterprise_id)
    region = session.get(Region, ent.region_code) if ent.region_code else None
    return page(
        request,
        session,
        "enterprise.html",
        user,
        e=ent,
        region=region,
        industries=enterprises.industries(),
        credit_listed=credit.is_listed(session, ent.id),
        responsible=responsibilities.parties_of(session, ent),
        **regulator_pages.enterprise_context(session, user, ent.id),
    )


for _pages in (
    accident_pages,
    assessment_pages,
    hazard_pages,
    enforcement_pages,
    case_pages,
    enterprise_pages,
    regulator_pages,
    stats_pages,
    campaign_pages,
    inbox_pages,
    monitoring_pages,
    plan_pages,
    public_pages,
):
    router.include_router(_pages.router)
