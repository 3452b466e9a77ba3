"""Public pages, no login: the 举报 form and its status look-up by receipt code. (The 公告 page is served
by app.supervision at /public/announcements and linked from every page.)

The form works as a plain form: the region is a 区县 select (grouped by city) and an optional 乡镇（街道）
select (grouped by county), both in code order, plus a name search box whose <datalist> offers
"区县 / 乡镇" names; the server resolves a typed name when no select was used. static/site.js only
narrows the township list to the chosen county and fills both selects from the search box.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field
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
from app.regions import service as regions
from app.uploads import read_limited
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


@dataclass
class RegionChoices:
    """What the region fields offer, all in code order."""

    counties: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (city, [(code, name)])
    townships: list[tuple[str, str, list[tuple[str, str]]]] = field(
        default_factory=list
    )  # (county code, name, …)
    parent: dict[str, str] = field(default_factory=dict)  # township code → county code
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # search label → (county, township)

    def search_options(self) -> list[tuple[str, str, str]]:
        return [(label, c, t) for label, (c, t) in self.names.items()]


def region_choices(session: Session) -> RegionChoices:
    every = regions.list_regions(session)
    name = {r.code: r.name for r in every}
    out = RegionChoices()
    counties = [r for r in every if r.level == "county"]
    by_city: dict[str, list[tuple[str, str]]] = {}
    for r in counties:
        by_city.setdefault(name.get(r.parent_code or "", ""), []).append((r.code, r.name))
        out.names[r.name if r.name not in out.names else f"{r.name}（{r.code}）"] = (r.code, "")
    out.counties = list(by_city.items())
    county_codes = {r.code for r in counties}
    by_county: dict[str, list[tuple[str, str]]] = {}
    for r in every:
        if r.level == "township" and r.parent_code in county_codes:
            by_county.setdefault(r.parent_code, []).append((r.code, r.name))
            out.parent[r.code] = r.parent_code
            label = f"{name[r.parent_code]} / {r.name}"
            out.names[label if label not in out.names else f"{label}（{r.code}）"] = (r.parent_code, r.code)
    out.townships = [(c, name[c], rows) for c, rows in by_county.items()]
    return out


def resolve_region(choices: RegionChoices, values: dict[str, Any]) -> tuple[str | None, Errors]:
    """The region code of the 举报 (the township if one was chosen, else the county), or field errors."""
    county, township, typed = values.get("county"), values.get("township"), values.get("region_search")
    counties = {code for _, rows in choices.counties for code, _ in rows}
    if not county and not township and typed:
        found = choices.names.get(typed) or _by_bare_name(choices, typed)
        if found is None:
            return None, {"region_search": f"没有找到名为“{typed}”的区县或乡镇（街道），请从列表中选择"}
        county, township = found
        values["county"], values["township"] = found
    if township:
        if township not in choices.parent:
            return None, {"township": "请从列表中选择乡镇（街道）"}
        if county and choices.parent[township] != county:
            return None, {"township": "所选乡镇（街道）不在所选区县内，请重新选择"}
        values["county"] = choices.parent[township]
        return township, {}
    if not county:
        return None, {"county": "必填：请选择隐患所在的区县"}
    if county not in counties:
        return None, {"county": "请从列表中选择区县"}
    return county, {}


def _by_bare_name(choices: RegionChoices, typed: str) -> tuple[str, str] | None:
    """A township or county typed without its county: only when the name is unique."""
    hits = [codes for label, codes in choices.names.items() if label.rsplit(" / ", 1)[-1] == typed]
    return hits[0] if len(hits) == 1 else None


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
    choices = region_choices(session)
    response = page(
        request,
        session,
        "report.html",
        user,
        counties=choices.counties,
        townships=choices.townships,
        search_options=choices.search_options(),
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
    region_code, region_errors = resolve_region(region_choices(session), values)
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
