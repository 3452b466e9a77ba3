"""Many clients writing at once on the default SQLite database: slower, never "database is locked"."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.factories import PASSWORD, make_enterprise, make_tree, make_user

CLIENTS = 10
EACH = 8


def test_ten_concurrent_writers_creating_hazards_all_succeed(served):
    with served.session() as s:
        make_tree(s)
        names = []
        for i in range(CLIENTS):
            ent = make_enterprise(s, "139101001", name=f"并发企业{i}")
            names.append(make_user(s, "enterprise", username=f"writer{i}", enterprise_id=ent.id).username)

    def writer(username: str) -> list[int]:
        with httpx.Client(base_url=served.url, timeout=120) as c:
            login = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert login.status_code == 200, login.text
            c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            codes = []
            for n in range(EACH):
                body = {"source": "routine", "description": f"{username} 第{n}条", "place": "车间",
                        "category": "site"}  # fmt: skip
                res = c.post("/api/hazards", json=body)
                codes.append(res.status_code)
                # Readers interleave with the writers and must not be blocked into errors either.
                codes.append(c.get("/api/hazards").status_code)
            return codes

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(writer, names))
    codes = [code for codes in results for code in codes]
    assert sorted(set(codes)) == [200, 201], codes
    with served.session() as s:
        from sqlalchemy import func, select

        from app.hazards.models import Hazard

        assert s.scalar(select(func.count()).select_from(Hazard)) == CLIENTS * EACH
