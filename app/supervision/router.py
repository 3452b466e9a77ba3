"""HTTP for 挂牌督办: the case API, boards, printable notice and history pages, and the public 公告."""

from datetime import date
from email.utils import format_datetime
from pathlib import Path
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy.orm import Session

from app.auth.deps import CurrentUser, DbSession
from app.auth.models import ROLES
from app.auth.principal import Principal
from app.documents.render import cn_date
from app.documents.router import print_view
from app.fields import Id
from app.supervision import service
from app.supervision.models import ENFORCEMENT_KINDS, LEVELS, STATES
from app.supervision.schemas import ActionIn, CaseIn
from app.timeutil import fmt_local, local_today

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=_HERE / "templates")
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(_HERE / "templates"), FileSystemLoader(_HERE.parent / "web" / "templates")]
)
templates.env.filters["local"] = fmt_local
templates.env.globals.update(ROLES=ROLES, LEVELS=LEVELS, STATES=STATES, ENFORCEMENT_KINDS=ENFORCEMENT_KINDS)

router = APIRouter()
Region = Annotated[str | None, Query(description="行政区划代码：只看该行政区及其下级", max_length=12)]


# ---------------------------------------------------------------- API


@router.post("/api/supervision/cases", status_code=201, tags=["挂牌督办"])
def create_case(body: CaseIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    case = service.list_case(session, user, body)
    return service.detail(session, user, case.id)


@router.get("/api/supervision/cases", tags=["挂牌督办"])
def list_cases(
    session: DbSession,
    user: CurrentUser,
    state: str | None = None,
    level: str | None = None,
    region: Region = None,
    overdue: bool | None = None,
    after_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    return service.list_cases(
        session,
        user,
        state=state,
        level=level,
        region=region,
        overdue=overdue,
        after_id=after_id,
        limit=limit,
    )


@router.get("/api/supervision/board", tags=["挂牌督办"])
def board(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.board(session, user)


@router.get("/api/supervision/stats", tags=["挂牌督办"])
def stats(
    session: DbSession, user: CurrentUser, region: Region = None, open_only: bool = True
) -> dict[str, Any]:
    return service.stats(session, user, region, open_only=open_only)


@router.get("/api/supervision/cases/{case_id}", tags=["挂牌督办"])
def get_case(case_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.detail(session, user, case_id)


@router.post("/api/supervision/cases/{case_id}/actions/{action}", tags=["挂牌督办"])
def act(case_id: Id, action: str, body: ActionIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    service.act(session, user, case_id, action, body)
    return service.detail(session, user, case_id)


# ---------------------------------------------------------------- printable pages


def _case_page(request: Request, session: Session, user: Principal, case_id: Id, name: str) -> HTMLResponse:
    case = service.detail(session, user, case_id)
    addressees = service.notice_addressees(case["enterprise_name"], case["responsible_unit"])
    context = {"user": user, "case": case, "addressees": addressees, "today": local_today()}
    return templates.TemplateResponse(request, name, context)


@router.get("/supervision/cases/{case_id}/notice", response_class=HTMLResponse, include_in_schema=False)
def notice_page(case_id: Id, request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """督办通知书: the one issued and stored by the documents module (cases listed before notices were
    stored: laid out from the case as before)."""
    case = service.detail(session, user, case_id)  # 404 outside scope
    doc = service.notice_document(session, user, case_id)
    if doc is None:
        return _case_page(request, session, user, case_id, "supervision_notice.html")
    notes = []
    if case["deadline"] != case["original_deadline"]:
        original = cn_date(case["original_deadline"])
        notes.append(f"整改期限已变更为{cn_date(case['deadline'])}（通知书原定{original}）")
    history = [(f"/supervision/cases/{case_id}/history", "执法全过程记录")]
    return print_view(doc, notes=notes, links=history)


@router.get("/supervision/cases/{case_id}/history", response_class=HTMLResponse, include_in_schema=False)
def history_page(case_id: Id, request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """执法全过程记录: every action of the case on one page."""
    return _case_page(request, session, user, case_id, "supervision_history.html")


# ---------------------------------------------------------------- 公告 (no login)


@router.get("/api/public/announcements", tags=["公告"])
def public_feed(
    session: DbSession,
    region: Region = None,
    before_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    return service.announcements(session, region=region, before_id=before_id, limit=limit)


@router.get("/public/announcements", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request, session: DbSession, region: Region = None) -> HTMLResponse:
    items = service.announcements(session, region=region, limit=100)
    return templates.TemplateResponse(
        request, "supervision_announcements.html", {"user": None, "items": items, "region": region}
    )


def _rss_date(day: date) -> str:
    from datetime import datetime, time

    from app.timeutil import SHANGHAI

    return format_datetime(datetime.combine(day, time(9, 0), SHANGHAI))


@router.get("/public/announcements.rss", include_in_schema=False)
def public_rss(request: Request, session: DbSession, region: Region = None) -> Response:
    items = service.announcements(session, region=region, limit=50)
    base = str(request.base_url).rstrip("/")
    link = f"{base}/public/announcements" + (f"?region={region}" if region else "")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        "<title>重大事故隐患挂牌督办公告</title>",
        f"<link>{escape(link)}</link>",
        "<description>重大事故隐患挂牌督办和摘牌销号情况</description>",
        "<language>zh-cn</language>",
    ]
    for a in items:
        title = f"【{a['kind_label']}】{a['region_name']} {a['enterprise_name']}（{a['level_label']}）"
        desc = f"{a['notice_number']}：{a['summary']}"
        parts += [
            "<item>",
            f"<title>{escape(title)}</title>",
            f"<link>{escape(link)}</link>",
            f"<description>{escape(desc)}</description>",
            f"<pubDate>{_rss_date(a['published_on'])}</pubDate>",
            f'<guid isPermaLink="false">supervision-announcement-{a["id"]}</guid>',
            "</item>",
        ]
    parts.append("</channel></rss>")
    return Response("\n".join(parts), media_type="application/rss+xml; charset=utf-8")
