"""考核: indicators as rules with a trace, scorecards (value, score, rank, change) with a drill-down that
adds up, scoping by region subtree, 通报 drafted → reviewed → issued and seen only by the regions named."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.assessment import bulletins, service
from app.hazards.models import Hazard
from app.rules_engine import assessment as scoring
from app.rules_engine.errors import RuleInputError
from tests.factories import auth_headers, make_enterprise, principal
from tests.supervision.factories import make_world


def _hazard(db, ent, found_on, *, state="rectifying", grade="general", deadline=None, closed_on=None):
    hz = Hazard(
        enterprise_id=ent.id,
        source="routine",
        description="消防通道堵塞",
        place="仓库",
        category="site",
        found_on=found_on,
        grade=grade,
        state=state,
        deadline=deadline,
        closed_on=closed_on,
    )
    db.add(hz)
    db.flush()
    return hz


@pytest.fixture
def world(db):
    w = make_world(db)
    # 甲一区: February — 4 hazards found, 1 closed (25%: 较差); 1 of them 重大, open.
    _hazard(
        db, w.ent, date(2026, 2, 3), state="closed", deadline=date(2026, 2, 10), closed_on=date(2026, 2, 9)
    )
    _hazard(db, w.ent, date(2026, 2, 4), deadline=date(2026, 2, 20))  # open and overdue
    _hazard(db, w.ent, date(2026, 2, 5), grade="major", deadline=date(2026, 4, 1))
    _hazard(db, w.ent, date(2026, 2, 6), state="withdrawn")  # not counted
    _hazard(db, w.ent, date(2026, 2, 7))
    # January (the period before): 1 found, closed — 100%.
    _hazard(db, w.ent, date(2026, 1, 10), state="closed", closed_on=date(2026, 1, 12))
    # 甲二区: 2 found in February, both closed by the end of it.
    for d in (date(2026, 2, 10), date(2026, 2, 11)):
        _hazard(db, w.other_ent, d, state="closed", closed_on=date(2026, 2, 25))
    # A March hazard is outside the period.
    _hazard(db, w.other_ent, date(2026, 3, 1))
    db.commit()
    return w


def test_rule_file_scores_with_a_trace():
    result = scoring.evaluate({"rectification_rate": (1, 4), "on_time_rate": (19, 20)})
    by_id = {i.id: i for i in result.indicators}
    assert by_id["rectification_rate"].value == 25.0
    assert by_id["rectification_rate"].band == "较差" and by_id["rectification_rate"].score == 0
    assert by_id["on_time_rate"].band == "优秀" and by_id["on_time_rate"].score == 100
    assert by_id["check_task_rate"].value is None  # 0/0: 无数据, not scored
    # weights 15 and 15: (0*15 + 100*15) / 30
    assert (
        result.decision.score == 50.0 and result.total_band == "不合格" and result.total_tone == "criticise"
    )
    texts = [t.text for t in result.decision.trace]
    assert any(t == "隐患整改率25.0%（1/4），较差，得0分（考核指标规则 第1条）" for t in texts)
    assert any(t and "无数据" in t for t in texts)
    assert result.decision.trace[-1].entry == "totals"
    with pytest.raises(RuleInputError):
        scoring.evaluate({"rectification_rate": (5, 4)})
    with pytest.raises(RuleInputError):
        scoring.evaluate({"no_such": (1, 1)})


def test_period_parsing():
    assert service.parse_period("2026-Q1").end == date(2026, 3, 31)
    assert service.parse_period("2026-01").previous().key == "2025-12"
    assert service.parse_period("2026-Q1").previous().key == "2025-Q4"
    assert service.parse_period("2026").previous().start == date(2025, 1, 1)
    assert service.parse_period(None).key == "2026-02"  # default: the month before today
    with pytest.raises(Exception, match="考核期"):
        service.parse_period("2026-13")


def _row(cards, code):
    return next(r for r in cards["rows"] if r["code"] == code)


def _ind(row, ind_id):
    return next(i for i in row["indicators"] if i["id"] == ind_id)


def test_city_scorecard_ranks_counties_and_drilldown_adds_up(db, client, world):
    res = client.get(
        "/api/assessment/scorecards?region=139100&period=2026-02", headers=auth_headers(client, world.city)
    )
    assert res.status_code == 200, res.text
    cards = res.json()
    assert {r["code"] for r in cards["rows"]} == {"139101", "139102"}
    a1, a2 = _row(cards, "139101"), _row(cards, "139102")
    rect1, rect2 = _ind(a1, "rectification_rate"), _ind(a2, "rectification_rate")
    assert (rect1["numerator"], rect1["denominator"], rect1["value"]) == (1, 4, 25.0)
    assert (rect2["numerator"], rect2["denominator"], rect2["value"]) == (2, 2, 100.0)
    assert rect2["rank"] == 1 and rect1["rank"] == 2
    assert a2["rank"] == 1 and a1["rank"] == 2
    assert rect1["previous"] == 100.0 and rect1["change"] == -75.0
    major = _ind(a1, "major_rectification_rate")
    assert (major["numerator"], major["denominator"]) == (0, 1)
    assert _ind(a2, "major_rectification_rate")["value"] is None
    assert len(a1["indicators"]) == 8 and all("score" in i for i in a1["indicators"])
    assert a1["trace"][0]["source"]["file"] == "policies/assessment.yaml"

    # Drill-down: the rows behind each figure are exactly the records a direct count finds.
    headers = auth_headers(client, world.city)
    for part, expected_count in (("numerator", 1), ("denominator", 4)):
        drill = client.get(
            f"/api/assessment/scorecards/139101/drilldown?indicator=rectification_rate&part={part}&period=2026-02",
            headers=headers,
        ).json()
        stmt = (
            select(func.count())
            .select_from(Hazard)
            .where(
                Hazard.enterprise_id == world.ent.id,
                Hazard.found_on.between(date(2026, 2, 1), date(2026, 2, 28)),
                Hazard.state != "withdrawn",
            )
        )
        if part == "numerator":
            stmt = stmt.where(Hazard.state == "closed", Hazard.closed_on <= date(2026, 2, 28))
        direct = db.scalar(stmt)
        assert drill["count"] == len(drill["rows"]) == direct == expected_count
        assert drill["count"] == rect1[part]
        assert all(r["link"].startswith("/hazards/") for r in drill["rows"])


def test_county_card_and_scope(client, world):
    # The county inspector sees its own card (its peers outside its scope are not computed).
    res = client.get(
        "/api/assessment/scorecards/139101?period=2026-02", headers=auth_headers(client, world.county)
    )
    assert res.status_code == 200, res.text
    card = res.json()["card"]
    assert card["code"] == "139101" and card["rank"] == 1 and res.json()["peers"] == 1
    assert _ind(card, "rectification_rate")["value"] == 25.0
    # The city inspector ranks it among both counties.
    res = client.get(
        "/api/assessment/scorecards/139101?period=2026-02", headers=auth_headers(client, world.city)
    )
    assert res.json()["card"]["rank"] == 2 and res.json()["peers"] == 2
    # Out of scope: a sibling county, another city, an enterprise user.
    for user, url in (
        (world.county2, "/api/assessment/scorecards/139101"),
        (world.city_b, "/api/assessment/scorecards?region=139100"),
        (world.county2, "/api/assessment/scorecards/139101/drilldown?indicator=rectification_rate"),
    ):
        res = client.get(url, headers=auth_headers(client, user))
        assert res.status_code == 404, (url, res.text)
    assert (
        client.get("/api/assessment/scorecards", headers=auth_headers(client, world.ent_user)).status_code
        == 403
    )


def test_inspector_of_other_industry_counts_nothing(db, client, world):
    from tests.factories import make_user

    chem = make_user(db, "inspector", region_code="139100", industries=["hazardous_chemicals"])
    db.commit()
    cards = client.get(
        "/api/assessment/scorecards?region=139100&period=2026-02", headers=auth_headers(client, chem)
    ).json()
    assert all(_ind(r, "rectification_rate")["denominator"] == 0 for r in cards["rows"])


def test_refusals_name_the_field(client, world):
    h = auth_headers(client, world.city)
    res = client.get("/api/assessment/scorecards?region=139100&period=2026-13", headers=h)
    assert res.status_code == 422 and "考核期" in res.json()["detail"], res.text
    res = client.get("/api/assessment/scorecards/139101/drilldown?indicator=nope", headers=h)
    assert res.status_code == 422 and "nope" in res.json()["detail"], res.text
    res = client.get("/api/assessment/scorecards/139101/drilldown?indicator=x&part=all", headers=h)
    assert res.status_code == 422 and "part" in res.text
    res = client.get("/api/assessment/scorecards/139900", headers=h)  # above the caller: 404
    assert res.status_code == 404
    res = client.post("/api/assessment/bulletins", json={"region": "139100", "title": "x" * 201}, headers=h)
    assert res.status_code == 422 and "title" in res.text


def test_bulletin_draft_review_issue_and_visibility(db, client, world):
    city, province = auth_headers(client, world.city), auth_headers(client, world.province)
    res = client.post(
        "/api/assessment/bulletins", json={"region": "139100", "period": "2026-02"}, headers=city
    )
    assert res.status_code == 201, res.text
    b = res.json()
    assert b["state"] == "draft"
    # 甲一区 scored low (总分 < 60) → 批评; 甲二区 closed its hazards but its enterprise has no risk
    # assessment (覆盖率 0%): 总分 60, 合格 — named in neither list.
    assert [r["code"] for r in b["criticise"]] == ["139101"]
    assert b["praise"] == []
    assert next(r for r in b["scorecard"] if r["code"] == "139102")["total"] == 60.0
    # Not issued yet: the named county does not see the draft.
    assert (
        client.get(
            f"/api/assessment/bulletins/{b['id']}", headers=auth_headers(client, world.county)
        ).status_code
        == 404
    )
    # The drafter cannot review it; issuing before review is refused.
    res = client.post(
        f"/api/assessment/bulletins/{b['id']}/review", json={"version": b["version"]}, headers=city
    )
    assert res.status_code == 403
    res = client.post(
        f"/api/assessment/bulletins/{b['id']}/issue", json={"version": b["version"]}, headers=city
    )
    assert res.status_code == 409
    res = client.post(
        f"/api/assessment/bulletins/{b['id']}/review", json={"version": b["version"]}, headers=province
    )
    assert res.status_code == 200, res.text
    assert res.json()["state"] == "reviewed"
    res = client.post(
        f"/api/assessment/bulletins/{b['id']}/issue", json={"version": b["version"]}, headers=city
    )
    assert res.status_code == 409  # stale version
    res = client.post(
        f"/api/assessment/bulletins/{b['id']}/issue", json={"version": b["version"] + 1}, headers=city
    )
    assert res.status_code == 200, res.text
    issued = res.json()
    assert issued["state"] == "issued" and issued["number"] == "甲市安委办考通〔2026〕1号"
    # Visible to the named regions (and users inside them) and the issuer side; not to others.
    for user in (world.county, world.township, world.city, world.province):
        assert (
            client.get(f"/api/assessment/bulletins/{b['id']}", headers=auth_headers(client, user)).status_code
            == 200
        )
    for user in (world.county2, world.city_b, world.ent_user):
        assert (
            client.get(f"/api/assessment/bulletins/{b['id']}", headers=auth_headers(client, user)).status_code
            == 404
        )
    pdf = client.get(f"/api/assessment/bulletins/{b['id']}.pdf", headers=auth_headers(client, world.county))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = client.get("/api/assessment/bulletins", headers=auth_headers(client, world.county2)).json()
    assert b["id"] not in [x["id"] for x in listed]
    listed = client.get("/api/assessment/bulletins", headers=auth_headers(client, world.county)).json()
    assert b["id"] in [x["id"] for x in listed]


def test_bulletin_not_seen_by_an_unnamed_sibling(db, world):
    # A third county under 甲市 without any data is neither praised nor criticised: it does not see it.
    from app.regions.models import Region
    from tests.factories import make_user

    db.add(
        Region(
            code="139103",
            name="甲三区",
            level="county",
            parent_code="139100",
            path="139900/139100/139103/",
            source="tests",
        )
    )
    db.flush()
    third = make_user(db, "inspector", region_code="139103")
    db.commit()
    b = bulletins.draft(db, principal(db, world.city), "139100", "2026-02", None, None)
    b.state = "issued"
    db.flush()
    assert "139103" not in {r.region_code for r in bulletins._regions(db, b.id)}
    with pytest.raises(Exception, match="不存在"):
        bulletins.get_readable(db, principal(db, third), b.id)
    assert bulletins.get_readable(db, principal(db, world.county), b.id).id == b.id
    _ = make_enterprise  # keep the import used


def test_pages_show_the_card_and_the_drilldown(client, world):
    from tests.web.factories import sign_in

    sign_in(client, world.city.username)
    index = client.get("/assessment?region=139100&period=2026-02")
    assert index.status_code == 200 and "甲一区" in index.text and "隐患整改率" in index.text
    card = client.get("/assessment/139101?period=2026-02")
    assert card.status_code == 200
    assert (
        "25.0%" in card.text
        and "/assessment/139101/drilldown?indicator=rectification_rate&amp;part=numerator" in card.text
    )
    assert "考核指标规则 第1条" in card.text  # the trace, cited
    drill = client.get(
        "/assessment/139101/drilldown?indicator=rectification_rate&part=denominator&period=2026-02"
    )
    assert drill.status_code == 200 and 'data-stat="count">4<' in drill.text
    sign_in(client, world.county2.username)
    assert client.get("/assessment/139101?period=2026-02").status_code == 404


def test_both_periods_counted_in_one_pass_equal_each_period_counted_alone(db, world):
    """A card counts its period and the previous one in one query per base measure (filtered counts over
    the span); each figure must still be the count of the records that period's own select finds."""
    from app.assessment.indicators import MEASURES, Ctx
    from app.auth.principal import SYSTEM
    from app.regions.models import Region

    dialect = db.get_bind().dialect.name
    city = db.get_one(Region, "139100")
    counties = list(db.scalars(select(Region).where(Region.parent_code == city.code)))
    periods = [service.parse_period("2026-02"), service.parse_period("2026-01")]
    ctxs = [Ctx(p.start, p.end, city.path, 3, SYSTEM, dialect) for p in periods]
    together = service.count_measures(db, set(MEASURES), ctxs)
    seen = 0
    for i, p in enumerate(periods):
        for name, m in MEASURES.items():
            for county in counties:
                # The drill-down's select for the county alone, counted directly.
                own = Ctx(p.start, p.end, county.path, 3, SYSTEM, dialect)
                direct = db.scalar(select(func.count()).select_from(m.build(own).subquery())) or 0
                assert together[i][name].get(county.code, 0) == direct, (p.key, name, county.code)
                seen += direct
    assert together[0]["hazards_found"]["139101"] == 4 and together[1]["hazards_found"]["139101"] == 1
    assert together[1]["hazards_found_closed"]["139101"] == 1 and seen > 10
