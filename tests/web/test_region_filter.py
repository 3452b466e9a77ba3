"""Issue #15 item 8: the list pages take a region name as well as a code, and a reversed date range is
an error beside the field (422 in the API), not an empty list. The regulators' filters use the /report
page's 区县 → 乡镇 picker: two selects (no script needed), checked on the server for the pair and scope."""

import re

from app.hazards import schemas as s
from app.hazards import service as hazards
from app.regions.models import Region
from tests.factories import auth_headers, make_enterprise, make_tree, make_user, principal
from tests.web.factories import sign_in


def _hazard(db, region_code, description):
    ent = make_enterprise(db, region_code=region_code)
    staff = make_user(db, "enterprise", enterprise_id=ent.id)
    data = s.HazardIn(source="routine", description=description, place="仓库", category="site")
    hazards.create_hazard(db, principal(db, staff), data)


def _inspector(db, client):
    make_tree(db)
    _hazard(db, "139101001", "甲一的消防通道堵塞")
    _hazard(db, "139102", "甲二的配电箱破损")
    user = make_user(db, "inspector", region_code="139100", department="应急管理局")
    sign_in(client, user.username)
    return user


def test_region_name_filters_the_ledger_and_is_offered(client, db):
    _inspector(db, client)
    page = client.get("/hazards", params={"region": "甲一区"})
    assert page.status_code == 200
    assert "甲一的消防通道堵塞" in page.text and "甲二的配电箱破损" not in page.text
    assert 'value="甲一区"' in page.text
    assert "region=139101" in page.text  # the export link carries the code
    names = re.search(r'<datalist id="region-names">(.*?)</datalist>', page.text).group(1)
    assert 'value="甲一区 / 甲一街道"' in names and "乙一区" not in names
    # The typed name shows as the 区县 chosen in the picker's select.
    assert re.search(
        r'<select id="f-county"[^>]*>.*<option value="139101" selected>甲一区</option>', page.text, re.S
    )
    by_code = client.get("/hazards", params={"region": "139102"}).text
    assert "甲二的配电箱破损" in by_code and "甲一的消防通道堵塞" not in by_code


def test_unknown_or_ambiguous_region_name_is_shown_beside_the_field(client, db):
    _inspector(db, client)
    res = client.get("/hazards", params={"region": "海港区"})
    assert res.status_code == 200
    assert re.search(r'id="region-error"[^>]*>没有找到名为“海港区”的行政区<', res.text)
    assert "消防通道" not in res.text and "导出 Excel" not in res.text
    # 乙一区 exists, but outside this inspector's city.
    assert "没有找到名为“乙一区”的行政区" in client.get("/hazards", params={"region": "乙一区"}).text
    twin = db.get_one(Region, "139101001")
    db.add(Region(code="139102001", name="甲一街道", level="township", parent_code="139102",
                  path=db.get_one(Region, "139102").path + "139102001/", source="tests"))  # fmt: skip
    db.flush()
    res = client.get("/hazards", params={"region": twin.name})
    assert res.status_code == 200
    error = re.search(r'id="region-error"[^>]*>([^<]*)<', res.text).group(1)
    assert "有多个名为“甲一街道”的行政区" in error
    assert "甲一区甲一街道（139101001）" in error and "甲二区甲一街道（139102001）" in error
    stats = client.get("/stats", params={"region": "海港区"})
    assert stats.status_code == 200 and "没有找到名为“海港区”的行政区" in stats.text
    stats = client.get("/stats", params={"region": "甲一区"})
    assert stats.status_code == 200 and "<h1>甲一区隐患排查治理统计" in stats.text


def test_reversed_dates_are_an_error_on_the_page_and_in_the_api(client, db):
    user = _inspector(db, client)
    dates = {"found_from": "2024-05-02", "found_to": "2024-05-01"}
    res = client.get("/hazards", params=dates)
    assert res.status_code == 200
    assert re.search(r'id="found_from-error"[^>]*>起始日期不能晚于截止日期<', res.text)
    headers = auth_headers(client, user)
    for url in ("/api/hazards", "/api/hazards/export.xlsx"):
        api = client.get(url, params=dates, headers=headers)
        assert api.status_code == 422
        assert api.json()["field"] == "found_from" and api.json()["detail"] == "起始日期不能晚于截止日期"
    assert client.get("/api/hazards", params={"region": "海港区"}, headers=headers).status_code in (404, 422)


def _options(html: str, select_id: str) -> list[str]:
    body = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="(\d+)"', body)


def test_county_and_township_selects_filter_the_ledger_and_stats(client, db):
    _inspector(db, client)
    page = client.get("/hazards")
    # Only this city's counties and their townships are offered, grouped by county.
    assert _options(page.text, "f-county") == ["139101", "139102"]
    assert "139101001" in _options(page.text, "f-township")
    assert 'data-county="139101"' in page.text and "乙一区" not in page.text
    town = client.get("/hazards", params={"county": "139101", "township": "139101001"}).text
    assert "甲一的消防通道堵塞" in town and "甲二的配电箱破损" not in town
    assert '<option value="139101001" selected>' in town and "region=139101001" in town
    county = client.get("/hazards", params={"county": "139102", "township": ""}).text
    assert "甲二的配电箱破损" in county and "甲一的消防通道堵塞" not in county
    stats = client.get("/stats", params={"county": "139101", "township": "139101001"}).text
    assert "<h1>甲一街道隐患排查治理统计" in stats


def test_picker_refuses_a_township_of_another_county_or_outside_the_scope(client, db):
    _inspector(db, client)
    res = client.get("/hazards", params={"county": "139102", "township": "139101001"})
    assert res.status_code == 200
    assert re.search(r'id="township-error"[^>]*>所选乡镇（街道）不在所选区县内，请重新选择<', res.text)
    assert "消防通道" not in res.text and "导出 Excel" not in res.text
    # 乙一区 (139201) exists, but in another city: not offered and refused when sent anyway.
    res = client.get("/hazards", params={"county": "139201"})
    assert res.status_code == 200 and re.search(r'id="county-error"[^>]*>请从列表中选择区县<', res.text)
    res = client.get("/hazards", params={"region": "139201"})
    assert res.status_code == 200 and "没有找到代码为“139201”的行政区" in res.text
    stats = client.get("/stats", params={"county": "139102", "township": "139101001"})
    assert stats.status_code == 200 and "所选乡镇（街道）不在所选区县内" in stats.text
