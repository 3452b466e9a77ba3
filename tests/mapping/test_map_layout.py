"""What the map document tells without a browser: where region names go, a metric scale only, a legend
that folds, enterprises marked with their level in words, and a township without village boundaries
drawn as its own outline with its enterprises (the browser side is in tests/browser/test_maps.py)."""

import json
import re

import shapely
from sqlalchemy import select

from app.auth.principal import SYSTEM
from app.mapping import service
from app.mapping.builder import SHORT_LABELS, EnterprisePoint, MapOptions, RegionShape, build_map, render_html
from app.regions.models import Region
from tests.factories import make_tree
from tests.mapping.factories import graded


def _render(regions, points=(), **kw):
    options = MapOptions(title="测试区安全风险四色分布图", **kw)
    return render_html(build_map(regions, list(points), None, options), options)


def _props(html: str) -> list[dict]:
    data = re.search(r"SK\.regions\((\{.*?\}), \{", html).group(1)
    return [f["properties"] for f in json.loads(data)["features"]]


def test_a_region_name_goes_inside_its_region_even_when_the_middle_is_outside():
    # A U shape: its centroid lies in the gap between the arms.
    u = shapely.Polygon([(118, 39), (119, 39), (119, 40), (118.8, 40), (118.8, 39.2), (118.2, 39.2),
                         (118.2, 40), (118, 40)])  # fmt: skip
    square = shapely.box(120, 39, 121, 40)
    (u_props, square_props) = _props(
        _render([RegionShape("1", "U形区", u), RegionShape("2", "方区", square)])
    )
    assert not u.contains(shapely.centroid(u))
    assert u.contains(shapely.Point(u_props["p"]))
    assert square_props["p"] == [120.5, 39.5]


def test_scale_is_metric_only_and_the_controls_are_laid_out_by_the_map_script():
    html = _render([RegionShape("1", "西区", shapely.box(118, 39, 119, 40), "blue")])
    assert "L.control.scale()" not in html  # Folium's scale shows feet and miles too
    assert re.search(r"SK\.layout\(map_\w+, layer_control_\w+\);", html)
    assert '"animate": false' in html  # the first view is set at once: labels laid out at its zoom


def test_legend_folds_and_names_each_level_with_the_word_on_the_markers():
    html = _render([RegionShape("1", "西区", shapely.box(118, 39, 119, 40), "red")],
                   [EnterprisePoint(1, "甲", 118.5, 39.5, "orange")])  # fmt: skip
    legend = re.search(r'<details class="sk-legend" data-sk="legend" open>(.*?)</details>', html).group(1)
    assert legend.startswith("<summary>安全风险等级</summary>")
    for word, label in zip(
        ("红", "橙", "黄", "蓝", "未"), ("重大风险", "较大风险", "一般风险", "低风险", "未评级"), strict=True
    ):
        assert f">{word}</i>{label}</div>" in legend
    assert '"short":' + json.dumps(SHORT_LABELS, ensure_ascii=False).replace(" ", "") in html
    assert '"outline":false' in html


def test_a_township_without_village_boundaries_is_outlined_with_its_enterprises(db):
    make_tree(db)
    graded(db, "139101001", "orange", name="橙色企业")
    graded(db, "139101001", "blue", name="蓝色企业")
    data = service.region_map_data(db, SYSTEM, "139101001")
    assert [s.code for s in data.shapes] == ["139101001"] and data.outline
    assert {p.level for p in data.points} == {"orange", "blue"}
    options = service.map_options(data, link_base=None)
    assert options.outline and "下级区划暂无边界数据，图中按企业标注风险等级" in options.notes
    html = render_html(build_map(data.shapes, data.points, data.layers, options), options)
    assert '"outline":true' in html


def test_a_township_with_village_boundaries_draws_the_villages(db):
    tree = make_tree(db)
    town = tree["139101001"]
    x0, y0, x1, y1 = shapely.from_wkb(town.geometry).bounds
    mid = (x0 + x1) / 2
    for code, name, box in (
        ("139101001001", "东村", (mid, y0, x1, y1)),
        ("139101001002", "西村", (x0, y0, mid, y1)),
    ):
        db.add(
            Region(
                code=code, name=name, level="village", parent_code=town.code, path=f"{town.path}{code}/",
                geometry=shapely.to_wkb(shapely.box(*box)), source="tests",
            )
        )  # fmt: skip
    db.flush()
    data = service.region_map_data(db, SYSTEM, "139101001")
    assert sorted(s.name for s in data.shapes) == ["东村", "西村"] and not data.outline
    assert not service.map_options(data).outline
    assert db.scalar(select(Region.level).where(Region.code == "139101001001")) == "village"
