"""The pages a person uses: a county creates a 涉粉尘 campaign, the enterprise answers the checklist (with a
photo and a hazard) and files, the county returns it with a reason, the enterprise refiles; a 安全提示 is
sent from a template and acknowledged with one click."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.models import CampaignHazard, CampaignReport, NoticeRecipient, SafetyNotice
from app.campaigns.tags import add_tags
from tests.supervision.factories import make_world
from tests.web.factories import png_bytes, sign_in


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_campaign_pages_file_return_refile(db: Session, client: TestClient) -> None:
    w = make_world(db)
    add_tags(db, w.ent.id, ["涉粉尘"])
    db.commit()
    sign_in(client, w.county.username)
    form = client.get("/campaigns/new")
    assert "涉粉尘" in form.text and "data-confirm" in form.text
    bad = client.post(
        "/campaigns/new",
        data={
            "csrf_token": _csrf(form.text),
            "title": "粉尘整治",
            "starts_on": "2026-03-01",
            "ends_on": "2026-01-01",
        },
    )
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.text
    res = client.post(
        "/campaigns/new",
        data={"csrf_token": _csrf(form.text), "title": "粉尘整治", "starts_on": "2026-03-01",
              "ends_on": "2026-06-30", "tags": "涉粉尘", "own_items": "除尘器每班清灰"},
        follow_redirects=False,
    )  # fmt: skip
    assert res.status_code == 303
    url = res.headers["location"]
    page = client.get(url)
    assert "专项整治已发布" in page.text and "下载调度表" in page.text and "甲一街道" in page.text

    sign_in(client, w.ent_user.username)
    home = client.get("/")
    assert "粉尘整治" in home.text
    page = client.get(url)
    item_ids = re.findall(r'action="(/campaigns/\d+/items/\d+)"', page.text)
    assert item_ids and "未填写" in page.text
    token = _csrf(page.text)
    first = client.post(
        item_ids[0],
        data={"csrf_token": token, "result": "problem", "note": "泄爆片缺失",
              "hazard_description": "除尘器未设泄爆装置", "hazard_place": "抛光车间"},
        files={"photo": ("现场.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )  # fmt: skip
    assert first.status_code == 303
    assert db.scalar(select(CampaignHazard.id)) is not None
    for action in item_ids[1:]:
        assert (
            client.post(
                action, data={"csrf_token": token, "result": "ok"}, follow_redirects=False
            ).status_code
            == 303
        )
    page = client.get(url)
    assert "报送自查报告" in page.text and "除尘器未设泄爆装置" in page.text
    file_url = re.search(r'action="(/campaign-reports/\d+/file)"', page.text)
    assert file_url
    assert (
        client.post(file_url.group(1), data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    page = client.get(url)
    assert "已报送" in page.text and "查看已报送的自查报告" in page.text
    report = db.scalars(select(CampaignReport)).one()

    sign_in(client, w.county.username)
    rpage = client.get(f"/campaign-reports/{report.id}")
    assert "退回重新自查" in rpage.text and "审核通过" in rpage.text
    token = _csrf(rpage.text)
    empty = client.post(f"/campaign-reports/{report.id}/return", data={"csrf_token": token})
    assert empty.status_code == 200 and "须写明退回原因" in empty.text
    back = client.post(
        f"/campaign-reports/{report.id}/return",
        data={"csrf_token": token, "note": "照片不清"},
        follow_redirects=False,
    )
    assert back.status_code == 303
    # The township sees the report (its own enterprise) but may not act on it.
    sign_in(client, w.township.username)
    seen = client.get(f"/campaign-reports/{report.id}").text
    assert "照片不清" in seen and f"/campaign-reports/{report.id}/return" not in seen

    sign_in(client, w.ent_user.username)
    page = client.get(url)
    assert "退回原因：照片不清" in page.text
    token = _csrf(page.text)
    assert (
        client.post(
            f"/campaign-reports/{report.id}/file", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    db.refresh(report)
    assert report.state == "filed" and report.times_filed == 2


def test_notice_pages_send_and_acknowledge(db: Session, client: TestClient) -> None:
    w = make_world(db)
    sign_in(client, w.county.username)
    form = client.get("/notices/new")
    assert "汛期" in form.text
    res = client.post(
        "/notices/new", data={"csrf_token": _csrf(form.text), "template": "holiday"}, follow_redirects=False
    )
    assert res.status_code == 303
    notice = db.scalars(select(SafetyNotice)).one()
    page = client.get(res.headers["location"])
    assert (
        "节假日期间安全生产提示" in page.text
        and "导出未叫应企业名单" in page.text
        and w.ent.name in page.text
    )

    sign_in(client, w.ent_user.username)
    assert "待确认的安全提示" in client.get("/").text
    page = client.get(f"/notices/{notice.id}")
    ack = client.post(
        f"/notices/{notice.id}/ack",
        data={"csrf_token": _csrf(page.text), "reply": "已安排值班"},
        follow_redirects=False,
    )
    assert ack.status_code == 303
    page = client.get(f"/notices/{notice.id}")
    assert "企业安全员李某 已于" in page.text and "已安排值班" in page.text
    row = db.scalars(select(NoticeRecipient).where(NoticeRecipient.enterprise_id == w.ent.id)).one()
    assert row.acked_at is not None and row.acked_by == w.ent_user.id
