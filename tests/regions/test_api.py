import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings
from app.regions.gcj02 import wgs84_to_gcj02
from tests.factories import auth_headers, make_user
from tests.regions.conftest import SMALL, import_small, region_count


@pytest.fixture
def admin_h(client: TestClient, db: Session) -> dict[str, str]:
    return auth_headers(client, make_user(db, "admin"))


@pytest.fixture
def inspector_h(client: TestClient, db: Session) -> dict[str, str]:
    import_small(db)
    return auth_headers(client, make_user(db, "inspector", region_code="990101"))


def upload(client: TestClient, headers: dict[str, str], data: bytes, **form: str):  # type: ignore[no-untyped-def]
    files = {"file": ("regions.geojson", data, "application/geo+json")}
    return client.post("/api/regions/import", files=files, data=form, headers=headers)


def test_lookup(client: TestClient, inspector_h: dict[str, str]) -> None:
    res = client.get("/api/regions/lookup", params={"lon": 100.2, "lat": 30.5}, headers=inspector_h)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["code"] == "990101001" and body["level"] == "township"
    assert [a["code"] for a in body["ancestors"]] == ["990000", "990100", "990101", "990101001"]

    glon, glat = wgs84_to_gcj02(100.7, 30.5)
    params = {"lon": float(glon), "lat": float(glat), "crs": "gcj02"}
    res = client.get("/api/regions/lookup", params=params, headers=inspector_h)
    assert res.status_code == 200 and res.json()["code"] == "990101"


def test_lookup_outside_and_bad_coordinates(client: TestClient, inspector_h: dict[str, str]) -> None:
    res = client.get("/api/regions/lookup", params={"lon": 120.0, "lat": 35.0}, headers=inspector_h)
    assert res.status_code == 404 and "不在任何已导入的行政区划内" in res.json()["detail"]
    res = client.get("/api/regions/lookup", params={"lon": 30.5, "lat": 100.2}, headers=inspector_h)
    assert res.status_code == 422
    assert res.json()["field"] == "lon" and "经度和纬度可能填反了" in res.json()["detail"]
    res = client.get("/api/regions/lookup", params={"lon": 100.2, "lat": 95}, headers=inspector_h)
    assert res.status_code == 422 and res.json()["field"] == "lat"


def test_read_requires_sign_in(client: TestClient, db: Session) -> None:
    import_small(db)
    assert client.get("/api/regions").status_code == 401
    assert client.get("/api/regions/lookup", params={"lon": 100.2, "lat": 30.5}).status_code == 401


def test_list_and_detail(client: TestClient, inspector_h: dict[str, str]) -> None:
    res = client.get("/api/regions", params={"parent": "990100"}, headers=inspector_h)
    assert res.status_code == 200
    assert [r["code"] for r in res.json()] == ["990101", "990102"]
    res = client.get("/api/regions", params={"level": "province"}, headers=inspector_h)
    assert [r["code"] for r in res.json()] == ["990000"]

    res = client.get("/api/regions/990102", headers=inspector_h)
    assert res.status_code == 200 and "geometry" not in res.json()
    assert res.json()["bbox"] == [101.0, 30.0, 102.0, 32.0]
    res = client.get("/api/regions/990102", params={"geometry": "true"}, headers=inspector_h)
    assert res.json()["geometry"]["type"] == "Polygon"
    res = client.get("/api/regions/990199", headers=inspector_h)
    assert res.status_code == 404 and "990199" in res.json()["detail"]


def test_admin_imports(client: TestClient, db: Session, admin_h: dict[str, str]) -> None:
    res = upload(client, admin_h, SMALL.read_bytes(), crs="wgs84")
    assert res.status_code == 200, res.text
    body = res.json()
    assert len(body["created"]) == 5 and body["errors"] == [] and "新增 5 个" in body["summary"]
    assert region_count(db) == 5


def test_import_with_custom_properties(client: TestClient, db: Session, admin_h: dict[str, str]) -> None:
    fc = json.loads(SMALL.read_text(encoding="utf-8"))
    for f in fc["features"]:
        p = f["properties"]
        f["properties"] = {"dm": p["adcode"], "mc": p["name"], "jb": p["level"], "sj": p["parent_adcode"]}
    data = json.dumps(fc, ensure_ascii=False).encode()
    res = upload(
        client,
        admin_h,
        data,
        code_property="dm",
        name_property="mc",
        level_property="jb",
        parent_property="sj",
    )
    assert res.status_code == 200, res.text
    assert region_count(db) == 5


def test_import_errors_are_listed(client: TestClient, db: Session, admin_h: dict[str, str]) -> None:
    fc = json.loads(SMALL.read_text(encoding="utf-8"))
    fc["features"][1]["geometry"] = None
    fc["features"][2]["properties"]["adcode"] = "12"
    res = upload(client, admin_h, json.dumps(fc).encode())
    assert res.status_code == 422
    body = res.json()
    assert "未写入任何数据" in body["detail"]
    assert [e["index"] for e in body["errors"]] == [1, 2]
    assert region_count(db) == 0


def test_non_admin_cannot_import(client: TestClient, db: Session, inspector_h: dict[str, str]) -> None:
    before = region_count(db)
    res = upload(client, inspector_h, SMALL.read_bytes())
    assert res.status_code == 403
    assert region_count(db) == before


# Just over the limit is caught while reading the file; far over it, from Content-Length up front.
@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024])
def test_upload_too_large(
    client: TestClient, db: Session, admin_h: dict[str, str], monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    res = upload(client, admin_h, b" " * size + SMALL.read_bytes())
    assert res.status_code == 413 and "1 MB" in res.json()["detail"]
    assert region_count(db) == 0
