"""Photos, the .xlsx ledger and reports, statistics, public 举报."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from PIL import Image

from app.timeutil import local_today
from tests.hazards.conftest import plan, png


def _upload(world, data: bytes, name: str = "x.jpg", who: str = "worker"):
    return world.client.post(
        "/api/attachments", files={"file": (name, data, "image/jpeg")}, headers=world.h[who]
    )


def test_photo_checked_by_content_and_exif_stripped(world):
    img = Image.new("RGB", (40, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: stored landscape, shown portrait
    exif[0x010F] = "SecretCam"
    raw = io.BytesIO()
    img.save(raw, format="JPEG", exif=exif)
    res = _upload(world, raw.getvalue(), "现场<b>.jpg")
    assert res.status_code == 201, res.text
    att = res.json()
    assert att["mime"] == "image/jpeg" and att["original_name"] == "现场<b>.jpg"
    got = world.client.get(f"/api/attachments/{att['id']}", headers=world.h["manager"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(got.content))
    assert stored.size == (20, 40) and not stored.getexif()
    assert b"SecretCam" not in got.content
    # Outside the enterprise's scope the file does not exist.
    assert world.client.get(f"/api/attachments/{att['id']}", headers=world.h["other_ent"]).status_code == 404
    assert world.client.get(f"/api/attachments/{att['id']}", headers=world.h["inspector"]).status_code == 200


def test_not_an_image_and_too_large(world):
    res = _upload(world, b"<html><script>alert(1)</script></html>", "photo.jpg")
    assert res.status_code == 422 and res.json()["field"] == "file"
    res = _upload(world, b"GIF89a" + b"\0" * 100, "a.gif")
    assert res.status_code == 422
    big = png() + b"\0" * (20 * 1024 * 1024)
    res = _upload(world, big, "big.png")
    assert res.status_code == 413 and "10 MB" in res.json()["detail"]
    assert _upload(world, png(), who="township").status_code == 403


def test_ledger_export_escapes_formulas(world):
    h = world.create(description='=HYPERLINK("http://evil","点我")', place="@仓库")
    world.act(h["id"], "start_rectification", plan=plan())
    world.create(description="普通隐患🔥")
    res = world.client.get("/api/hazards/export.xlsx?state=rectifying", headers=world.h["inspector"])
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "隐患编号" and len(rows) == 2
    assert (
        rows[1][0] == h["id"]
        and rows[1][6] == '\'=HYPERLINK("http://evil","点我")'
        and rows[1][7] == "'@仓库"
    )
    assert rows[1][10] is None and rows[1][11] is None and rows[1][13] == "整改中"
    res = world.client.get("/api/hazards/export.xlsx", headers=world.h["worker"])
    assert len(list(load_workbook(io.BytesIO(res.content)).active.iter_rows())) == 3


def test_pagination_and_filters(world):
    ids = [world.create(found_on=(local_today() - timedelta(days=i % 3)).isoformat())["id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        url = "/api/hazards?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = world.client.get(url, headers=world.h["worker"]).json()
        seen += [(h["found_on"], h["id"]) for h in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen, reverse=True) == seen and {i for _, i in seen} == set(ids)
    assert world.client.get("/api/hazards?cursor=bad", headers=world.h["worker"]).status_code == 422
    assert world.client.get("/api/hazards?grade=major", headers=world.h["worker"]).json()["items"] == []
    assert world.client.get("/api/hazards?region=139200", headers=world.h["admin"]).json()["items"] == []


def test_statistics_and_periodic_reports(world):
    a = world.create()
    world.create(grade="major", major_item="GM-3-2")
    world.act(a["id"], "fix_on_spot", measures="当场整改", attachments=[world.photo()])
    world.act(a["id"], "accept", who="manager")
    rows = world.client.get("/api/hazards/stats?by=industry", headers=world.h["inspector"]).json()
    assert rows == [
        {
            "key": "machinery",
            "label": "机械",
            "found": 2,
            "closed": 1,
            "rate": 0.5,
            "major": 1,
            "major_closed": 0,
            "overdue": 0,
            "open_major": 1,
            "open_major_unconfirmed": 0,
            "funds": 0.0,
        }
    ]
    regions = world.client.get("/api/hazards/stats?by=region", headers=world.h["inspector"]).json()
    assert [(r["key"], r["found"]) for r in regions] == [("139101", 2), ("139102", 0)]
    months = world.client.get("/api/hazards/stats?by=month", headers=world.h["worker"]).json()
    assert months[0]["key"] == local_today().strftime("%Y-%m")
    today = local_today()
    quarter = (today.month - 1) // 3 + 1
    res = world.client.get(
        f"/api/hazards/reports/quarterly.xlsx?year={today.year}&quarter={quarter}", headers=world.h["worker"]
    )
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(res.content))
    cells = [c for row in wb["统计分析表"].iter_rows(values_only=True) for c in row if c is not None]
    assert any("报送期限" in str(c) and "-15" in str(c) for c in cells)
    assert world.ent.name in cells and 2 in cells and "50.0%" in cells
    assert len(list(wb["重大事故隐患"].iter_rows())) == 2
    res = world.client.get(
        f"/api/hazards/reports/annual.xlsx?year={today.year}", headers=world.h["inspector"]
    )
    cells = [
        c for row in load_workbook(io.BytesIO(res.content)).active.iter_rows(values_only=True) for c in row
    ]
    assert any(f"{today.year + 1}-01-31" in str(c) for c in cells)


def test_public_tip_rate_limited_and_triaged(world):
    body = {"description": "某厂夜间违规动火<script>", "place": "甲一街道工业园", "region_code": "139101001"}
    for _ in range(5):
        assert world.client.post("/api/public/reports", json=body).status_code == 201
    res = world.client.post("/api/public/reports", json=body)
    assert res.status_code == 429 and "每小时" in res.json()["detail"]
    assert world.client.post("/api/public/reports", json={**body, "region_code": "000"}).status_code in (
        422,
        429,
    )
    inbox = world.client.get("/api/hazards/tips", headers=world.h["inspector"]).json()
    assert len(inbox) == 5 and inbox[0]["description"] == body["description"]
    assert world.client.get("/api/hazards/tips", headers=world.h["far_inspector"]).json() == []
    assert world.client.get("/api/hazards/tips", headers=world.h["worker"]).status_code == 403
    tip = inbox[0]
    res = world.client.post(
        f"/api/hazards/tips/{tip['id']}/accept",
        json={"version": tip["version"], "enterprise_id": world.ent.id, "category": "site"},
        headers=world.h["inspector"],
    )
    assert res.status_code == 201 and res.json()["source"] == "tip"
    res = world.client.post(
        f"/api/hazards/tips/{tip['id']}/dismiss",
        json={"version": 1, "reason": "x"},
        headers=world.h["inspector"],
    )
    assert res.status_code == 409
    second = inbox[1]
    res = world.client.post(
        f"/api/hazards/tips/{second['id']}/dismiss",
        json={"version": second["version"], "reason": "经核查不属实"},
        headers=world.h["inspector"],
    )
    assert res.status_code == 200 and res.json()["status"] == "dismissed"


def test_image_bomb_refused_before_decoding_and_large_photos_downscaled(world):
    # 7000×6000 = 42 Mpx: a few hundred KB as PNG, ~170 MB once decoded.
    raw = io.BytesIO()
    Image.new("1", (7000, 6000)).save(raw, format="PNG")
    assert len(raw.getvalue()) < 1024 * 1024
    res = _upload(world, raw.getvalue(), "bomb.png")
    assert res.status_code == 422, res.text
    assert "像素过多" in res.json()["detail"] and "7000×6000" in res.json()["detail"]
    res = _upload(world, png((5000, 100)), "wide.png")
    assert res.status_code == 201, res.text
    got = world.client.get(f"/api/attachments/{res.json()['id']}", headers=world.h["worker"])
    assert Image.open(io.BytesIO(got.content)).size == (4096, 82)


def test_control_characters_dropped_from_uploaded_file_names(world):
    # Written by hand: HTTP clients would percent-encode the control characters.
    name = "现场\x00照片\x01.png".encode()
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
        b"Content-Type: image/png\r\n\r\n" + png() + b"\r\n--XyZ--\r\n"
    )
    headers = {**world.h["worker"], "Content-Type": "multipart/form-data; boundary=XyZ"}
    res = world.client.post("/api/attachments", content=body, headers=headers)
    assert res.status_code == 201, res.text
    assert res.json()["original_name"] == "现场照片.png"
