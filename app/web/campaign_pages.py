"""Pages of 专项整治 and 安全提示: the department creates a campaign and follows its progress by region and
industry down to each enterprise's 自查报告 (return / accept); the enterprise works the checklist item by
item and files; 安全提示 are sent from a template and acknowledged (叫应) with one click."""

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.campaigns import notices, service
from app.campaigns import tags as tagging
from app.campaigns.models import RESULTS
from app.campaigns.schemas import AckIn, AnswerIn, CampaignIn, NoticeIn, ReportAction
from app.errors import BadInput
from app.fields import Id
from app.timeutil import SHANGHAI
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt,
    attempt_all,
    check_csrf,
    done_notice,
    in_future,
    page,
    parse_date,
    redirect_done,
    save_photo,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DONE = {
    "created": "专项整治已发布，范围内企业登录后即可看到。",
    "answered": "检查结果已保存。",
    "file": "自查报告已报送。",
    "return": "自查报告已退回企业重新自查。",
    "accept": "自查报告已审核通过。",
    "sent": "安全提示已发送。",
    "acked": "已确认收到（叫应）。",
}


def home_items(session: Session, user: Principal) -> dict[str, Any]:
    """For the home page: the user's campaigns and (enterprises) the 安全提示 not yet acknowledged."""
    out: dict[str, Any] = {
        "campaigns": [service.campaign_out(c) for c in service.list_campaigns(session, user, 5)]
    }
    if user.role == "enterprise":
        out["pending_notices"] = [n for n in notices.list_notices(session, user, 20) if not n.get("acked_at")]
    return out


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


# ---------------------------------------------------------------- campaigns


@router.get("/campaigns")
def campaign_list(request: Request, session: DbSession, user: PageUser) -> Response:
    items = [service.campaign_out(c) for c in service.list_campaigns(session, user)]
    return page(request, session, "campaigns.html", user, items=items, notice=done_notice(request, DONE.get))


def _new_page(
    request: Request, session: Session, user: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return page(
        request,
        session,
        "campaign_new.html",
        user,
        values=values,
        errors=errors,
        known_tags=tagging.known_tags(),
        phases=service.policy().phases,
    )


@router.get("/campaigns/new")
def campaign_new(request: Request, session: DbSession, user: PageUser) -> Response:
    return _new_page(request, session, user, {"tags": []}, {})


@router.post("/campaigns/new")
def campaign_create(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {
        "title": text(form, "title"),
        "basis_number": text(form, "basis_number"),
        "basis_date": text(form, "basis_date"),
        "starts_on": text(form, "starts_on"),
        "ends_on": text(form, "ends_on"),
        "own_items": text(form, "own_items"),
        "tags": [t for t in form.getlist("tags") if isinstance(t, str)],
    }

    def build() -> CampaignIn:
        return CampaignIn(
            title=values["title"] or "",
            basis_number=values["basis_number"],
            basis_date=parse_date(values["basis_date"]),
            scope={"tags": values["tags"]},  # type: ignore[arg-type]
            starts_on=parse_date(values["starts_on"]) or values["starts_on"] or "",  # type: ignore[arg-type]
            ends_on=parse_date(values["ends_on"]) or values["ends_on"] or "",  # type: ignore[arg-type]
            own_items=[{"text": t} for t in _lines(values["own_items"])],  # type: ignore[misc]
        )

    # The service's date checks, found here too so they come with the schema's messages at once.
    problems: Errors = {}
    starts, ends = parse_date(values["starts_on"]), parse_date(values["ends_on"])
    if starts and ends and ends < starts:
        problems["ends_on"] = "结束日期不能早于开始日期"
    if in_future(values["basis_date"]):
        problems["basis_date"] = "依据文件日期不能晚于今天"
    campaign, errors = attempt_all(
        session, build, lambda data: service.create_campaign(session, user, data), problems,
        rename={"scope.tags": "tags"},
    )  # fmt: skip
    if campaign is None:
        return _new_page(request, session, user, values, errors)
    return redirect_done(f"/campaigns/{campaign.id}", "created")


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    request: Request, session: DbSession, user: PageUser, campaign_id: Id, region: str | None = None
) -> Response:
    detail = service.detail(session, user, campaign_id)
    ctx: dict[str, Any] = {"c": detail, "notice": done_notice(request, DONE.get), "RESULTS": RESULTS}
    if user.role == "enterprise":
        report = detail["report"]
        ctx["answers"] = {a["item_id"]: a for a in report["answers"]}
    else:
        if region is not None and not region.isdigit():
            raise BadInput("行政区划代码应为数字", field="region")
        ctx["progress"] = service.progress(session, user, campaign_id, region)
        ctx["major"] = service.major_hazards(session, user, campaign_id, region)
        ctx["rows"] = service.enterprise_rows(session, user, campaign_id, region=region, limit=200)
    return page(request, session, "campaign.html", user, **ctx)


@router.post("/campaigns/{campaign_id}/items/{item_id}")
def answer(
    request: Request, session: DbSession, user: PageUser, form: Form, campaign_id: Id, item_id: Id
) -> Response:
    check_csrf(request, form)

    def write() -> Any:
        photos = (
            save_photo(session, user, form, "photo", user.enterprise_id or 0) if user.enterprise_id else []
        )
        hazard = None
        description = text(form, "hazard_description")
        if text(form, "result") == "problem" and description:
            hazard = {
                "description": description,
                "place": text(form, "hazard_place") or "现场",
                "category": "site",
            }
        fields = {"result": text(form, "result") or "", "note": text(form, "note"), "photos": photos}
        body = AnswerIn.model_validate({**fields, "hazard": hazard})
        return service.answer_item(session, user, campaign_id, item_id, body)

    done, errors = attempt(session, write, strip=("hazard.",))
    if done is None:
        detail = service.detail(session, user, campaign_id)
        answers = {a["item_id"]: a for a in detail["report"]["answers"]}
        errors = {f"item{item_id}": "；".join(errors.values())}
        return page(
            request,
            session,
            "campaign.html",
            user,
            c=detail,
            answers=answers,
            errors=errors,
            RESULTS=RESULTS,
            notice=None,
        )
    return redirect_done(f"/campaigns/{campaign_id}", "answered")


def _report_page(request: Request, session: Session, user: Principal, report_id: int, **ctx: Any) -> Response:
    report = service.get_report(session, user, report_id)
    detail = service.detail(session, user, report["campaign_id"])
    items = {i["id"]: i for i in detail["items"]}
    return page(request, session, "campaign_report.html", user, c=detail, report=report, items=items, **ctx)


@router.get("/campaign-reports/{report_id}")
def report_page(request: Request, session: DbSession, user: PageUser, report_id: Id) -> Response:
    return _report_page(request, session, user, report_id, notice=done_notice(request, DONE.get))


@router.post("/campaign-reports/{report_id}/{action}")
def report_action(
    request: Request, session: DbSession, user: PageUser, form: Form, report_id: Id, action: str
) -> Response:
    check_csrf(request, form)

    def write() -> Any:
        return service.act(session, user, report_id, action, ReportAction(note=text(form, "note")))

    done, errors = attempt(session, write)
    if done is None:
        if user.role == "enterprise":
            report = service.get_report(session, user, report_id)
            detail = service.detail(session, user, report["campaign_id"])
            answers = {a["item_id"]: a for a in report["answers"]}
            ctx = {"c": detail, "answers": answers, "errors": errors, "RESULTS": RESULTS, "notice": None}
            return page(request, session, "campaign.html", user, **ctx)
        return _report_page(request, session, user, report_id, errors=errors, notice=None)
    target = (
        f"/campaigns/{done['campaign_id']}" if user.role == "enterprise" else f"/campaign-reports/{report_id}"
    )
    return redirect_done(target, action)


# ---------------------------------------------------------------- 安全提示


@router.get("/notices")
def notice_list(request: Request, session: DbSession, user: PageUser) -> Response:
    return page(
        request,
        session,
        "notices.html",
        user,
        items=notices.list_notices(session, user),
        notice=done_notice(request, DONE.get),
    )


def _notice_new(
    request: Request, session: Session, user: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return page(
        request,
        session,
        "notice_new.html",
        user,
        values=values,
        errors=errors,
        templates=notices.templates(),
        known_tags=tagging.known_tags(),
    )


@router.get("/notices/new")
def notice_new(request: Request, session: DbSession, user: PageUser) -> Response:
    return _notice_new(request, session, user, {"tags": []}, {})


@router.post("/notices/new")
def notice_send(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {
        "template": text(form, "template"),
        "title": text(form, "title"),
        "body": text(form, "body"),
        "ack_deadline": text(form, "ack_deadline"),
        "tags": [t for t in form.getlist("tags") if isinstance(t, str)],
    }

    # What notices.send refuses one at a time, found here so one submit names every field.
    problems: Errors = {}
    deadline = None
    if values["ack_deadline"]:
        try:
            deadline = datetime.fromisoformat(values["ack_deadline"]).replace(tzinfo=SHANGHAI)
        except ValueError:
            problems["ack_deadline"] = "叫应截止时间格式不正确"
    if deadline is not None and deadline <= datetime.now(SHANGHAI):
        problems["ack_deadline"] = "叫应截止时间须晚于现在"
    elif deadline is not None and deadline > datetime.now(SHANGHAI) + timedelta(days=90):
        problems["ack_deadline"] = "叫应截止时间不能超过 90 天"
    if not values["template"]:
        if not values["title"]:
            problems["title"] = "请填写安全提示标题（或选择模板）"
        if not values["body"]:
            problems["body"] = "请填写安全提示正文（或选择模板）"

    def build() -> NoticeIn:
        return NoticeIn(
            template=values["template"],
            title=values["title"],
            body=values["body"],
            scope={"tags": values["tags"]},  # type: ignore[arg-type]
            ack_deadline=deadline,
        )

    sent, errors = attempt_all(
        session, build, lambda data: notices.send(session, user, data), problems,
        rename={"scope.tags": "tags", "scope": "tags"},
    )  # fmt: skip
    if sent is None:
        return _notice_new(request, session, user, values, errors)
    return redirect_done(f"/notices/{sent.id}", "sent")


@router.get("/notices/{notice_id}")
def notice_page(request: Request, session: DbSession, user: PageUser, notice_id: Id) -> Response:
    notice = notices.get_notice(session, user, notice_id)
    notices.mark_read(session, user, notice_id)
    out = notices.notice_out(session, user, notice)
    missing = notices.unacknowledged(session, user, notice_id, 200) if user.role != "enterprise" else []
    return page(
        request, session, "notice.html", user, n=out, missing=missing, notice=done_notice(request, DONE.get)
    )


@router.post("/notices/{notice_id}/ack")
def notice_ack(request: Request, session: DbSession, user: PageUser, form: Form, notice_id: Id) -> Response:
    check_csrf(request, form)
    done, errors = attempt(
        session, lambda: notices.acknowledge(session, user, notice_id, AckIn(reply=text(form, "reply")))
    )
    if done is None:
        out = notices.notice_out(session, user, notices.get_notice(session, user, notice_id))
        return page(request, session, "notice.html", user, n=out, missing=[], errors=errors, notice=None)
    return redirect_done(f"/notices/{notice_id}", "acked")
