"""HTTP for 专项整治 and 安全提示: the JSON API and the .xlsx exports (pages: app.web.campaign_pages)."""

from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from app.auth.deps import CurrentUser, DbSession, ReadSession
from app.campaigns import notices, service
from app.campaigns import tags as tagging
from app.campaigns.schemas import AckIn, AnswerIn, CampaignIn, NoticeIn, ReportAction
from app.enterprises import service as enterprises
from app.fields import Id
from app.openapi import XLSX, file_download
from app.spreadsheets import xlsx_response

router = APIRouter()
Region = Annotated[
    str | None, Query(description="行政区划代码：只看该行政区及其下级", pattern=r"^(\d{6}|\d{9}|\d{12})$")
]
TAG: list[str | Enum] = ["专项整治"]
NOTICE_TAG: list[str | Enum] = ["安全提示"]
ReportStatus = Literal["not_started", "draft", "filed", "returned", "accepted", "not_filed", "overdue"]


@router.post("/api/campaigns", status_code=201, tags=TAG)
def create_campaign(body: CampaignIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    campaign = service.create_campaign(session, user, body)
    return service.detail(session, user, campaign.id)


@router.get("/api/campaigns", tags=TAG)
def list_campaigns(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return [service.campaign_out(c) for c in service.list_campaigns(session, user)]


@router.get("/api/campaigns/{campaign_id}", tags=TAG)
def get_campaign(campaign_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.detail(session, user, campaign_id)


@router.put("/api/campaigns/{campaign_id}/items/{item_id}", tags=TAG)
def answer_item(
    campaign_id: Id, item_id: Id, body: AnswerIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """企业逐项填写检查结果（发现问题可同时登记隐患）。"""
    return service.answer_item(session, user, campaign_id, item_id, body)


@router.post("/api/campaigns/{campaign_id}/hazards/{hazard_id}", status_code=204, tags=TAG)
def link_hazard(campaign_id: Id, hazard_id: Id, session: DbSession, user: CurrentUser) -> None:
    service.link_hazard(session, user, campaign_id, hazard_id)


@router.get("/api/campaign-reports/{report_id}", tags=TAG)
def get_report(report_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.get_report(session, user, report_id)


@router.post("/api/campaign-reports/{report_id}/actions/{action}", tags=TAG)
def report_action(
    report_id: Id,
    action: Literal["file", "return", "accept"],
    body: ReportAction,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    """报送（企业）、退回重新自查或审核通过（监管部门）。"""
    return service.act(session, user, report_id, action, body)


@router.get("/api/campaigns/{campaign_id}/progress", tags=TAG)
def progress(
    campaign_id: Id, session: ReadSession, user: CurrentUser, region: Region = None
) -> dict[str, Any]:
    return service.progress(session, user, campaign_id, region)


@router.get("/api/campaigns/{campaign_id}/major-hazards", tags=TAG)
def major_hazards(
    campaign_id: Id, session: ReadSession, user: CurrentUser, region: Region = None
) -> dict[str, Any]:
    """重大隐患动态清零: the campaign's open 重大 hazards with 责任人 and 期限 (progress gives the count)."""
    return service.major_hazards(session, user, campaign_id, region)


@router.get("/api/campaigns/{campaign_id}/enterprises", tags=TAG)
def enterprise_rows(
    campaign_id: Id,
    session: ReadSession,
    user: CurrentUser,
    region: Region = None,
    status: ReportStatus | None = None,
    after_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    return service.enterprise_rows(
        session, user, campaign_id, region=region, status=status, limit=limit, after_id=after_id
    )


@router.get("/api/campaigns/{campaign_id}/dispatch.xlsx", tags=TAG, **file_download("调度表", XLSX))
def dispatch_table(
    campaign_id: Id, session: ReadSession, user: CurrentUser, region: Region = None
) -> FileResponse:
    """调度表：按行政区、按行业、企业明细。"""
    title = service.get_campaign(session, user, campaign_id).title
    return xlsx_response(
        lambda fh: service.write_dispatch(session, user, campaign_id, region, fh),
        f"{title}调度表",
        "campaign-dispatch",
    )


@router.get("/api/enterprises/{enterprise_id}/campaign-tags", tags=TAG)
def get_tags(enterprise_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """企业标签（读自企业档案；修改：PUT /api/credit/profiles/{enterprise_id}）。"""
    ent = enterprises.get_readable(session, user, enterprise_id)
    return {"enterprise_id": ent.id, "tags": tagging.tags_of(session, ent.id), "known": tagging.known_tags()}


# ---------------------------------------------------------------- 安全提示


@router.get("/api/notices/templates", tags=NOTICE_TAG)
def notice_templates(user: CurrentUser) -> list[dict[str, Any]]:
    return notices.templates()


@router.post("/api/notices", status_code=201, tags=NOTICE_TAG)
def send_notice(body: NoticeIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    notice = notices.send(session, user, body)
    return notices.notice_out(session, user, notice)


@router.get("/api/notices", tags=NOTICE_TAG)
def list_notices(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return notices.list_notices(session, user)


@router.get("/api/notices/{notice_id}", tags=NOTICE_TAG)
def get_notice(notice_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    notice = notices.get_notice(session, user, notice_id)
    notices.mark_read(session, user, notice_id)
    return notices.notice_out(session, user, notice)


@router.post("/api/notices/{notice_id}/ack", tags=NOTICE_TAG)
def acknowledge(notice_id: Id, body: AckIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """叫应：企业确认收到（可回复落实情况）。"""
    notices.acknowledge(session, user, notice_id, body)
    return notices.notice_out(session, user, notices.get_notice(session, user, notice_id))


@router.get("/api/notices/{notice_id}/unacknowledged", tags=NOTICE_TAG)
def unacknowledged(
    notice_id: Id, session: ReadSession, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[dict[str, Any]]:
    return notices.unacknowledged(session, user, notice_id, limit)


@router.get(
    "/api/notices/{notice_id}/unacknowledged.xlsx", tags=NOTICE_TAG, **file_download("未叫应企业名单", XLSX)
)
def unacknowledged_export(notice_id: Id, session: ReadSession, user: CurrentUser) -> FileResponse:
    notice = notices.get_notice(session, user, notice_id)
    return xlsx_response(
        lambda fh: notices.write_unacknowledged(session, user, notice_id, fh),
        f"{notice.title}未叫应企业",
        "notice-unacknowledged",
    )
