"""Public pages, no login: the 举报 form and its status look-up by receipt code. (The 公告 page is served
by app.supervision at /public/announcements and linked from every page.)

The form works as a plain form: the region is the shared 区县 → 乡镇（街道） picker (app/web/region_field.py,
`_forms.region_picker`) over every region, the 区县 required and the 乡镇 optional.
"""

import hashlib
import hmac
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.attachments import service as attachments
from app.attachments.config import get_attachment_settings
from app.attachments.models import Attachment
from app.auth.deps import DbSession
from app.config import get_settings
from app.errors import BadInput, TooLarge, TooManyRequests
from app.hazards import schemas as s
from app.hazards import tips
from app.uploads import read_limited
from app.web import region_field
from app.web.common import (
    FORM_ERROR,
    Errors,
    Form,
    MaybeUser,
    PageRoute,
    attempt,
    fields,
    page,
    upload,
    validation_errors,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TIP_FIELDS = ("description", "place", "enterprise_name", "credit_code", "contact")
REGION_FIELDS = ("county", "township", "region_search")
LABELS = {
    "description": "隐患情况",
    "place": "具体地点",
    "county": "所在区县",
    "township": "乡镇（街道）",
    "region_search": "按名称查找",
    "enterprise_name": "涉及企业名称",
    "credit_code": "企业统一社会信用代码",
    "contact": "联系方式",
    "photo": "现场照片",
}


# ---------------------------------------------------------------- photos kept across form errors
# The reporter has no account, so a kept photo travels as "<id>.<signature>": only the browser that
# uploaded it can send it again, and tips.submit takes only photos not yet given to any 举报.


def _signature(att_id: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"tip-photo:{att_id}".encode(), hashlib.sha256).hexdigest()[:32]


def photo_token(att_id: int) -> str:
    return f"{att_id}.{_signature(att_id)}"


def _token_ids(form: FormData, name: str) -> list[int]:
    out = []
    for value in form.getlist(name):
        found = re.fullmatch(r"([0-9]{1,10})\.([0-9a-f]{32})", value if isinstance(value, str) else "")
        if found and hmac.compare_digest(found.group(2), _signature(int(found.group(1)))):
            out.append(int(found.group(1)))
    return list(dict.fromkeys(out))


def _photos(session: Session, form: FormData, address: str | None) -> tuple[list[int], Errors]:
    dropped = set(_token_ids(form, "drop_photo"))
    kept = [i for i in _token_ids(form, "kept_photo") if i not in dropped][: tips.MAX_PHOTOS]
    file = upload(form, "photo")
    if file is None:
        return kept, {}
    if len(kept) >= tips.MAX_PHOTOS:
        return kept, {"photo": f"最多 {tips.MAX_PHOTOS} 张照片"}
    try:
        with session.begin_nested():
            tips.take_photo(session, address)
            with read_limited(file, get_attachment_settings().photo_max_bytes) as stream:  # type: ignore[arg-type]
                att = attachments.save_image(session, tips.PUBLIC, stream, file.filename or "", None)
    except (BadInput, TooLarge, TooManyRequests) as exc:
        return kept, {"photo": f"照片未保存：{exc.detail}"}
    return kept + [att.id], {}


# ---------------------------------------------------------------- pages


def _form(
    request: Request,
    session: Session,
    user: Any,
    values: dict[str, Any],
    errors: Errors,
    photos: list[int] | None = None,
    receipt: str | None = None,
) -> Response:
    kept = [a for a in (session.get(Attachment, i) for i in photos or []) if a is not None]
    response = page(
        request,
        session,
        "report.html",
        user,
        regions=region_field.choices(session),
        values=values,
        errors=errors,
        kept=[(photo_token(a.id), a.original_name) for a in kept],
        receipt=receipt,
        max_photos=tips.MAX_PHOTOS,
    )
    if receipt:
        response.headers["Cache-Control"] = "no-store"  # the code is shown once, not kept in caches
    return response


@router.get("/report")
def report_form(request: Request, session: DbSession, user: MaybeUser) -> Response:
    return _form(request, session, user, {}, {})


def _summary(errors: Errors) -> Errors:
    """All the problems at once, named in one sentence above the form as well as beside each field."""
    named = [LABELS[k] for k in LABELS if k in errors]
    if named and FORM_ERROR not in errors:
        errors[FORM_ERROR] = f"还有 {len(named)} 项需要填写或更正：{'、'.join(named)}"
    return errors


@router.post("/report")
def submit_report(request: Request, session: DbSession, user: MaybeUser, form: Form) -> Response:
    # No login and no session cookie, so no CSRF token: the submission only creates a 举报 that a
    # regulator triages, and tips.submit rate-limits each address.
    values: dict[str, Any] = fields(form, *TIP_FIELDS, *REGION_FIELDS)
    address = request.client.host if request.client else None
    photos, errors = _photos(session, form, address)
    region_code, region_errors = region_field.resolve_pair(region_field.choices(session), values)
    errors.update(region_errors)
    data = {k: values[k] for k in TIP_FIELDS if values[k] is not None}
    try:
        body = s.TipIn.model_validate({**data, "region_code": region_code})
    except ValidationError as exc:
        errors = {**validation_errors(exc), **errors}
    if errors:
        return _form(request, session, user, values, _summary(errors), photos)

    try:
        result, errors = attempt(
            session, lambda: tips.submit(session, body, address, photos), rename={"region_code": "county"}
        )
    except TooManyRequests as exc:
        result, errors = None, {FORM_ERROR: exc.detail}
    if errors or result is None:
        return _form(request, session, user, values, _summary(errors), photos)
    return _form(request, session, user, {}, {}, receipt=tips.show_receipt(result[1]))


@router.get("/report/status")
def status_form(request: Request, session: DbSession, user: MaybeUser) -> Response:
    return page(request, session, "report_status.html", user, values={}, found=None)


@router.post("/report/status")
def status_lookup(request: Request, session: DbSession, user: MaybeUser, form: Form) -> Response:
    values = fields(form, "code")
    errors: Errors = {}
    found = None
    if not values["code"]:
        errors["code"] = "必填：请输入提交举报时得到的回执码"
    else:
        try:
            found = tips.lookup(session, values["code"][:40], request.client.host if request.client else None)
        except TooManyRequests as exc:
            errors[FORM_ERROR] = exc.detail
        else:
            if found is None:
                errors["code"] = tips.UNKNOWN_RECEIPT
    response = page(request, session, "report_status.html", user, values=values, errors=errors, found=found)
    response.headers["Cache-Control"] = "no-store"
    return response
