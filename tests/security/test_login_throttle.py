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
