"""HTTP for 信用: the 严重失信主体名单 API, data exchange (.xlsx/JSON, import), the enterprise profile, and
the public list (no login: JSON, page, RSS) with only the fields the rule allows."""

from datetime import date, datetime, time
from email.utils import format_datetime
from pathlib import Path
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from pydantic import StringConstraints

from app.auth.deps import CurrentUser, DbSession
from app.credit import exchange, profiles, service
from app.credit.schemas import LicenceIn, ListingActionIn, ListingIn, ProfileIn
from app.errors import Forbidden
from app.fields import Id, QueryDate
from app.openapi import XLSX, file_download
from app.spreadsheets import xlsx_response
from app.timeutil import SHANGHAI, local_today
from app.uploads import read_limited

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=_HERE / "templates")
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(_HERE / "templates"), FileSystemLoader(_HERE.parent / "web" / "templates")]
)

router = APIRouter()
TAG = "信用"
Since = Annotated[QueryDate | None, Query(description="只要该日（含）以后列入或移出的变动")]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CreditCode = Annotated[str, Query(min_length=18, max_length=18, description="统一社会信用代码")]


@router.post("/api/credit/listings", status_code=201, tags=[TAG])
def propose(body: ListingIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """拟列入严重失信主体名单（依据一份行政处罚决定和它符合的列入情形）。"""
    listing = service.propose(session, user, body)
    return service.detail(session, user, listing.id)


@router.get("/api/credit/listings", tags=[TAG])
def list_listings(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=20, description="状态")] = None,
    enterprise_id: Id | None = None,
    current: bool | None = None,
    after_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    return service.list_listings(
        session,
        user,
        state=state,
        enterprise_id=enterprise_id,
        current=current,
        after_id=after_id,
        limit=limit,
    )


@router.get("/api/credit/listings/{listing_id}", tags=[TAG])
def get_listing(listing_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.detail(session, user, listing_id)


@router.post("/api/credit/listings/{listing_id}/actions/{action}", tags=[TAG])
def act(
    listing_id: Id,
    action: Annotated[str, StringConstraints(max_length=40)],
    body: ListingActionIn,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    service.act(session, user, listing_id, action, body)
    return service.detail(session, user, listing_id)


# ---------------------------------------------------------------- 联合惩戒 data exchange


@router.get("/api/credit/exchange.json", tags=[TAG])
def exchange_json(session: DbSession, user: CurrentUser, since: Since = None) -> list[dict[str, Any]]:
    """当前名单（或某日以来的变动），以统一社会信用代码为键，供信用平台交换。"""
    return exchange.as_json(exchange.rows(session, user, since))


@router.get("/api/credit/exchange.xlsx", tags=[TAG], **file_download("严重失信主体名单", XLSX))
def exchange_xlsx(session: DbSession, user: CurrentUser, since: Since = None) -> FileResponse:
    items = exchange.rows(session, user, since)
    return xlsx_response(lambda fh: exchange.write_xlsx(fh, items), "严重失信主体名单", "credit-list")


@router.post("/api/credit/import", tags=[TAG])
def import_list(
    session: DbSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description=".xlsx 或 .csv，列与导出相同")],
    source: Annotated[Source, Form(description="名单来源部门，如 市场监督管理局")],
) -> dict[str, Any]:
    """导入其他部门的失信名单（如市场监管部门的名单），供执法人员查看。整份文件有错误时不导入。"""
    with read_limited(file) as stream:
        return exchange.import_stream(session, user, stream, file.filename or "", source)


@router.get("/api/credit/external", tags=[TAG])
def external(session: DbSession, user: CurrentUser, credit_code: CreditCode) -> list[dict[str, Any]]:
    """其他部门名单中该统一社会信用代码仍在管理期内的记录（仅监管部门）。"""
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管部门可以查看其他部门的名单")
    return exchange.external_for(session, credit_code.upper(), local_today())


# ---------------------------------------------------------------- enterprise profile (分类分级)


@router.get("/api/credit/profiles/{enterprise_id}", tags=[TAG])
def get_profile(enterprise_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    out = profiles.get(session, user, enterprise_id)
    out["credit_listed"] = service.is_listed(session, enterprise_id)
    return out


@router.put("/api/credit/profiles/{enterprise_id}", tags=[TAG])
def put_profile(enterprise_id: Id, body: ProfileIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return profiles.put(session, user, enterprise_id, body)


@router.post("/api/credit/profiles/{enterprise_id}/licences", status_code=201, tags=[TAG])
def add_licence(enterprise_id: Id, body: LicenceIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return profiles.add_licence(session, user, enterprise_id, body)


# ---------------------------------------------------------------- public list (no login)


@router.get("/api/public/credit", tags=["公告"])
def public_json(session: DbSession) -> list[dict[str, Any]]:
    """安全生产严重失信主体名单（公示中的），只含规则允许公开的字段。"""
    return service.public_list(session)


@router.get("/public/credit", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request, session: DbSession) -> HTMLResponse:
    items = service.public_list(session)
    return templates.TemplateResponse(request, "credit_public.html", {"user": None, "items": items})


@router.get("/public/credit.rss", include_in_schema=False)
def public_rss(request: Request, session: DbSession) -> Response:
    items = service.public_list(session)
    link = str(request.base_url).rstrip("/") + "/public/credit"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        "<title>安全生产严重失信主体名单</title>",
        f"<link>{escape(link)}</link>",
        "<description>公示中的安全生产严重失信主体</description>",
        "<language>zh-cn</language>",
    ]
    for a in items:
        day = date.fromisoformat(a["decision_date"]) if a.get("decision_date") else local_today()
        parts += [
            "<item>",
            f"<title>{escape(a['name'])}（{escape(a['credit_code'])}）</title>",
            f"<link>{escape(link)}</link>",
            f"<description>{escape(a['reason'])}；依据：{escape(a['basis'])}；管理期限至 "
            f"{escape(a.get('term_end') or '')}</description>",
            f"<pubDate>{format_datetime(datetime.combine(day, time(9, 0), SHANGHAI))}</pubDate>",
            f'<guid isPermaLink="false">credit-{escape(a["credit_code"])}-{escape(str(day))}</guid>',
            "</item>",
        ]
    parts.append("</channel></rss>")
    return Response("\n".join(parts), media_type="application/rss+xml; charset=utf-8")
