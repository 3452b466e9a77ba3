"""Issue #15 item 6: a photo uploaded with a form that comes back with errors is kept (hidden attachment
id and thumbnail, droppable), a photo that itself fails says so beside its field, and a 重大 report
missing its item lists every missing field at once."""

import re

from app.hazards.models import Hazard
from tests.web.factories import csrf, png_bytes, sign_in


def _form(token, world, **kw):
    return {"csrf_token": token, "enterprise_id": str(world.enterprise_id), "description": "配电箱门损坏",
            "place": "二号车间", "category": "site", "source": "routine", **kw}  # fmt: skip


def test_photo_is_kept_when_the_form_comes_back_and_attached_on_resubmit(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    token = csrf(client, "/hazards/new")
    res = client.post("/hazards/new", data=_form(token, world, place=""),
                      files={"photo": ("site.png", png_bytes(), "image/png")})  # fmt: skip
    assert res.status_code == 200
    assert re.search(r'id="place-error"[^>]*>必填<', res.text)
    kept = re.search(r'<input type="hidden" name="kept_photo" value="(\d+)">', res.text)
    assert kept, "the uploaded photo is carried as a hidden attachment id"
    pid = int(kept.group(1))
    assert f'<img src="/api/attachments/{pid}"' in res.text and "已上传，可删除" in res.text
    assert f'name="drop_photo" value="{pid}"' in res.text
    assert client.get(f"/api/attachments/{pid}").status_code == 200

    res = client.post("/hazards/new", data={**_form(token, world), "kept_photo": str(pid)},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    hazard = db.get(Hazard, int(res.headers["location"].rsplit("/", 1)[1]))
    assert hazard is not None and hazard.photo_ids == [pid]


def test_a_ticked_photo_is_dropped(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    token = csrf(client, "/hazards/new")
    res = client.post("/hazards/new", data=_form(token, world, description=""),
                      files={"photo": ("site.png", png_bytes("blue"), "image/png")})  # fmt: skip
    pid = re.search(r'name="kept_photo" value="(\d+)"', res.text).group(1)  # type: ignore[union-attr]
    res = client.post("/hazards/new", data={**_form(token, world), "kept_photo": pid, "drop_photo": pid},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    hazard = db.get(Hazard, int(res.headers["location"].rsplit("/", 1)[1]))
    assert hazard is not None and hazard.photo_ids == []


def test_a_photo_that_fails_says_so_and_nothing_is_created(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    token = csrf(client, "/hazards/new")
    before = db.query(Hazard).count()
    res = client.post("/hazards/new", data=_form(token, world),
                      files={"photo": ("notes.png", b"not an image", "image/png")})  # fmt: skip
    assert res.status_code == 200
    assert re.search(r'id="photo-error"[^>]*>照片未保存：文件不是可识别的图片', res.text)
    assert db.query(Hazard).count() == before


def test_major_without_item_lists_every_problem_at_once(client, db, world):
    sign_in(client, world.enterprise_user, world.password)
    token = csrf(client, "/hazards/new")
    res = client.post("/hazards/new", data=_form(token, world, description="", grade="major"))
    assert re.search(r'id="description-error"[^>]*>必填<', res.text)
    assert re.search(r'id="major_item-error"[^>]*>企业认定重大事故隐患须选择', res.text)
    res = client.post("/hazards/new", data=_form(token, world, grade="major", major_item="OTHER"))
    assert re.search(r'id="major_basis_standard-error"', res.text)
    assert re.search(r'id="major_basis_clause-error"', res.text)


def test_carried_photo_ids_out_of_range_or_odd_are_ignored() -> None:
    """Hidden ids are typed by nobody but can be forged: only ASCII ids within the column count."""
    from starlette.datastructures import FormData

    from app.web.common import KEPT_PHOTO, _ids

    carried = ("7", " 8 ", "²", "99999999999999999999", "2147483648", "0", "x")
    form = FormData([(KEPT_PHOTO, v) for v in carried])
    assert _ids(form, KEPT_PHOTO) == [7, 8]
