"""Issue #15: the 督办事项 action form and the 排查任务 form keep a photo uploaded with a submit that
comes back with errors (hidden id, thumbnail, 删除), and the resubmit attaches it to the record."""

import re

from sqlalchemy import select

from app.enterprises.models import Enterprise
from app.hazards.models import CheckResult, Hazard
from app.supervision.models import SupervisionEvent
from tests.supervision.factories import make_hazard
from tests.web.factories import csrf, png_bytes, sign_in
from tests.web.test_next_steps import a_case, case_act
from tests.web.test_task_pages import a_task, item_ids


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', page))


def test_case_progress_keeps_its_photo_after_an_error_and_attaches_it(client, db, world):
    case = a_case(db, world, make_hazard(db, db.get_one(Enterprise, world.enterprise_id)))
    case = case_act(db, world.enterprise_user, case, "acknowledge")
    sign_in(client, world.enterprise_user, world.password)
    url = f"/supervision/cases/{case.id}/act/report_progress"
    form = _hidden(client.get(url).text)
    res = client.post(url, data={**form, "note": ""}, files={"photo": ("site.png", png_bytes(), "image/png")})
    assert res.status_code == 200
    assert re.search(r'id="note-error"[^>]*>', res.text), "the missing 整改进展 is named"
    kept = re.search(r'<input type="hidden" name="kept_photo" value="(\d+)">', res.text)
    assert (
        kept and f'<img src="/api/attachments/{kept.group(1)}"' in res.text and "已上传，可删除" in res.text
    )
    pid = int(kept.group(1))

    res = client.post(
        url, data={**_hidden(res.text), "note": "已停用储罐区，正在更换报警装置"}, follow_redirects=False
    )
    assert res.status_code == 303 and res.headers["location"] == f"/supervision/cases/{case.id}"
    event = db.scalars(
        select(SupervisionEvent)
        .where(SupervisionEvent.case_id == case.id)
        .order_by(SupervisionEvent.id.desc())
    ).first()
    assert event is not None and event.action == "report_progress" and event.attachments == [pid]
    assert f"/api/attachments/{pid}" in client.get(f"/supervision/cases/{case.id}").text


def test_apply_closure_needs_no_second_photo_once_one_is_kept(client, db, world):
    case = a_case(db, world, make_hazard(db, db.get_one(Enterprise, world.enterprise_id)))
    case = case_act(db, world.enterprise_user, case, "acknowledge")
    sign_in(client, world.enterprise_user, world.password)
    url = f"/supervision/cases/{case.id}/act/apply_closure"
    res = client.post(url, data={**_hidden(client.get(url).text), "note": ""},
                      files={"photo": ("after.png", png_bytes("green"), "image/png")})  # fmt: skip
    # The picker is no longer required: the kept photo counts.
    assert re.search(
        r'<input id="f-photo" name="photo" type="file" accept="image/\*" capture="environment">', res.text
    )
    res = client.post(url, data={**_hidden(res.text), "note": "整改完成"}, follow_redirects=False)
    assert res.status_code == 303


def test_task_keeps_each_items_photo_after_an_error_and_the_hazard_gets_it(client, db, world):
    task = a_task(db, world)
    sign_in(client, world.enterprise_user, world.password)
    url = f"/tasks/{task.id}"
    page = client.get(url).text
    ok, fail, na = item_ids(page)
    data = {"csrf_token": csrf(client, url), "version": _hidden(page)["version"],
            f"item-{ok}-outcome": "ok", f"item-{fail}-outcome": "fail",
            f"item-{fail}-note": "东侧安全出口堆放纸箱"}  # fmt: skip
    # The third item has no result: the form comes back, the failed item's photo kept under its own name.
    res = client.post(url, data=data, files={f"item-{fail}-photo": ("exit.png", png_bytes(), "image/png")})
    assert res.status_code == 200
    assert re.search(rf'id="item-{na}-outcome-error"[^>]*>请从列表中选择<', res.text)
    kept = re.search(rf'<input type="hidden" name="kept_item-{fail}-photo" value="(\d+)">', res.text)
    assert kept and f'name="drop_item-{fail}-photo" value="{kept.group(1)}"' in res.text
    assert f"kept_item-{ok}-photo" not in res.text
    pid = int(kept.group(1))
    assert db.scalar(select(CheckResult.id).where(CheckResult.task_id == task.id)) is None

    res = client.post(
        url, data={**data, **_hidden(res.text), f"item-{na}-outcome": "na"}, follow_redirects=False
    )
    assert res.status_code == 303
    result = db.scalars(
        select(CheckResult).where(CheckResult.task_id == task.id, CheckResult.outcome == "fail")
    ).one()
    assert result.photo_ids == [pid]
    hazard = db.get_one(Hazard, result.hazard_id)
    assert hazard.photo_ids == [pid]
    assert f"/api/attachments/{pid}" in client.get(f"/hazards/{hazard.id}").text


def test_task_photo_ticked_for_removal_is_not_attached(client, db, world):
    task = a_task(db, world, items=["安全出口畅通"])
    sign_in(client, world.enterprise_user, world.password)
    url = f"/tasks/{task.id}"
    page = client.get(url).text
    (item,) = item_ids(page)
    base = {"csrf_token": csrf(client, url), "version": _hidden(page)["version"]}
    res = client.post(
        url, data=base, files={f"item-{item}-photo": ("exit.png", png_bytes("blue"), "image/png")}
    )
    pid = re.search(rf'name="kept_item-{item}-photo" value="(\d+)"', res.text).group(1)  # type: ignore[union-attr]
    res = client.post(url, data={**base, f"kept_item-{item}-photo": pid, f"drop_item-{item}-photo": pid,
                                 f"item-{item}-outcome": "ok"}, follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert db.scalars(select(CheckResult).where(CheckResult.task_id == task.id)).one().photo_ids == []
