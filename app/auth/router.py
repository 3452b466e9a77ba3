from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.auth import service
from app.auth.deps import AdminUser, CurrentUser, DbSession
from app.auth.models import User
from app.auth.schemas import LoginIn, TokenOut, UserIn, UserOut
from app.config import get_settings
from app.timeutil import utcnow

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, session: DbSession) -> TokenOut | JSONResponse:
    client_ip = request.client.host if request.client else None
    result = service.login(session, body.username, body.password, client_ip, "bearer")
    if result is None:
        return JSONResponse({"error": "NotAuthenticated", "detail": "用户名或密码错误"}, status_code=401)
    _, token = result
    expires = utcnow() + timedelta(hours=get_settings().token_ttl_hours)
    return TokenOut(access_token=token, expires_at=expires)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: DbSession, user: CurrentUser) -> None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        service.logout(session, header[7:].strip())


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser, session: DbSession) -> User | None:
    return session.get(User, user.id)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _: AdminUser) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, session: DbSession, admin: AdminUser) -> User:
    return service.create_user(session, admin, **body.model_dump())
