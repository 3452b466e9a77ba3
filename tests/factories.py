"""Plain factory functions for tests."""

import itertools
import random
import re

import shapely
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import SYSTEM, Principal
from app.enterprises.credit_code import CHARSET, check_digit
from app.enterprises.models import Enterprise
from app.regions.models import Region

PASSWORD = "Passw0rd!"
_counter = itertools.count(1)
_rng = random.Random(7)

# A small synthetic tree (WGS84 squares near 秦皇岛): city A with counties A1, A2; township A1a in A1;
# a second city B. Codes follow the adcode pattern but the shapes are made up.
TREE = [
    ("139900", "测试省", "province", None, (118.0, 39.0, 121.0, 41.0)),
    ("139100", "甲市", "city", "139900", (118.0, 39.0, 119.5, 41.0)),
    ("139101", "甲一区", "county", "139100", (118.0, 39.0, 119.5, 40.0)),
    ("139101001", "甲一街道", "township", "139101", (118.0, 39.0, 118.75, 40.0)),
    ("139102", "甲二区", "county", "139100", (118.0, 40.0, 119.5, 41.0)),
    ("139200", "乙市", "city", "139900", (119.5, 39.0, 121.0, 41.0)),
    ("139201", "乙一区", "county", "139200", (119.5, 39.0, 121.0, 41.0)),
]


def make_tree(db: Session) -> dict[str, Region]:
    """Regions with geometry, inserted directly (the import itself is tested in tests/regions).

    Regions already there are reused: browser tests of several modules share one live database.
    """
    out: dict[str, Region] = {}
    for code, name, level, parent, (x0, y0, x1, y1) in TREE:
        existing = db.get(Region, code)
        if existing is not None:
            out[code] = existing
            continue
        path = (out[parent].path if parent else "") + code + "/"
        box = shapely.box(x0, y0, x1, y1)
        region = Region(
            code=code,
            name=name,
            level=level,
            parent_code=parent,
            path=path,
            geometry=shapely.to_wkb(box),
            min_lon=x0,
            min_lat=y0,
            max_lon=x1,
            max_lat=y1,
            source="tests",
        )
        db.add(region)
        db.flush()
        out[code] = region
    from app.regions import lookup

    lookup.invalidate()
    return out


def credit_code() -> str:
    first17 = "91" + "139100" + "".join(_rng.choice(CHARSET) for _ in range(9))
    return first17 + check_digit(first17)


def make_enterprise(
    db: Session, region_code: str = "139101001", industry: str = "machinery", **kw: object
) -> Enterprise:
    n = next(_counter)
    ent = Enterprise(
        credit_code=kw.pop("credit_code", credit_code()),
        name=kw.pop("name", f"测试企业{n}有限公司"),
        industry=industry,
        region_code=region_code,
        lon=kw.pop("lon", 118.3),
        lat=kw.pop("lat", 39.5),
        **kw,
    )
    db.add(ent)
    db.flush()
    return ent


def make_user(db: Session, role: str, **kw: object) -> User:
    username = str(kw.pop("username", f"{role}{next(_counter)}"))
    return auth.create_user(db, SYSTEM, username=username, password=PASSWORD, role=role, **kw)  # type: ignore[arg-type]


def principal(db: Session, user: User) -> Principal:
    return auth.principal_for(db, user)


def auth_headers(client: TestClient, user: User) -> dict[str, str]:
    res = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def login_form(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The /login form's fields as a browser would send them: fetch the page (its cookie and CSRF token).
    A signed-in client is signed out first (/login would redirect it home)."""
    client.cookies.pop("sk_session", None)
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found, "no CSRF token on /login"
    return {"username": username, "password": password, "csrf_token": found.group(1)}
