"""A small world for page tests: a region tree, one enterprise and its enterprise / inspector / township
users. Codes and names are taken from a prefix so several worlds can live in one database."""

import io
import re
from dataclasses import dataclass

import shapely
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import SYSTEM, Principal
from app.regions import lookup
from app.regions.models import Region
from tests.factories import PASSWORD, login_form, make_enterprise, principal


@dataclass
class World:
    enterprise_id: int
    enterprise_name: str
    township: str
    county: str
    enterprise_user: str
    inspector: str
    township_user: str
    password: str = PASSWORD


def make_regions(db: Session, root: str, x0: float = 110.0, y0: float = 30.0) -> dict[str, str]:
    """province root+"900" > city root+"100" > county root+"101" > township root+"101001" (squares)."""
    tree = [
        (f"{root}900", "页测省", "province", None, (x0, y0, x0 + 2, y0 + 2)),
        (f"{root}100", "页测市", "city", f"{root}900", (x0, y0, x0 + 2, y0 + 2)),
        (f"{root}101", "页测县", "county", f"{root}100", (x0, y0, x0 + 1, y0 + 2)),
    ]
    if db.get(Region, tree[0][0]) is None:
        _add(db, tree)
    lookup.invalidate()
    return {"county": f"{root}101", "city": f"{root}100"}


def _add(
    db: Session, rows: list[tuple[str, str, str, str | None, tuple[float, float, float, float]]]
) -> None:
    for code, name, level, parent, (a, b, c, d) in rows:
        parent_path = db.get_one(Region, parent).path if parent else ""
        db.add(
            Region(
                code=code,
                name=name,
                level=level,
                parent_code=parent,
                path=parent_path + code + "/",
                geometry=shapely.to_wkb(shapely.box(a, b, c, d)),
                min_lon=a,
                min_lat=b,
                max_lon=c,
                max_lat=d,
                source="tests",
                is_synthetic=True,
            )
        )
        db.flush()


def make_world(db: Session, root: str, tag: str, town_no: int = 1) -> World:
    """A township (its own square in the county), an enterprise in it, and three users named by tag."""
    codes = make_regions(db, root)
    county = db.get_one(Region, codes["county"])
    town = f"{county.code}{town_no:03d}"
    x0, y0 = county.min_lon or 0, (county.min_lat or 0) + 0.1 * (town_no - 1)
    if db.get(Region, town) is None:
        _add(db, [(town, f"页测{town_no}街道", "township", county.code, (x0, y0, x0 + 1, y0 + 0.1))])
    ent = make_enterprise(db, region_code=town, name=f"页测企业{tag}", lon=x0 + 0.5, lat=y0 + 0.05)
    users = [
        ("ent", "enterprise", f"企业安全员{tag}", {"enterprise_id": ent.id}),
        ("insp", "inspector", f"县监管员{tag}", {"region_code": county.code, "department": "应急管理局"}),
        ("town", "township", f"街道{tag}", {"region_code": town}),
    ]
    for prefix, role, display, extra in users:
        auth.create_user(
            db,
            SYSTEM,
            username=f"{prefix}_{tag}",
            password=PASSWORD,
            role=role,
            display_name=display,
            **extra,
        )
    db.flush()
    return World(ent.id, ent.name, town, county.code, f"ent_{tag}", f"insp_{tag}", f"town_{tag}")


def png_bytes(colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, format="PNG")
    return buf.getvalue()


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    res = client.post("/login", data=login_form(client, username, password), follow_redirects=False)
    assert res.status_code == 303
    return client


def csrf(client: TestClient, url: str) -> str:
    """The CSRF token of the signed-in session, read from a form's hidden input on the page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert found, f"no form on {url}"
    return found.group(1)


def principal_from(db: Session, username: str) -> Principal:
    return principal(db, db.scalars(select(User).where(User.username == username)).one())
