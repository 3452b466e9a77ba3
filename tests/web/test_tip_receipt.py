"""Issue #15 item 9: the public 举报 form (region required, grouped and in code order, every missing field
named at once, a name typed instead of a select), its receipt code and the public status page, photos
seen only by the receiving department (and on the hazard a 举报 becomes), and the inspector's
enterprise search."""

import re

from sqlalchemy import select

from app.attachments.models import Attachment
from app.hazards import tips
from app.hazards.models import Hazard, Tip
from tests.web.factories import World, _add, csrf, make_world, png_bytes, sign_in

RECEIPT = re.compile(r"data-receipt>([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})<")


def _report(client, world: World, description: str, **extra) -> tuple[str, str]:
    """Post the form as an anonymous visitor: (receipt code, page)."""
    files = extra.pop("files", None)
    form = {"description": description, "place": "河边仓库", "county": world.county, **extra}
    res = client.post("/report", data=form, files=files)
    found = RECEIPT.search(res.text)
    assert found, res.text[-3000:]
    return found.group(1), res.text


def _tip(db, description: str) -> Tip:
    return db.scalars(select(Tip).where(Tip.description == description)).one()


def _status(client, code: str) -> str:
    return client.post("/report/status", data={"code": code}).text


def test_the_form_marks_the_region_required_and_groups_it_in_code_order(client, db, world):
    # A second county with two townships added out of code order.
    second = world.county[:-1] + "2"
    _add(db, [(second, "东测县", "county", world.county[:-3] + "100", (110, 30, 111, 31))])
    _add(db, [(second + "002", "东测二镇", "township", second, (110, 30, 111, 30.5))])
    _add(db, [(second + "001", "东测一镇", "township", second, (110, 30.5, 111, 31))])
    page = client.get("/report").text
    assert re.search(r'<label for="f-county">所在区县 <span class="req"', page)
    assert re.search(r'<select id="f-county" name="county" required', page)
    town = page[page.index('id="f-township"') : page.index("</select>", page.index('id="f-township"'))]
    groups = re.findall(r'<optgroup label="([^"]+)" data-county="(\d+)">', town)
    assert ("页测县", world.county) in groups and ("东测县", second) in groups
    assert [c for _, c in groups] == sorted(c for _, c in groups)
    east = town[town.index(f'data-county="{second}"') :].split("</optgroup>")[0]
    assert re.findall(r"<option value=\"\d+\">([^<]+)<", east) == ["东测一镇", "东测二镇"]
    # The name search offers "区县 / 乡镇" names.
    assert (
        '<option value="东测县 / 东测一镇" data-county="' + second + '" data-township="' + second + '001">'
        in page
    )


def test_every_missing_field_is_named_at_once(client, db, world):
    res = client.post("/report", data={"description": "", "place": ""})
    assert res.status_code == 200
    assert "还有 3 项需要填写或更正：隐患情况、具体地点、所在区县" in res.text
    for name in ("description", "place", "county"):
        assert re.search(rf'id="{name}-error"[^>]*>', res.text), name
    assert "必填：请选择隐患所在的区县" in res.text
    assert db.scalars(select(Tip)).first() is None


def test_a_township_outside_the_county_is_refused_and_a_typed_name_is_enough(client, db, world):
    second = world.county[:-1] + "2"
    _add(db, [(second, "东测县", "county", world.county[:-3] + "100", (110, 30, 111, 31))])
    _add(db, [(second + "001", "东测一镇", "township", second, (110, 30.5, 111, 31))])
    form = {"description": "乱堆乱放", "place": "路口", "county": world.county, "township": second + "001"}
    res = client.post("/report", data=form)
    assert "所选乡镇（街道）不在所选区县内，请重新选择" in res.text and not RECEIPT.search(res.text)
    # A township alone is enough: its county follows.
    _report(client, world, "夜间违规动火", county="", township=second + "001")
    assert _tip(db, "夜间违规动火").region_code == second + "001"
    # Without script: the name typed in the search box is resolved by the server.
    _report(client, world, "无证经营加油点", county="", region_search="东测县 / 东测一镇")
    assert _tip(db, "无证经营加油点").region_code == second + "001"
    _report(client, world, "危化品露天存放", county="", region_search="东测一镇")
    assert _tip(db, "危化品露天存放").region_code == second + "001"
    res = client.post("/report", data={"description": "x", "place": "y", "region_search": "不存在的镇"})
    assert "没有找到名为“不存在的镇”的区县或乡镇（街道）" in res.text


def test_receipt_code_is_shown_once_stored_as_a_hash_and_tells_the_state(client, db, world):
    code, page = _report(client, world, "仓库堆放烟花爆竹")
    assert "已提交，待受理" in page and "举报已受理" not in page
    assert "请抄下或截图保存回执码" in page
    tip = _tip(db, "仓库堆放烟花爆竹")
    plain = code.replace("-", "")
    assert tip.receipt_hash and plain not in tip.receipt_hash and len(tip.receipt_hash) == 64

    # Any case, with or without dashes or spaces.
    shown = _status(client, plain.lower())
    assert "处理状态：<span data-tip-status>待受理</span>" in shown
    assert "河边仓库" not in shown and "仓库堆放烟花爆竹" not in shown  # nothing but the state and dates

    sign_in(client, world.inspector)
    token = csrf(client, "/tips")
    form = {"csrf_token": token, "version": tip.version, "reason": "经核查不属于安全生产事故隐患"}
    assert client.post(f"/tips/{tip.id}/dismiss", data=form, follow_redirects=False).status_code == 303
    client.cookies.clear()
    shown = _status(client, " ".join(code.split("-")))
    assert "<span data-tip-status>不予受理</span>" in shown and "经核查不属于安全生产事故隐患" in shown
    assert "处理日期" in shown


def test_an_accepted_tip_reads_as_accepted_without_enterprise_internals(client, db, world):
    code, _ = _report(client, world, "配电房漏水", contact="13800000000")
    tip = _tip(db, "配电房漏水")
    sign_in(client, world.inspector)
    form = {"csrf_token": csrf(client, "/tips"), "version": tip.version, "enterprise": world.enterprise_name,
            "category": "site", "grade": "general"}  # fmt: skip
    res = client.post(f"/tips/{tip.id}/accept", data=form, follow_redirects=False)
    assert res.status_code == 303
    client.cookies.clear()
    shown = _status(client, code)
    assert "<span data-tip-status>已受理（转为隐患）</span>" in shown
    hazard_id = db.get_one(Tip, tip.id).hazard_id
    assert world.enterprise_name not in shown and "13800000000" not in shown
    assert f"/hazards/{hazard_id}" not in shown and "受理为隐患" not in shown


def test_a_wrong_code_says_so_and_lookups_are_limited_per_client(client, db, world):
    res = client.post("/report/status", data={"code": "AAAA-BBBB-CCCC"})
    assert res.status_code == 200 and "没有找到该回执码对应的举报" in res.text
    assert res.headers["cache-control"] == "no-store"
    assert "必填" in client.post("/report/status", data={"code": ""}).text
    for _ in range(tips.LOOKUPS_PER_HOUR - 1):
        assert "没有找到该回执码" in _status(client, "2345-6789-ABCD")
    # The limit is reached: even a right code is not looked up now, on the page or through the API.
    assert "查询过于频繁" in _status(client, "ZZZZ-ZZZZ-ZZZZ")
    res = client.post("/api/public/reports/status", json={"code": "ZZZZZZZZZZZZ"})
    assert res.status_code == 429 and "查询过于频繁" in res.json()["detail"]


def test_the_api_returns_the_receipt_and_looks_it_up(client, db, world):
    body = {"description": "脚手架无防护", "place": "工地", "region_code": world.township}
    res = client.post("/api/public/reports", json=body)
    assert res.status_code == 201 and res.json()["detail"].startswith("已提交，待受理")
    receipt = res.json()["receipt"]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){2}", receipt)
    res = client.post("/api/public/reports/status", json={"code": receipt})
    assert res.status_code == 200
    assert res.json()["status"] == "pending" and res.json()["status_text"] == "待受理"
    assert set(res.json()) == {"status", "status_text", "reason", "submitted_on", "decided_on"}
    res = client.post("/api/public/reports/status", json={"code": "2222-2222-2222"})
    assert res.status_code == 404 and res.json()["field"] == "code"


def test_photo_goes_to_the_receiving_department_only_and_then_to_the_hazard(client, db, world):
    far = make_world(db, "1376", "far")
    _, page = _report(
        client, world, "消防通道堆满杂物", files={"photo": ("site.png", png_bytes(), "image/png")}
    )
    tip = _tip(db, "消防通道堆满杂物")
    assert len(tip.photo_ids) == 1
    pid = tip.photo_ids[0]
    assert client.get(f"/api/attachments/{pid}").status_code == 401
    for other in (far.inspector, world.township_user, world.enterprise_user):
        sign_in(client, other)
        assert client.get(f"/api/attachments/{pid}").status_code == 404, other
    sign_in(client, world.inspector)
    assert client.get(f"/api/attachments/{pid}").status_code == 200
    assert f'<img src="/api/attachments/{pid}" alt="举报照片 1"' in client.get("/tips").text

    form = {"csrf_token": csrf(client, "/tips"), "version": tip.version, "enterprise": world.enterprise_name,
            "category": "site", "grade": "general"}  # fmt: skip
    res = client.post(f"/tips/{tip.id}/accept", data=form, follow_redirects=False)
    hazard = db.get_one(Hazard, int(res.headers["location"].rsplit("/", 1)[1]))
    assert hazard.photo_ids == [pid]
    sign_in(client, world.enterprise_user)
    assert client.get(f"/api/attachments/{pid}").status_code == 200
    assert f'<img src="/api/attachments/{pid}"' in client.get(f"/hazards/{hazard.id}").text
    sign_in(client, far.inspector)
    assert client.get(f"/api/attachments/{pid}").status_code == 404


def test_photo_is_kept_across_form_errors_and_a_forged_token_is_ignored(client, db, world):
    res = client.post(
        "/report",
        data={"description": "配电箱破损", "place": "", "county": world.county},
        files={"photo": ("box.png", png_bytes("blue"), "image/png")},
    )
    kept = re.search(r'name="kept_photo" value="(\d+)\.([0-9a-f]{32})"', res.text)
    assert kept and "已上传：box.png" in res.text
    token = f"{kept.group(1)}.{kept.group(2)}"
    forged = f"{int(kept.group(1)) + 1}.{kept.group(2)}"
    form = {
        "description": "配电箱破损",
        "place": "二号楼",
        "county": world.county,
        "kept_photo": [token, forged],
    }
    assert RECEIPT.search(client.post("/report", data=form).text)
    assert _tip(db, "配电箱破损").photo_ids == [int(kept.group(1))]
    # The same photo cannot be given to a second 举报.
    form = {**form, "description": "再次提交", "kept_photo": token}
    res = client.post("/report", data=form)
    assert "不存在或已用于其他举报" in res.text
    not_image = client.post(
        "/report",
        data={"description": "x", "place": "y", "county": world.county},
        files={"photo": ("a.png", b"not an image", "image/png")},
    )
    assert "照片未保存" in not_image.text and not RECEIPT.search(not_image.text)
    assert db.scalars(select(Attachment).where(Attachment.original_name == "a.png")).first() is None


def test_the_enterprise_is_found_by_name_or_credit_code_within_scope(client, db, world):
    from app.enterprises.models import Enterprise

    ent = db.get_one(Enterprise, world.enterprise_id)
    far = make_world(db, "1376", "fe")
    _report(client, world, "锅炉无检验合格证")
    tip = _tip(db, "锅炉无检验合格证")
    sign_in(client, world.inspector)
    url = f"/tips/{tip.id}/accept"
    base = {
        "csrf_token": csrf(client, "/tips"),
        "version": tip.version,
        "category": "site",
        "grade": "general",
    }
    card = client.post(url, data={**base, "enterprise": "页测企业"}).text
    assert "您要找的是“页测企业w（" in card or "名称含“页测企业”的企业有" in card
    card = client.post(url, data={**base, "enterprise": far.enterprise_name}).text
    assert f"本辖区内没有名称或统一社会信用代码为“{far.enterprise_name}”的企业" in card
    assert db.get_one(Tip, tip.id).status == "pending"
    res = client.post(url, data={**base, "enterprise": ent.credit_code.lower()}, follow_redirects=False)
    assert res.status_code == 303
    assert db.get_one(Tip, tip.id).status == "accepted"


def test_the_hourly_job_drops_ended_windows_and_keeps_the_current_one(db) -> None:
    from datetime import timedelta

    from app.hazards.models import TipThrottle
    from app.timeutil import utcnow

    db.add(TipThrottle(key="lookup:old", count=20, window_start=utcnow() - timedelta(hours=2)))
    db.add(TipThrottle(key="lookup:now", count=20, window_start=utcnow() - timedelta(minutes=10)))
    db.flush()
    assert tips.prune_throttle(db) == 1
    assert {t.key for t in db.scalars(select(TipThrottle))} == {"lookup:now"}
