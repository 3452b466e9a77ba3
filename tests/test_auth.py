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
