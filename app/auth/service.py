"""Users, login with throttling, bearer tokens and browser sessions."""

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.models import ROLES, AuthToken, LoginAttempt, LoginThrottle, User
from app.auth.passwords import hash_password, verify_dummy, verify_password
from app.auth.principal import Principal
from app.config import get_settings
from app.db import UTCDateTime
from app.errors import BadInput, Conflict, NotAuthenticated, TooManyRequests
from app.regions.models import Region
from app.timeutil import utcnow

MIN_PASSWORD_LENGTH = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(session_token: str) -> str:
    """CSRF token bound to the browser session, so nothing extra is stored."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"csrf:{session_token}".encode(), hashlib.sha256).hexdigest()[:40]


def check_csrf(session_token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token_for(session_token), presented or "")


def principal_for(session: Session, user: User) -> Principal:
    path = ""
    if user.region_code:
        path = session.scalar(select(Region.path).where(Region.code == user.region_code)) or ""
    return _principal(user, path)


def _principal(user: User, region_path: str) -> Principal:
    return Principal(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        enterprise_id=user.enterprise_id,
        region_code=user.region_code,
        region_path=region_path,
        department=user.department,
        industries=tuple(user.industries) if user.industries else None,
    )


def create_user(
    session: Session,
    actor: Principal,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    enterprise_id: int | None = None,
    region_code: str | None = None,
    department: str | None = None,
    industries: list[str] | None = None,
) -> User:
    if role not in ROLES:
        raise BadInput(f"角色 {role!r} 无效，可选：{', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"密码至少 {MIN_PASSWORD_LENGTH} 位", field="password")
    if role == "enterprise" and enterprise_id is None:
        raise BadInput("企业用户必须绑定一个企业", field="enterprise_id")
    if role in ("inspector", "township") and not region_code:
        raise BadInput("监管人员和乡镇用户必须指定所辖行政区", field="region_code")
    if region_code and session.get(Region, region_code) is None:
        raise BadInput(f"行政区 {region_code} 不存在", field="region_code")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在", field="username")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        enterprise_id=enterprise_id if role == "enterprise" else None,
        region_code=region_code if role in ("inspector", "township") else None,
        department=department,
        industries=industries or None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "user",
        user.id,
        after=audit.snapshot(user, ["username", "role", "enterprise_id", "region_code", "department"]),
        enterprise_id=user.enterprise_id,
    )
    return user


def _count_attempt(session: Session, key: str, now: datetime, since: datetime) -> int:
    """One more attempt for key in the current window (a new window if the last began before since):
    a single INSERT … ON CONFLICT DO UPDATE … RETURNING, so parallel attempts each get their own count."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    expired = LoginThrottle.window_start < since
    stmt = (
        insert(LoginThrottle)
        .values(key=key, attempts=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
                "window_start": case((expired, literal(now, UTCDateTime)), else_=LoginThrottle.window_start),
            },
        )
        .returning(LoginThrottle.attempts)
    )
    return int(session.execute(stmt).scalar_one())


def login(
    session: Session, username: str, password: str, client_ip: str | None, kind: str
) -> tuple[User, str] | None:
    """Check the password and issue a token of the given kind, throttled per source address and account.

    Each attempt is counted (and committed) before the password is checked, so parallel attempts cannot
    pass the limit; a successful one is then taken back. The lock-out is per source address *and* user
    name, so a stranger elsewhere cannot lock a user out; a looser limit applies per source address.
    A wrong password returns None rather than raising, so that the caller's transaction commits the
    recorded failure.
    """
    settings = get_settings()
    now = utcnow()
    since = now - timedelta(minutes=settings.login_window_minutes)
    source = (client_ip or "unknown")[:64]
    account_key = f"account:{source}:{username}"[:200]
    source_key = f"source:{source}"
    per_account = _count_attempt(session, account_key, now, since)
    per_source = _count_attempt(session, source_key, now, since)
    session.commit()
    if per_account > settings.login_max_failures or per_source > settings.login_max_failures_per_source:
        raise TooManyRequests(f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        verified = verify_dummy(password)  # as slow as a wrong password: no user-name enumeration
    else:
        verified = verify_password(user.password_hash, password)
    if user is None or not verified:
        session.add(LoginAttempt(username=username, client_ip=client_ip))
        return None
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key))
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == source_key)
        .values(attempts=LoginThrottle.attempts - 1)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            token_hash=_digest(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + timedelta(hours=settings.token_ttl_hours),
        )
    )
    return user, token


def prune_login_records(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Housekeeping of the login tables (the auth.prune_login_records job), one DELETE per table, so it
    is atomic on SQLite and PostgreSQL and needs no lock of its own:

    - login_throttle rows whose window has ended. _count_attempt starts such a key afresh anyway, so
      deleting one changes no count; a row an attempt has just moved to a new window no longer matches
      the condition (PostgreSQL re-checks it on the updated row) and stays.
    - login_attempts (the record of failed logins) older than login_attempts_retention_days.
    - auth_tokens (API tokens, browser sessions) that have expired: authenticate() refuses them already.
    """
    settings = get_settings()
    now = now or utcnow()
    window_ended = now - timedelta(minutes=settings.login_window_minutes)
    counts = {
        "throttle": session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < window_ended)),
        "tokens": session.execute(delete(AuthToken).where(AuthToken.expires_at <= now)),
    }
    if settings.login_attempts_retention_days > 0:
        kept_from = now - timedelta(days=settings.login_attempts_retention_days)
        counts["attempts"] = session.execute(delete(LoginAttempt).where(LoginAttempt.at < kept_from))
    return {name: int(result.rowcount or 0) for name, result in counts.items()}  # type: ignore[attr-defined]


def logout(session: Session, token: str) -> None:
    digest = _digest(token)
    _recent.pop(digest, None)
    session.execute(delete(AuthToken).where(AuthToken.token_hash == digest))


# Tokens this process has checked lately: token digest -> (principal, token expiry, re-check after).
# A hit needs no query. The expiry is checked on every request; a logout in this process takes effect
# at once; a revocation elsewhere (logout in another worker, token deleted, user deactivated or
# changed) at most auth_cache_seconds later, when the entry is re-checked against the database.
_recent: dict[str, tuple[Principal, datetime, float]] = {}
_MAX_RECENT = 10_000
_clock = time.monotonic


def recent_principal(token: str) -> Principal | None:
    """The caller of a token this process checked within auth_cache_seconds (None: not known, ask
    authenticate()); NotAuthenticated once the token has expired."""
    digest = _digest(token)
    hit = _recent.get(digest)
    if hit is None or hit[2] <= _clock():
        return None
    if hit[1] <= utcnow():
        _recent.pop(digest, None)
        raise NotAuthenticated("登录已失效，请重新登录")
    return hit[0]


def authenticate(session: Session, token: str) -> Principal:
    principal = recent_principal(token)
    if principal is not None:
        return principal
    digest = _digest(token)
    now = utcnow()
    row = session.execute(
        select(User, AuthToken.expires_at, Region.path)
        .join(AuthToken, AuthToken.user_id == User.id)
        .outerjoin(Region, Region.code == User.region_code)
        .where(AuthToken.token_hash == digest)
    ).first()
    if row is None or row[1] <= now or not row[0].is_active:
        _recent.pop(digest, None)
        raise NotAuthenticated("登录已失效，请重新登录")
    principal = _principal(row[0], row[2] or "")
    seconds = get_settings().auth_cache_seconds
    if seconds > 0:
        if len(_recent) >= _MAX_RECENT:
            _recent.clear()  # simpler than LRU; a full cache only costs one query per token once
        _recent[digest] = (principal, row[1], _clock() + seconds)
    return principal
