"""The 举报 triage inbox: a public report (no login) reaches the inspector over its region, who accepts it
as a hazard of an enterprise (source 举报) or dismisses it with a reason; a township user cannot triage."""

import re

from sqlalchemy import select

from app.hazards.models import Hazard, Tip
from tests.web.factories import World, csrf, sign_in


def report(client, db, world: World, description: str, place: str = "河边仓库") -> Tip:
    """Post the public 举报 form as an anonymous visitor; the stored tip."""
    form = {"description": description, "place": place, "county": world.county, "township": world.township}
    res = client.post("/report", data=form)
    assert "已提交，待受理" in res.text and "举报已受理" not in res.text
    return db.scalars(select(Tip).where(Tip.description == description)).one()


def tip_card(page: str, tip_id: int) -> str:
    found = re.search(rf'<article class="card tip" id="tip-{tip_id}">(.*?)</article>', page, re.S)
    assert found, f"tip {tip_id} not on the page"
    return found.group(1)


def test_inspector_accepts_a_public_report_as_a_hazard(client, db, world):
    tip = report(client, db, world, "仓库堆放烟花爆竹", place="河边三号仓库")
    sign_in(client, world.inspector)
    assert "<b>1</b><span>待处理举报</span>" in client.get("/").text
    inbox = client.get("/tips").text
    card = tip_card(inbox, tip.id)
    assert "仓库堆放烟花爆竹" in card and "河边三号仓库" in card
    assert "所在地：<span data-tip-region>页测市 页测县 页测1街道</span>" in card
    # The enterprise is typed (name or credit code) with in-scope suggestions, not a long <select>.
    assert 'list="tip-enterprises"' in card and f'<select id="f-tip-{tip.id}-enterprise' not in card
    assert f'<option value="{world.enterprise_name}（' in inbox

    res = client.post(
        f"/tips/{tip.id}/accept",
        data={
            "csrf_token": csrf(client, "/tips"),
            "version": tip.version,
            "enterprise": world.enterprise_name,
            "category": "site",
            "grade": "general",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303
    hazard_id = int(res.headers["location"].rsplit("/", 1)[1])
    page = client.get(res.headers["location"]).text
    assert "<dd>举报</dd>" in page and world.enterprise_name in page and "仓库堆放烟花爆竹" in page
    assert db.get_one(Hazard, hazard_id).enterprise_id == world.enterprise_id

    assert f"tip-{tip.id}" not in client.get("/tips").text
    done = tip_card(client.get("/tips?status=accepted").text, tip.id)
    assert f'<a href="/hazards/{hazard_id}">隐患 {hazard_id}</a>' in done
    # The enterprise sees the hazard in its own ledger.
    sign_in(client, world.enterprise_user)
    assert f'href="/hazards/{hazard_id}">河边三号仓库：仓库堆放烟花爆竹</a>' in client.get("/hazards").text


def test_dismissing_needs_a_reason(client, db, world):
    kept = report(client, db, world, "夜间偷排废液")
    tip = report(client, db, world, "邻居家装修噪音大")
    sign_in(client, world.inspector)
    url = f"/tips/{tip.id}/dismiss"
    token = csrf(client, "/tips")

    res = client.post(url, data={"csrf_token": token, "version": tip.version, "reason": "  "})
    assert res.status_code == 200
    card = tip_card(res.text, tip.id)
    assert re.search(rf'id="tip-{tip.id}-reason-error"[^>]*>必填<', card)
    assert f'aria-describedby="tip-{tip.id}-reason-error"' in card
    assert "必填" not in tip_card(res.text, kept.id)  # the message is on the right tip
    # Each tip's fields have their own ids, so a label focuses its own tip's field.
    ids = re.findall(r' id="([^"]+)"', res.text)
    assert len(ids) == len(set(ids))
    assert f'<label for="f-tip-{kept.id}-reason">' in tip_card(res.text, kept.id)
    assert db.get_one(Tip, tip.id).status == "pending"
    assert f"tip-{tip.id}" in client.get("/tips").text

    reason = {"csrf_token": token, "version": tip.version, "reason": "不属于安全生产事故隐患"}
    res = client.post(url, data=reason, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/tips"
    pending = client.get("/tips").text
    assert f"tip-{tip.id}" not in pending and f"tip-{kept.id}" in pending
    assert "不予受理：不属于安全生产事故隐患" in tip_card(client.get("/tips?status=dismissed").text, tip.id)
    assert db.scalars(select(Hazard).where(Hazard.description == "邻居家装修噪音大")).first() is None


def test_township_user_cannot_triage(client, db, world):
    tip = report(client, db, world, "加油站旁违规动火")
    sign_in(client, world.township_user)
    assert 'href="/tips"' not in client.get("/").text
    res = client.get("/tips")
    assert res.status_code == 403 and "只有监管人员处理举报" in res.text
    assert "加油站旁违规动火" not in res.text
    form = {"csrf_token": csrf(client, "/inbox"), "version": tip.version, "reason": "无"}
    res = client.post(f"/tips/{tip.id}/dismiss", data=form)
    assert res.status_code == 403
    assert db.get_one(Tip, tip.id).status == "pending"
