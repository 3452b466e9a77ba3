"""What every page module shares: templates, the signed-in user, CSRF, form errors, error pages.

Pages call the same service functions as the JSON API. A form's bad input (pydantic or a service's
BadInput/Conflict) is shown next to its field and the write is rolled back to a savepoint, so nothing
is half-written. The form comes back with status 200: the message is for the person, and Chromium would
log a 4xx page load as a console error. Other errors (404 outside scope, 403) render an error page
with the same status as the API would give.
"""

import re
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import FormData, UploadFile

from app.attachments import service as attachments
from app.attachments.config import get_attachment_settings
from app.auth import service as auth
from app.auth.deps import optional_principal, session_token
from app.auth.models import ROLES
from app.auth.principal import Principal
from app.config import get_settings
from app.enterprises.models import SCALES, STATUSES
from app.errors import AppError, BadInput, Conflict, Forbidden, TooLarge
from app.fields import MAX_ID
from app.grading.models import LEVEL_COLOURS, LEVEL_LABELS
from app.notifications import service as notifications
from app.regions.models import LEVEL_NAMES
from app.timeutil import fmt_local, local_today
from app.uploads import read_limited

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["local"] = fmt_local
templates.env.globals.update(
    ROLES=ROLES,
    STATUSES=STATUSES,
    SCALES=SCALES,
    LEVEL_NAMES=LEVEL_NAMES,
    RISK_LABELS=LEVEL_LABELS,
    RISK_COLOURS=LEVEL_COLOURS,
)

T = TypeVar("T")
Errors = dict[str, str]
FORM_ERROR = "_form"  # errors that belong to no single field


class LoginRequired(Exception):
    """Raised by PageUser when nobody is signed in; PageRoute answers with a redirect to /login."""


def _page_user(request: Request, user: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if user is None:
        raise LoginRequired
    request.state.user = user
    return user


PageUser = Annotated[Principal, Depends(_page_user)]
MaybeUser = Annotated[Principal | None, Depends(optional_principal)]


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def page(
    request: Request, session: Session | None, name: str, user: Principal | None, **ctx: Any
) -> HTMLResponse:
    """Render a page with the user, the CSRF token and the unread-message count for the nav."""
    token = session_token(request)
    csrf = auth.csrf_token_for(token) if token else ""
    unread = notifications.unread_count(session, user) if session is not None and user and user.id else 0
    status = int(ctx.pop("status_code", 200))
    context = {
        "user": user,
        "csrf_token": csrf,
        "unread": unread,
        "today": local_today(),
        "errors": {},
        **ctx,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# After a successful action the page it leads to says once what was done: the redirect sets a short-lived
# cookie for that page's path only, holding a key the page looks up (never text to show).
DONE_COOKIE = "sk_done"


def redirect_done(url: str, done: str) -> RedirectResponse:
    """Redirect after a successful write; the page at `url` shows a notice for `done` (see done_notice)."""
    response = redirect(url)
    response.set_cookie(
        DONE_COOKIE,
        done,
        max_age=300,
        path=url,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )
    return response


def done_notice(request: Request, messages: Callable[[str], str | None]) -> str | None:
    """The notice of the action just done on this page (None when there is none or the key is unknown)."""
    key = request.cookies.get(DONE_COOKIE)
    return messages(key) if key else None


def forget_done(request: Request, response: Response) -> Response:
    """Drop the cookie once the page has shown its notice, so a reload does not show it again."""
    if DONE_COOKIE in request.cookies:
        response.delete_cookie(
            DONE_COOKIE,
            path=request.url.path,
            httponly=True,
            samesite="lax",
            secure=get_settings().secure_cookies,
        )
    return response


def check_csrf(request: Request, form: FormData) -> None:
    token = session_token(request)
    presented = form.get("csrf_token")
    if not token or not isinstance(presented, str) or not auth.check_csrf(token, presented):
        raise Forbidden("CSRF 令牌无效，请刷新页面后重试")


def text(form: FormData, name: str) -> str | None:
    """A text field, stripped; an empty field is None (so optional fields stay unset)."""
    value = form.get(name)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def fields(form: FormData, *names: str) -> dict[str, str | None]:
    return {n: text(form, n) for n in names}


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def save_photo(session: Session, user: Principal, form: FormData, name: str, enterprise_id: int) -> list[int]:
    """Store the photo of a form field through the attachments service; [] when none was chosen."""
    file = upload(form, name)
    if file is None:
        return []
    try:
        with read_limited(file, get_attachment_settings().photo_max_bytes) as stream:  # type: ignore[arg-type]
            att = attachments.save_image(session, user, stream, file.filename or "", enterprise_id)
    except AppError as exc:
        exc.field = name
        raise
    return [att.id]


# A form with a photo that comes back with errors keeps the photos already uploaded: they are saved on the
# first submit (scoped like any attachment) and carried as hidden "kept_<field>" ids, each with a
# "drop_<field>" checkbox (one pair per photo field, so a form may have several); a photo that itself
# fails is reported next to its field, never silently dropped. Uploads never attached are removed by
# the attachments.prune_unattached job.
KEPT_PHOTO = "kept_photo"  # of the field "photo"
DROP_PHOTO = "drop_photo"


def kept_name(name: str) -> str:
    return f"kept_{name}"


def drop_name(name: str) -> str:
    return f"drop_{name}"


def _ids(form: FormData, name: str) -> list[int]:
    """Attachment ids carried in hidden fields: ASCII digits within the id column, at most 20."""
    values = [v.strip() for v in form.getlist(name) if isinstance(v, str)]
    ids = [int(v) for v in values if re.fullmatch(r"[0-9]{1,10}", v)]
    return [i for i in ids if 1 <= i <= MAX_ID][:20]


def keep_photos(
    session: Session, user: Principal, form: FormData, name: str, enterprise_id: int
) -> tuple[list[int], Errors]:
    """The photos of a form: those kept from an earlier submit (less the ones ticked to drop), then the
    newly chosen one, saved at once (outside the form's savepoint, so an error elsewhere keeps it).
    Returns (ids, {name: message}) — the message when the new photo or a kept id is refused."""
    dropped = set(_ids(form, drop_name(name)))
    kept = [i for i in _ids(form, kept_name(name)) if i not in dropped]
    errors: Errors = {}
    try:
        kept = attachments.check_ids(session, user, kept, enterprise_id, field=name)
    except BadInput as exc:
        kept, errors[name] = [], exc.detail
    try:
        with session.begin_nested():
            new = save_photo(session, user, form, name, enterprise_id)
    except (BadInput, TooLarge) as exc:
        new, errors[name] = [], f"照片未保存：{exc.detail}"
    return kept + [i for i in new if i not in kept], errors


def refuse_if(errors: Errors) -> None:
    """Inside attempt(): problems found before the write (e.g. a photo refused) roll it back."""
    if errors:
        key = next(iter(errors))
        raise BadInput(errors[key], field=key)


# ---------------------------------------------------------------- form errors

_MESSAGES = {
    "missing": "必填",
    "date_from_datetime_parsing": "日期格式不正确，应为 年-月-日",
    "date_parsing": "日期格式不正确，应为 年-月-日",
    "date_type": "日期格式不正确，应为 年-月-日",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "greater_than_equal": "不能为负数",
    "literal_error": "请从列表中选择",
    "string_too_short": "必填",
    "string_type": "必填",  # an empty field arrives as None
    "too_short": "至少选择一项",
    "decimal_max_places": "最多两位小数",
}


def validation_errors(exc: ValidationError) -> Errors:
    out: Errors = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or FORM_ERROR
        kind = err.get("type", "")
        if kind == "string_too_long":
            message = f"过长，最多 {(err.get('ctx') or {}).get('max_length')} 个字符"
        else:
            message = _MESSAGES.get(kind, "取值无效")
        out.setdefault(name, message)
    return out


def _rename(name: str, strip: tuple[str, ...], rename: dict[str, str]) -> str:
    for prefix in strip:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return rename.get(name, name)


def attempt(
    session: Session,
    write: Callable[[], T],
    strip: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> tuple[T | None, Errors]:
    """Run a write in a savepoint; bad input rolls it back and comes back as {field: message}.
    `strip` drops prefixes of nested field names, `rename` maps service field names to form inputs."""
    names = rename or {}
    try:
        with session.begin_nested():
            return write(), {}
    except ValidationError as exc:
        return None, {_rename(k, strip, names): v for k, v in validation_errors(exc).items()}
    except (BadInput, Conflict) as exc:
        return None, {_rename(exc.field or FORM_ERROR, strip, names): exc.detail}


def attempt_all(
    session: Session,
    build: Callable[[], Any],
    save: Callable[[Any], T],
    problems: Errors,
    strip: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> tuple[T | None, Errors]:
    """attempt() for a form whose service checks some fields only after the schema (dates in order, not
    in the future …): the page finds those `problems` itself, so one submit shows them together with the
    schema's messages; any of them stops the write. The service keeps its own checks."""

    def run() -> T:
        data = build()
        refuse_if(problems)
        return save(data)

    result, errors = attempt(session, run, strip, rename)
    return result, ({**problems, **errors} if errors else errors)


def in_future(value: str | None) -> bool:
    """A filled-in date that parses and is in the future (the browser sends 年-月-日)."""
    day = parse_date(value)
    return day is not None and day > local_today()


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def qs(**params: Any) -> str:
    """A query string of the non-empty parameters (for pagination and export links)."""
    parts = [f"{k}={quote(str(v))}" for k, v in params.items() if v not in (None, "", False)]
    return "&".join(parts)


# ---------------------------------------------------------------- error pages

TITLES = {
    401: "请先登录",
    403: "无权访问",
    404: "未找到",
    405: "不支持的请求方法",
    409: "操作冲突",
    413: "文件过大",
    422: "输入有误",
}


class PageRoute(APIRoute):
    """Routes for people: errors become HTML pages (or a redirect to /login), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return redirect("/login")
            except AppError as exc:
                return error_page(request, exc.status_code, exc.detail)
            except RequestValidationError:
                return error_page(request, 422, "请求参数有误，请检查后重试")
            except StaleDataError:
                return error_page(request, 409, "记录已被他人修改，请刷新后重试")

        return run


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """The Chinese error page (templates/error.html, with a link home) with the given status."""
    user = getattr(request.state, "user", None)
    title = TITLES.get(status, "出错了")
    return page(request, None, "error.html", user, title=title, detail=detail, status_code=status)
