"""A small world for hazard tests: two enterprises in 甲一街道, one in 乙一区, users of every role."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.attachments.config import get_attachment_settings
from app.timeutil import local_today
from tests.factories import auth_headers, make_enterprise, make_tree, make_user


@dataclass
class World:
    client: TestClient
    ent: Any
    ent_other: Any
    ent_far: Any
    h: dict[str, dict[str, str]]
    users: dict[str, Any]

    def create(
        self, who: str = "worker", expect: int = 201, headers: dict[str, str] | None = None, **kw: Any
    ):
        body = {
            "source": "routine",
            "description": "配电箱门未关闭，内部线路裸露",
            "place": "一号车间",
            "category": "site",
            **kw,
        }
        res = self.client.post("/api/hazards", json=body, headers={**self.h[who], **(headers or {})})
        assert res.status_code == expect, res.text
        return res.json()

    def get(self, hazard_id: int, who: str = "worker") -> dict[str, Any]:
        res = self.client.get(f"/api/hazards/{hazard_id}", headers=self.h[who])
        assert res.status_code == 200, res.text
        return res.json()

    def act(self, hazard_id: int, action: str, who: str = "worker", expect: int = 200, **payload: Any):
        version = payload.pop("version", None)
        if version is None:
            version = self.get(hazard_id, "admin")["version"]
        res = self.client.post(
            f"/api/hazards/{hazard_id}/transitions",
            json={"action": action, "version": version, **payload},
            headers=self.h[who],
        )
        assert res.status_code == expect, res.text
        return res.json()

    def photo(self, who: str = "worker", enterprise_id: int | None = None) -> int:
        res = self.client.post(
            "/api/attachments",
            files={"file": ("p.png", png(), "image/png")},
            data={"enterprise_id": str(enterprise_id)} if enterprise_id else {},
            headers=self.h[who],
        )
        assert res.status_code == 201, res.text
        return res.json()["id"]


def png(size: tuple[int, int] = (8, 8), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def plan(deadline: date | None = None, major: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "measures": "更换配电箱门锁，线路穿管",
        "deadline": (deadline or local_today() + timedelta(days=10)).isoformat(),
    }
    if major:
        body |= {
            "responsible": "张安全",
            "funds": "12000.50",
            "emergency_plan": "停用该区域，设警戒线，配备灭火器",
            "governance": {
                "goals": "消除隐患",
                "methods": "停产整改",
                "funds_and_materials": "专项资金1.2万元",
                "organisation": "设备部，张安全负责",
                "timeline": "30日内完成",
                "safety_measures": "整改期间设警戒区",
            },
        }
    return body


@pytest.fixture(autouse=True)
def _uploads(tmp_path, monkeypatch):
    monkeypatch.setattr(get_attachment_settings(), "uploads_dir", tmp_path / "uploads")


@pytest.fixture
def world(db, client) -> World:
    make_tree(db)
    ent = make_enterprise(db, industry="machinery")
    ent_other = make_enterprise(db, industry="machinery")
    ent_far = make_enterprise(db, region_code="139201", industry="machinery", lon=120.0, lat=39.5)
    users = {
        "worker": make_user(db, "enterprise", enterprise_id=ent.id, display_name="李工"),
        "manager": make_user(db, "enterprise", enterprise_id=ent.id, display_name="王经理"),
        "other_ent": make_user(db, "enterprise", enterprise_id=ent_other.id),
        "inspector": make_user(db, "inspector", region_code="139100"),
        "far_inspector": make_user(db, "inspector", region_code="139200"),
        "township": make_user(db, "township", region_code="139101001"),
        "admin": make_user(db, "admin"),
    }
    headers = {k: auth_headers(client, u) for k, u in users.items()}
    return World(client, ent, ent_other, ent_far, headers, users)
