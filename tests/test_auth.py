import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.models import User
from tests.factories import PASSWORD, auth_headers, login_form, make_tree, make_user


def test_password_is_hashed_with_argon2(db):
    user = make_user(db, "admin")
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def test_bearer_login_me_logout(client, db):
    user = make_user(db, "admin", username="alice")
    headers = auth_headers(client, user)
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_wrong_password_is_401_with_chinese_message(client, db):
    make_user(db, "admin", username="bob")
    res = client.post("/api/auth/login", json={"username": "bob", "password": "wrong-password"})
    assert res.status_code == 401
    assert res.json()["detail"] == "用户名或密码错误"


def test_login_throttled_after_repeated_failures(client, db):
    make_user(db, "admin", username="carol")
    for _ in range(5):
        assert (
            client.post("/api/auth/login", json={"username": "carol", "password": "nope-nope"}).status_code
            == 401
        )
    res = client.post("/api/auth/login", json={"username": "carol", "password": PASSWORD})
    assert res.status_code == 429
    assert "登录失败次数过多" in res.json()["detail"]


def test_browser_session_cookie_and_csrf(client, db):
    make_tree(db)
    make_user(db, "admin", username="dave")
    res = client.post("/login", data=login_form(client, "dave"), follow_redirects=False)
    assert res.status_code == 303
    cookie = res.headers["set-cookie"]
    assert "sk_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/")
    assert page.status_code == 200 and "dave" in page.text
    # A write made with the cookie alone (as a forged cross-site form would) is refused.
    body = {"username": "eve1", "password": "Passw0rd!", "role": "admin"}
    assert client.post("/api/users", json=body).status_code == 403
    from app.auth.service import csrf_token_for

    token = client.cookies.get("sk_session")
    ok = client.post("/api/users", json=body, headers={"X-CSRF-Token": csrf_token_for(token)})
    assert ok.status_code == 201
    # Logging out needs the form's CSRF token too.
    assert client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403


def test_create_user_is_audited_and_validates(client, db):
    make_tree(db)
    admin = make_user(db, "admin")
    h = auth_headers(client, admin)
    before = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "user"))
    res = client.post(
        "/api/users",
        json={"username": "town1", "password": "Passw0rd!", "role": "township", "region_code": "139101001"},
        headers=h,
    )
    assert res.status_code == 201
    assert (
        db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "user"))
        == before + 1
    )
    bad = client.post(
        "/api/users", json={"username": "town2", "password": "Passw0rd!", "role": "township"}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["field"] == "region_code"
    dup = client.post(
        "/api/users",
        json={"username": "town1", "password": "Passw0rd!", "role": "township", "region_code": "139101001"},
        headers=h,
    )
    assert dup.status_code == 409
    short = client.post(
        "/api/users", json={"username": "x2", "password": "short", "role": "admin"}, headers=h
    )
    assert short.status_code == 422 and short.json()["field"] == "password"
    assert db.scalar(select(func.count()).select_from(User).where(User.username == "town2")) == 0


def test_production_mode_refuses_default_secret(monkeypatch):
    from app.config import Settings

    with pytest.raises(RuntimeError, match="SHUANGKONG_SECRET_KEY"):
        Settings(mode="production").check_secret()
    with pytest.raises(RuntimeError, match="至少 32 字节"):
        Settings(mode="production", secret_key="x").check_secret()
    Settings(mode="production", secret_key="a-long-random-secret-of-at-least-32-bytes").check_secret()


def test_a_revoked_token_is_refused_within_the_cache_bound(client, db, monkeypatch):
    """A token deleted elsewhere (a logout in another server process) or a deactivated user is refused
    once this process re-checks it: at most auth_cache_seconds after it last did."""
    from app.auth import service
    from app.auth.models import AuthToken
    from app.config import get_settings

    bound = get_settings().auth_cache_seconds
    assert 0 < bound <= 10
    now = [1000.0]
    monkeypatch.setattr(service, "_clock", lambda: now[0])
    user = make_user(db, "admin", username="dora")
    headers = auth_headers(client, user)
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    db.execute(AuthToken.__table__.delete().where(AuthToken.user_id == user.id))
    now[0] += bound / 2
    assert client.get("/api/auth/me", headers=headers).status_code == 200  # still within the bound
    now[0] += bound / 2 + 0.01
    res = client.get("/api/auth/me", headers=headers)
    assert res.status_code == 401 and res.json()["detail"] == "登录已失效，请重新登录"

    # A deactivated user: the same bound.
    headers = auth_headers(client, user)
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    user.is_active = False
    db.flush()
    now[0] += bound + 0.01
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_an_expired_token_is_refused_at_once_even_when_cached(client, db, monkeypatch):
    from datetime import timedelta

    from app.auth import service
    from app.config import get_settings
    from app.timeutil import utcnow

    user = make_user(db, "admin", username="erin")
    headers = auth_headers(client, user)
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    later = utcnow() + timedelta(hours=get_settings().token_ttl_hours, seconds=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_without_the_cache_a_revoked_token_is_refused_on_the_next_request(client, db, monkeypatch):
    from app.auth.models import AuthToken
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "auth_cache_seconds", 0)
    user = make_user(db, "admin", username="fay")
    headers = auth_headers(client, user)
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    db.execute(AuthToken.__table__.delete().where(AuthToken.user_id == user.id))
    assert client.get("/api/auth/me", headers=headers).status_code == 401
