"""Login throttling that holds under parallel attempts and cannot be used to lock someone out."""

from concurrent.futures import ThreadPoolExecutor

import httpx
from argon2 import PasswordHasher

from tests.factories import PASSWORD, make_tree, make_user

ATTEMPTS = 40
LIMIT = 5  # Settings.login_max_failures


def _login(base: str, username: str, password: str, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, transport=transport, timeout=60) as c:
        return c.post("/api/auth/login", json={"username": username, "password": password})


def test_parallel_wrong_passwords_stop_at_the_limit_and_others_can_still_sign_in(served):
    with served.session() as s:
        make_tree(s)
        make_user(s, "admin", username="boss")
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(lambda _: _login(served.url, "boss", "wrong-password"), range(ATTEMPTS)))
    codes = [r.status_code for r in answers]
    assert codes.count(401) == LIMIT and codes.count(429) == ATTEMPTS - LIMIT, codes
    locked = _login(served.url, "boss", PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.json()["detail"]
    # The same account from another address is not locked out by what happened here.
    elsewhere = _login(served.url, "boss", PASSWORD, source="127.0.0.2")
    assert elsewhere.status_code == 200, elsewhere.text


def test_one_source_guessing_many_accounts_meets_the_per_source_limit(client, db, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "login_max_failures_per_source", 8)
    make_tree(db)
    make_user(db, "admin", username="root")
    codes = [
        client.post("/api/auth/login", json={"username": f"guess{i}", "password": "x" * 8}).status_code
        for i in range(10)
    ]
    assert codes == [401] * 8 + [429] * 2
    # The source is now refused for every account, the right password included.
    other = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
    assert other.status_code == 429


def test_unknown_user_costs_one_password_verification_like_a_known_one(client, db, monkeypatch):
    make_tree(db)
    make_user(db, "admin", username="known")
    calls: list[str] = []
    original = PasswordHasher.verify

    def counting(self, hash, password):  # type: ignore[no-untyped-def]
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    for name in ("known", "nobody-by-this-name"):
        calls.clear()
        res = client.post("/api/auth/login", json={"username": name, "password": "wrong-password"})
        assert res.status_code == 401 and res.json()["detail"] == "用户名或密码错误"
        assert len(calls) == 1 and calls[0].startswith("$argon2"), name


def test_housekeeping_drops_ended_windows_and_old_records_and_the_count_goes_on(client, db, monkeypatch):
    """A password sprayer leaves a throttle row per address and account tried: the hourly
    auth.prune_login_records job deletes the rows whose window has ended, failed-login records past
    their retention and expired tokens. The current window's counts survive it, so the lock-out still
    comes on the 6th wrong password."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.auth.models import AuthToken, LoginAttempt, LoginThrottle
    from app.config import get_settings
    from app.scheduler import registry
    from app.timeutil import utcnow

    settings = get_settings()
    monkeypatch.setattr(settings, "login_attempts_retention_days", 180)
    make_tree(db)
    root = make_user(db, "admin", username="root")
    now = utcnow()
    ended = now - timedelta(minutes=settings.login_window_minutes, seconds=1)
    for n in range(3):  # what spraying from elsewhere left behind, an hour ago
        db.add(LoginThrottle(key=f"account:203.0.113.{n}:root", attempts=5, window_start=ended))
        db.add(LoginThrottle(key=f"source:203.0.113.{n}", attempts=9, window_start=ended))
    db.add_all([
        LoginAttempt(username="root", client_ip="203.0.113.1", at=now - timedelta(days=181)),
        LoginAttempt(username="root", client_ip="203.0.113.1", at=now - timedelta(days=179)),
        AuthToken(token_hash="e" * 64, user_id=root.id, kind="bearer", expires_at=now - timedelta(minutes=1)),
    ])  # fmt: skip
    db.commit()

    def wrong() -> int:
        return client.post("/api/auth/login", json={"username": "root", "password": "wrong-pass"}).status_code

    assert [wrong(), wrong()] == [401, 401]  # two failures in the current window, from testclient
    make_user(db, "admin", username="boss")
    token = client.post("/api/auth/login", json={"username": "boss", "password": PASSWORD}).json()

    job = registry.get_job("auth.prune_login_records")
    ctx = registry.RunContext(job_name=job.name, scheduled_for=utcnow(), run_id=0, manual=True)
    assert job.func(db, ctx) == {"throttle": 6, "tokens": 1, "attempts": 1}
    db.commit()

    # The current window's counts are kept (boss's own key went with the successful sign-in).
    keys = {t.key: t.attempts for t in db.scalars(select(LoginThrottle))}
    assert keys == {"account:testclient:root": 2, "source:testclient": 2}
    ages = sorted((now - a.at).days for a in db.scalars(select(LoginAttempt)) if a.client_ip == "203.0.113.1")
    assert ages == [179]
    assert db.scalar(select(AuthToken.id).where(AuthToken.token_hash == "e" * 64)) is None
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200, me.text  # a live token is kept

    # Two failures were already counted: the 3rd, 4th and 5th are refused as wrong, the 6th locks out.
    assert [wrong() for _ in range(LIMIT - 1)] == [401, 401, 401, 429]
    # Nothing left to prune now; a second run deletes nothing.
    assert job.func(db, ctx) == {"throttle": 0, "tokens": 0, "attempts": 0}
    # A retention of 0 keeps the failed-login record forever.
    monkeypatch.setattr(settings, "login_attempts_retention_days", 0)
    db.add(LoginAttempt(username="root", client_ip="203.0.113.1", at=now - timedelta(days=3650)))
    job.func(db, ctx)
    kept = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.client_ip == "203.0.113.1")
    assert db.scalar(kept) == 2
