"""Map pages and APIs through the app: scope, bad input, offline assets."""

import re

import pytest
from sqlalchemy import update

from app.auth.principal import SYSTEM
from app.enterprises.models import Enterprise
from app.grading.regional import recompute_region_levels
from app.regions.models import Region
from tests.factories import auth_headers, make_enterprise, make_tree, make_user
from tests.mapping.factories import graded
from tests.mapping.test_builder import enterprises_drawn


@pytest.fixture
def tree(db):
    make_tree(db)
    graded(db, "139101001", "orange", name="有坐标橙色企业")
    graded(db, "139101001", "blue", name="无坐标企业甲", lon=None, lat=None)
    graded(db, "139101001", "orange")
    graded(db, "139101001", "blue")  # orange share 2/4 ≥ 30 %: the township is orange
    graded(db, "139201", "red", name="乙市红色企业")
    recompute_region_levels(db)


def headers(client, db, role, **kw):
    return auth_headers(client, make_user(db, role, **kw))


def test_township_user_sees_its_own_map_with_unlocated_enterprises_listed(client, db, tree):
    h = headers(client, db, "township", region_code="139101001")
    page = client.get("/maps/region/139101001", headers=h)
    assert page.status_code == 200
    assert "甲一街道安全风险四色分布图" in page.text
    assert "无坐标企业（1 家）" in page.text and "无坐标企业甲" in page.text
    assert 'src="/maps/region/139101001/map.html"' in page.text
    assert '<b data-level="orange">较大风险</b>' in page.text  # the region's current level

    doc = client.get("/maps/region/139101001/map.html", headers=h)
    assert doc.status_code == 200
    # The three located enterprises are drawn; their names come from the map's search endpoint.
    assert len(enterprises_drawn(doc.text)) == 3
    assert "有坐标橙色企业" not in doc.text
    assert '"names":{"api":"/api/maps/region/139101001/enterprises"}' in doc.text
    assert found(client, h, "139101001", "有坐标橙色") == ["有坐标橙色企业"]
    assert "另有 1 家企业无坐标，未在图上标注" in doc.text
    assert not re.search(r"https?://", doc.text) and "//cdn" not in doc.text


def test_a_hostile_region_name_is_text_in_the_map_document_the_page_and_the_rendered_file(
    client, db, tree, monkeypatch, tmp_path
):
    """The map title is the region's name (from an imported boundary file, so not ours to trust):
    the map document, the page around it and `shuangkong map render` show it as text."""
    from contextlib import contextmanager

    from typer.testing import CliRunner

    from app.mapping.cli import map_app
    from tests.mapping.test_builder import HOSTILE, HOSTILE_ESCAPED

    db.execute(update(Region).where(Region.code == "139101001").values(name=HOSTILE))
    db.commit()
    title = f"{HOSTILE_ESCAPED}安全风险四色分布图"
    h = headers(client, db, "admin")

    doc = client.get("/maps/region/139101001/map.html", headers=h)
    assert doc.status_code == 200
    assert f"<title>{title}</title>" in doc.text
    assert f'<div class="sk-title" data-sk="title">{title}' in doc.text
    assert "<script>alert" not in doc.text

    page = client.get("/maps/region/139101001", headers=h)
    assert page.status_code == 200
    # Jinja's escaping writes the quotes as &#34; and &#39;.
    page_title = "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#34;&#39;安全风险四色分布图"
    assert f"<h1>{page_title}" in page.text and f'title="{page_title}"' in page.text
    assert "<script>alert" not in page.text

    @contextmanager
    def test_session(*_, **__):  # type: ignore[no-untyped-def]
        yield db

    monkeypatch.setattr("app.db.session_scope", test_session)
    out = tmp_path / "map.html"
    result = CliRunner().invoke(map_app, ["render", "--region", "139101001", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert f"<title>{title}</title>" in written and f'data-sk="title">{title}' in written
    assert "<script>alert" not in written
    # Names are in the side file next to it, which the map reads by a relative <script src>.
    assert "map_names.js" in result.output and '"names":{"file":"map_names.js"}' in written
    side = (tmp_path / "map_names.js").read_text(encoding="utf-8")
    assert "有坐标橙色企业" in side and "有坐标橙色企业" not in written


def test_out_of_scope_and_unknown_regions_answer_404_in_chinese(client, db, tree):
    h = headers(client, db, "township", region_code="139101001")
    for url in ("/maps/region/139100", "/maps/region/139201/map.html", "/api/regions/139900/level"):
        res = client.get(url, headers=h)
        assert res.status_code == 404, url
        assert "不存在或不在您的管辖范围内" in res.json()["detail"]
    assert client.get("/maps/region/999999", headers=h).status_code == 404


def test_enterprise_users_are_refused_and_admin_sees_everything(client, db, tree):
    ent = make_enterprise(db, region_code="139101001")
    h = headers(client, db, "enterprise", enterprise_id=ent.id)
    res = client.get("/maps/region/139101001", headers=h)
    assert res.status_code == 403 and "企业用户" in res.json()["detail"]
    admin = headers(client, db, "admin")
    assert client.get("/maps/region/139900/map.html", headers=admin).status_code == 200


def found(client, h, code: str, q: str) -> list[str]:
    res = client.get(f"/api/maps/region/{code}/enterprises", params={"q": q}, headers=h)
    assert res.status_code == 200, res.text
    return [e["name"] for e in res.json()["items"]]


def test_inspector_sees_points_only_of_enterprises_in_scope(client, db, tree):
    h = headers(client, db, "inspector", region_code="139100")
    doc = client.get("/maps/region/139100/map.html", headers=h)
    assert len(enterprises_drawn(doc.text)) == 3
    # The three located enterprises of 甲市 (无坐标企业甲 is listed beside the map, not searched on it).
    names = found(client, h, "139100", "企业")
    assert len(names) == 3 and "有坐标橙色企业" in names and "无坐标企业甲" not in names
    assert found(client, h, "139100", "乙市红色企业") == []


def test_map_search_finds_by_name_or_credit_code_only_what_the_user_may_see(client, db, tree):
    """The map's search box and its tooltips ask this endpoint: the same scope as the map itself."""
    red = db.query(Enterprise).filter_by(name="乙市红色企业").one()
    orange = db.query(Enterprise).filter_by(name="有坐标橙色企业").one()
    admin = headers(client, db, "admin")
    assert found(client, admin, "139900", "乙市红色企业") == ["乙市红色企业"]
    assert found(client, admin, "139900", red.credit_code[:10].lower()) == ["乙市红色企业"]
    # A township user finds what lies in its township only, by name or by id.
    town = headers(client, db, "township", region_code="139101001")
    assert found(client, town, "139101001", "红色") == []
    assert found(client, town, "139101001", "橙色") == ["有坐标橙色企业"]
    ids = client.get(
        "/api/maps/region/139101001/enterprises", params={"ids": f"{orange.id},{red.id}"}, headers=town
    )
    assert [e["name"] for e in ids.json()["items"]] == ["有坐标橙色企业"]
    # …and no other region's map, nor a map above its own.
    for code in ("139201", "139101"):
        res = client.get(f"/api/maps/region/{code}/enterprises", params={"q": "企业"}, headers=town)
        assert res.status_code == 404 and "不在您的管辖范围内" in res.json()["detail"]
    # An inspector of some industries finds only enterprises of those industries.
    make_enterprise(db, region_code="139101001", industry="chemical", name="甲化工企业")
    mech = headers(client, db, "inspector", region_code="139100", industries=["machinery"])
    assert found(client, mech, "139100", "甲化工") == []
    assert found(client, admin, "139100", "甲化工") == ["甲化工企业"]
    # An enterprise user finds no enterprise at all, not even its own through a regional map.
    ent = headers(client, db, "enterprise", enterprise_id=orange.id)
    res = client.get("/api/maps/region/139101001/enterprises", params={"q": "有坐标"}, headers=ent)
    assert res.status_code == 403 and "企业用户" in res.json()["detail"]
    assert client.get("/api/maps/region/139101001/enterprises", params={"q": "企业"}).status_code == 401


def test_map_search_names_its_bad_input(client, db, tree):
    admin = headers(client, db, "admin")
    url = "/api/maps/region/139900/enterprises"
    for params, field in (
        ({}, "q"),
        ({"q": "甲" * 101}, "q"),
        ({"q": "   "}, "q"),
        ({"ids": "1,x"}, "ids"),
        ({"ids": "9999999999"}, "ids"),
        ({"ids": ",".join(["1"] * 501)}, "ids"),
    ):
        res = client.get(url, params=params, headers=admin)
        assert res.status_code == 422, (params, res.text)
        assert res.json()["field"] == field, (params, res.json())
    assert client.get(url, params={"ids": "2147483647"}, headers=admin).json() == {"items": []}


def test_region_without_geometry_gets_a_clear_message(client, db, tree):
    db.execute(update(Region).where(Region.code == "139201").values(geometry=None))
    admin = headers(client, db, "admin")
    page = client.get("/maps/region/139201", headers=admin)
    assert page.status_code == 422
    assert "没有边界数据，无法绘制地图" in page.text
    doc = client.get("/maps/region/139201/map.html", headers=admin)
    assert doc.status_code == 422 and "没有边界数据" in doc.json()["detail"]


def test_unknown_level_parameter_is_named(client, db, tree):
    admin = headers(client, db, "admin")
    res = client.get("/maps/region/139900/map.html?level=planet", headers=admin)
    assert res.status_code == 422 and res.json()["field"] == "level"


def test_map_page_needs_sign_in(client, db, tree):
    res = client.get("/maps/region/139101001", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert client.get("/maps/region/139101001/map.html").status_code == 401


def test_level_api_gives_current_trace_and_history(client, db, tree):
    h = headers(client, db, "township", region_code="139101001")
    graded(db, "139101001", "red")
    recompute_region_levels(db)
    body = client.get("/api/regions/139101001/level", headers=h).json()
    assert body["region"]["code"] == "139101001"
    assert body["current"]["level"] == "red" and body["current"]["level_label"] == "重大风险"
    assert body["current"]["counts"]["red"] == 1
    assert any("红色企业" in step["detail"] for step in body["current"]["trace"])
    assert [(h["level"], h["is_current"]) for h in body["history"]] == [("red", True), ("orange", False)]


def test_tiles_without_key_fail_with_a_clear_message(client, db, tree, monkeypatch):
    monkeypatch.setenv("SHUANGKONG_MAP_TILES", "tianditu")
    monkeypatch.delenv("SHUANGKONG_TIANDITU_KEY", raising=False)
    res = client.get("/maps/region/139900/map.html", headers=headers(client, db, "admin"))
    assert res.status_code == 500
    assert "SHUANGKONG_TIANDITU_KEY" in res.json()["detail"]


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("/maps/assets/leaflet/leaflet.js", "text/javascript"),
        ("/maps/assets/markercluster/MarkerCluster.css", "text/css"),
        ("/maps/assets/leaflet/images/layers.png", "image/png"),
        ("/maps/assets/shuangkong/map.js", "text/javascript"),
    ],
)
def test_assets_are_served_from_installed_packages(client, url, media):
    res = client.get(url)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith(media)
    assert len(res.content) > 100


@pytest.mark.parametrize(
    "url",
    [
        "/maps/assets/leaflet/../../../__init__.py",
        "/maps/assets/nothing/x.js",
        "/maps/assets/leaflet/none.js",
    ],
)
def test_unknown_assets_are_404(client, url):
    assert client.get(url).status_code == 404


def test_the_side_file_of_an_export_holds_only_what_the_exporting_user_may_see(db, tree):
    """A map written to disk carries its names in a side file built from the same scoped points."""
    from app.mapping import service
    from app.mapping.builder import names_script
    from tests.factories import principal

    make_enterprise(db, region_code="139101001", industry="chemical", name="甲化工企业")
    everyone = names_script(service.region_map_data(db, SYSTEM, "139900").points)
    assert "乙市红色企业" in everyone and "甲化工企业" in everyone and "无坐标企业甲" not in everyone
    town = principal(db, make_user(db, "township", region_code="139101001"))
    mech = principal(db, make_user(db, "inspector", region_code="139100", industries=["machinery"]))
    for user, code in ((town, "139101001"), (mech, "139100")):
        side = names_script(service.region_map_data(db, user, code).points)
        assert "有坐标橙色企业" in side and "乙市红色企业" not in side
    assert "甲化工企业" in names_script(service.region_map_data(db, town, "139101001").points)
    assert "甲化工企业" not in names_script(service.region_map_data(db, mech, "139100").points)
