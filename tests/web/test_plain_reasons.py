"""Level reasons and 判定依据 as users read them (issue #15 items 2 and 3): enterprise and township
users get plain sentences naming the rule set and clause, never rule ids like "enterprise-level@2026.1"
or conditions like "open_major_hazards >= 1"; inspectors also get the 依据 line with the id. A major
hazard picked from the catalogue shows the item text and clause on its page and in the ledger, never
empty brackets."""

import io
import re

from openpyxl import load_workbook

from app.grading import enterprise as grading
from app.grading import regional
from app.grading.models import EnterpriseLevel
from app.hazards import schemas as s
from app.hazards import service as hazards
from tests.risks.factories import assess, make_point
from tests.web.factories import principal_from, sign_in

SENTENCE = "存在1项未销号的重大事故隐患，企业整体等级不低于橙色，由黄色调为橙色（企业整体风险等级规则 第2条）"
RAW = ("enterprise-level@", "open_major_hazards", "open-major-hidden-hazard", "&gt;=", "policies/")
GM_3_2 = (
    "GM-3-2 特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业"
    "（《工贸企业重大事故隐患判定标准》第三条第（二）项）"
)
EMPTY_BRACKETS = re.compile(r"（\s*）")


def major_hazard(db, username, **kw):
    fields = {"major_item": "GM-3-2", **kw}
    data = s.HazardIn(source="routine", description="叉车司机无证", place="成品库", category="site",
                      grade="major", **fields)  # fmt: skip
    return hazards.create_hazard(db, principal_from(db, username), data).hazard


def graded(db, world):
    """A yellow risk point (residual) and an open major hazard: orange by 第2条."""
    point = make_point(db, world.enterprise_id)
    assess(db, point, residual={"L": 1, "E": 6, "C": 15})
    hazard = major_hazard(db, world.enterprise_user)
    grading.recompute_enterprise_level(db, world.enterprise_id)
    db.commit()
    return point, hazard


def level_box(page: str) -> str:
    start = page.index('<section class="level"')
    return page[start : page.index("</section>", start)]


def test_enterprise_and_township_users_read_sentences_inspectors_also_the_basis(client, db, world):
    graded(db, world)
    sign_in(client, world.enterprise_user)
    box = level_box(client.get("/").text)
    assert "较大风险" in box and SENTENCE in box
    assert "企业1个风险点中最高为黄色（一般风险），以此为基础等级（企业整体风险等级规则 第1条）" in box
    assert not any(raw in box for raw in RAW) and "依据 " not in box

    sign_in(client, world.township_user)
    box = level_box(client.get(f"/enterprises/{world.enterprise_id}").text)
    assert SENTENCE in box and not any(raw in box for raw in RAW) and "<details" not in box

    sign_in(client, world.inspector)
    box = level_box(client.get(f"/enterprises/{world.enterprise_id}").text)
    assert SENTENCE in box
    details = box[box.index("<details") :]
    assert "依据 enterprise-level@2026.1" in details and "open_major_hazards &gt;= 1" in details
    assert "policies/enterprise-level.yaml rules.open-major-hidden-hazard" in details
    assert "open_major_hazards" not in box[: box.index("<details")]  # the sentences stay plain
    api = client.get(f"/api/risks/enterprises/{world.enterprise_id}/level").json()["current"]
    assert SENTENCE in api["reasons"] and api["rule_set"] == "enterprise-level@2026.1"


def test_a_level_stored_before_reasons_had_sentences_reads_without_rule_ids(client, db, world):
    graded(db, world)
    row = db.query(EnterpriseLevel).filter_by(enterprise_id=world.enterprise_id, is_current=True).one()
    row.trace = [{k: v for k, v in t.items() if k != "text"} for t in row.trace]
    db.commit()
    sign_in(client, world.enterprise_user)
    box = level_box(client.get("/").text)
    assert "存在未销号的重大事故隐患，企业整体等级不低于橙色（企业整体风险等级规则 第2条）" in box
    assert not any(raw in box for raw in RAW)


def test_risk_point_page_names_the_method_not_its_id(client, db, world):
    point, _ = graded(db, world)
    sign_in(client, world.enterprise_user)
    page = client.get(f"/risks/points/{point.id}").text
    assert "按《LEC 作业条件危险性评价法（全国默认档案）》评价" in page and "LEC法" in page
    assert "L取值：L=3（事故发生的可能性）：可能，但不经常（LEC 法 L 取值表）" in page
    assert "lec-national@" not in page and "<details" not in page
    sign_in(client, world.inspector)
    page = client.get(f"/risks/points/{point.id}").text
    assert "依据 lec-national@2026.1" in page and "methods/lec-national.yaml factors.L.3" in page


def test_region_page_gives_the_reason_and_only_inspectors_the_rule_id(client, db, world):
    graded(db, world)
    regional.recompute_region_levels(db, [world.township])
    db.commit()
    said = (
        "辖区内1家已评级企业中橙色（较大风险）企业1家，占100%，达到30%，区域等级为橙色（较大风险）"
        "（区域风险等级规则 第2条）"
    )
    sign_in(client, world.township_user)
    page = client.get(f"/maps/region/{world.township}").text
    assert said in page and "regional-level@" not in page and "orange_share" not in page
    sign_in(client, world.inspector)
    assert "依据 regional-level@2026.1" in client.get(f"/maps/region/{world.township}").text


def test_major_hazard_page_and_ledger_show_the_item_text_never_empty_brackets(client, db, world):
    _, picked = graded(db, world)
    typed = {"major_basis_standard": "GB 35181-2017 重大火灾隐患判定方法", "major_basis_clause": "6.1"}
    other = major_hazard(db, world.enterprise_user, major_item="OTHER", **typed)
    db.commit()
    sign_in(client, world.enterprise_user)
    page = client.get(f"/hazards/{picked.id}").text
    basis = re.search(r"<dd data-basis>(.*?)</dd>", page, re.S).group(1)
    assert basis == GM_3_2
    assert not EMPTY_BRACKETS.search(page) and "gm@2023" not in page
    page = client.get(f"/hazards/{other.id}").text
    basis = re.search(r"<dd data-basis>(.*?)</dd>", page, re.S).group(1)
    assert basis.startswith("其他依据：GB 35181-2017 重大火灾隐患判定方法 6.1") and "未确认" in basis
    assert "OTHER" not in basis and not EMPTY_BRACKETS.search(page)

    sign_in(client, world.inspector)
    page = client.get(f"/hazards/{picked.id}").text
    assert GM_3_2 in page and "依据 gm@2023" in page
    res = client.get("/api/hazards/export.xlsx")
    assert res.status_code == 200
    sheet = load_workbook(io.BytesIO(res.content)).active
    header = [c.value for c in sheet[1]]
    col = header.index("重大隐患判定依据")
    cells = {row[0]: row[col] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[picked.id] == GM_3_2
    assert cells[other.id] == "其他依据：GB 35181-2017 重大火灾隐患判定方法 6.1"
    assert not any(EMPTY_BRACKETS.search(str(v or "")) for v in cells.values())


def test_plans_page_names_the_frequency_policy(client, db, world):
    from app.enforcement import random_draw
    from app.timeutil import local_today

    random_draw.draw_plan(
        db, random_draw.month_key(local_today()), rates=dict.fromkeys(random_draw.LEVELS, 1.0)
    )
    db.commit()
    sign_in(client, world.inspector)
    page = client.get("/plans").text
    assert "按《按企业等级的执法检查频次》确定各等级企业的抽取比例" in page
    assert "依据 inspection-frequency@2026.1" in page
