"""HTTP API of 考核: scorecards and drill-down, 通报, 月调度 reports, 约谈, 报送, 责任清单 and 包联."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import ConfigDict, Field, StringConstraints

from app.assessment import bulletins, interviews, reports, responsibilities, service, submissions
from app.assessment.schemas import (
    FileIn,
    LiaisonEnd,
    LiaisonIn,
    RequirementIn,
    ResponsibilityChange,
    ResponsibilityIn,
    VisitIn,
)
from app.auth.deps import CurrentUser, DbSession, ReadSession
from app.fields import Id, Input, RegionCode
from app.spreadsheets import download_headers

router = APIRouter(tags=["考核"])
Period = Annotated[
    str | None,
    Query(
        description="考核期：2026-11（月）、2026-Q4（季度）或 2026（年）；默认上月",
        max_length=7,
        pattern=r"^\d{4}(-\d{2}|-Q[1-4])?$",
    ),
]
RegionQuery = Annotated[
    str | None, Query(description="行政区划代码：看其下级的考核", max_length=12, pattern=r"^\d{6,12}$")
]
IndicatorId = Annotated[
    str,
    Query(
        description="指标 id（见 rules/policies/assessment.yaml）",
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9_]+$",
    ),
]


class BulletinIn(Input):
    model_config = ConfigDict(extra="forbid")

    region: Annotated[str, StringConstraints(pattern=r"^\d{6,12}$")] = Field(
        description="发布通报的行政区（其下级被考核）"
    )
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}|-Q[1-4])?$", max_length=7)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = (
        None
    )
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = (
        None
    )


class VersionIn(Input):
    model_config = ConfigDict(extra="forbid")

    version: Id = Field(description="通报当前版本（防止并发修改）")


@router.get("/api/assessment/scorecards")
def scorecards(
    session: ReadSession, user: CurrentUser, region: RegionQuery = None, period: Period = None
) -> dict[str, Any]:
    """下级行政区的考核：各指标的值、得分、排名和较上期变化。"""
    return service.scorecards(session, user, region, period)


@router.get("/api/assessment/scorecards/{code:region_code}")
def scorecard(
    session: ReadSession, user: CurrentUser, code: RegionCode, period: Period = None
) -> dict[str, Any]:
    """一个行政区的考核卡（在可见的同级行政区中排名）。"""
    return service.scorecard(session, user, code, period)


@router.get("/api/assessment/scorecards/{code:region_code}/drilldown")
def drilldown(
    session: ReadSession,
    user: CurrentUser,
    code: RegionCode,
    indicator: IndicatorId,
    part: Literal["numerator", "denominator"] = "denominator",
    period: Period = None,
) -> dict[str, Any]:
    """构成某项指标分子或分母的记录。"""
    return service.drilldown(session, user, code, indicator, part, period)


@router.get("/api/assessment/bulletins")
def list_bulletins(session: ReadSession, user: CurrentUser) -> list[dict[str, Any]]:
    return bulletins.list_bulletins(session, user)


@router.post("/api/assessment/bulletins", status_code=201)
def draft_bulletin(body: BulletinIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """由考核结果起草通报（表扬/批评名单按总分档次选出）。"""
    b = bulletins.draft(session, user, body.region, body.period, body.title, body.body)
    session.commit()
    return bulletins.detail(session, user, b.id)


@router.get("/api/assessment/bulletins/{bulletin_id}.pdf")
def bulletin_pdf(session: ReadSession, user: CurrentUser, bulletin_id: Id) -> Response:
    data, name = bulletins.pdf(session, user, bulletin_id)
    return Response(
        data, media_type="application/pdf", headers=download_headers(name[:-4], "bulletin", ".pdf")
    )


@router.get("/api/assessment/bulletins/{bulletin_id}")
def get_bulletin(session: ReadSession, user: CurrentUser, bulletin_id: Id) -> dict[str, Any]:
    return bulletins.detail(session, user, bulletin_id)


@router.post("/api/assessment/bulletins/{bulletin_id}/review")
def review_bulletin(
    body: VersionIn, session: DbSession, user: CurrentUser, bulletin_id: Id
) -> dict[str, Any]:
    bulletins.review(session, user, bulletin_id, body.version)
    session.commit()
    return bulletins.detail(session, user, bulletin_id)


@router.post("/api/assessment/bulletins/{bulletin_id}/issue")
def issue_bulletin(body: VersionIn, session: DbSession, user: CurrentUser, bulletin_id: Id) -> dict[str, Any]:
    """印发：生成带发文字号的通报文书，通知被通报的地区。"""
    bulletins.issue(session, user, bulletin_id, body.version)
    session.commit()
    return bulletins.detail(session, user, bulletin_id)


@router.get("/api/assessment/reports")
def list_reports(session: ReadSession, user: CurrentUser) -> list[dict[str, Any]]:
    """月调度报告（本辖区及下级）。"""
    return reports.list_reports(session, user)


@router.get("/api/assessment/reports/{report_id}.xlsx")
def report_xlsx(session: ReadSession, user: CurrentUser, report_id: Id) -> Response:
    r = reports.get_readable(session, user, report_id)
    return Response(
        r.xlsx,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=download_headers(f"月调度{r.period}", f"monthly-{r.period}"),
    )


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Para = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class InterviewIn(Input):
    """约谈：约谈人、被约谈对象、原因、承诺和跟踪检查日期。"""

    model_config = ConfigDict(extra="forbid")

    held_on: date = Field(description="约谈日期")
    held_by: Line = Field(description="约谈人（单位、职务、姓名）")
    interviewee: Line = Field(description="被约谈人（单位、职务、姓名）")
    interviewee_kind: Literal["region_leader", "enterprise_head"]
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6,12}$")] | None = Field(
        None, description="约谈地方政府或部门负责人时：其行政区"
    )
    enterprise_id: Id | None = Field(None, description="约谈企业主要负责人时：企业")
    reason_kind: Literal["overdue_case", "red_enterprise", "low_score", "other"]
    case_id: Id | None = Field(None, description="关联的挂牌督办事项")
    bulletin_id: Id | None = Field(None, description="关联的考核通报")
    reason: Para = Field(description="约谈原因")
    commitments: Para = Field(description="被约谈方的整改承诺")
    follow_up_on: date = Field(description="跟踪检查日期")


class FollowUpIn(Input):
    model_config = ConfigDict(extra="forbid")

    version: Id
    note: Para = Field(description="跟踪检查情况")


@router.get("/api/assessment/interviews")
def list_interviews(session: ReadSession, user: CurrentUser) -> list[dict[str, Any]]:
    return interviews.list_interviews(session, user)


@router.post("/api/assessment/interviews", status_code=201)
def create_interview(body: InterviewIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    row = interviews.create(session, user, body)
    session.commit()
    return interviews.detail(row)


@router.get("/api/assessment/interviews/{interview_id}")
def get_interview(session: ReadSession, user: CurrentUser, interview_id: Id) -> dict[str, Any]:
    return interviews.detail(interviews.get_readable(session, user, interview_id))


@router.post("/api/assessment/interviews/{interview_id}/follow-up")
def follow_up(body: FollowUpIn, session: DbSession, user: CurrentUser, interview_id: Id) -> dict[str, Any]:
    row = interviews.follow_up(session, user, interview_id, body.version, body.note)
    session.commit()
    return interviews.detail(row)


@router.get("/api/assessment/submission-requirements")
def list_requirements(session: ReadSession, user: CurrentUser) -> list[dict[str, Any]]:
    """报送要求及各地区的报送情况（已报送、逾期报送、未报送、逾期未报）。"""
    return submissions.list_requirements(session, user)


@router.post("/api/assessment/submission-requirements", status_code=201)
def create_requirement(body: RequirementIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """上级设置报送要求：考核期、截止日期、须报送的下级行政区（部门）。"""
    req = submissions.create(session, user, body)
    session.commit()
    return submissions.detail(session, user, req.id)


@router.get("/api/assessment/submission-requirements/{requirement_id}")
def get_requirement(session: ReadSession, user: CurrentUser, requirement_id: Id) -> dict[str, Any]:
    return submissions.detail(session, user, requirement_id)


@router.get("/api/assessment/submissions/{submission_id}")
def get_submission(session: ReadSession, user: CurrentUser, submission_id: Id) -> dict[str, Any]:
    """一个地区的报送：进展情况和报送时的考核数据。"""
    return submissions.row_detail(session, user, submission_id)


@router.post("/api/assessment/submissions/{submission_id}/file")
def file_submission(body: FileIn, session: DbSession, user: CurrentUser, submission_id: Id) -> dict[str, Any]:
    """报送工作进展情况（附本地区考核数据）；截止日期后报送记为逾期报送。"""
    submissions.file(session, user, submission_id, body)
    session.commit()
    return submissions.row_detail(session, user, submission_id)


# ---------------------------------------------------------------- 责任清单 and 包联


@router.get("/api/assessment/responsibilities")
def list_responsibilities(
    session: ReadSession, user: CurrentUser, region: RegionQuery = None
) -> list[dict[str, Any]]:
    """责任清单：本辖区各级各部门监管的行业（和企业规模）。"""
    return [
        responsibilities.entry_detail(session, r)
        for r in responsibilities.list_entries(session, user, region)
    ]


@router.post("/api/assessment/responsibilities", status_code=201)
def create_responsibility(body: ResponsibilityIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    row = responsibilities.create_entry(session, user, body)
    session.commit()
    return responsibilities.entry_detail(session, row)


@router.get("/api/assessment/responsibilities/{entry_id}")
def get_responsibility(session: ReadSession, user: CurrentUser, entry_id: Id) -> dict[str, Any]:
    return responsibilities.entry_detail(session, responsibilities.get_entry(session, user, entry_id))


@router.put("/api/assessment/responsibilities/{entry_id}")
def update_responsibility(
    body: ResponsibilityChange, session: DbSession, user: CurrentUser, entry_id: Id
) -> dict[str, Any]:
    row = responsibilities.update_entry(session, user, entry_id, body)
    session.commit()
    return responsibilities.entry_detail(session, row)


@router.delete("/api/assessment/responsibilities/{entry_id}", status_code=204)
def delete_responsibility(
    session: DbSession, user: CurrentUser, entry_id: Id, version: Annotated[int, Query(ge=1)]
) -> Response:
    responsibilities.delete_entry(session, user, entry_id, version)
    session.commit()
    return Response(status_code=204)


@router.get("/api/assessment/liaisons")
def list_liaisons(session: ReadSession, user: CurrentUser) -> list[dict[str, Any]]:
    """包联：本辖区各级领导包联的下级行政区和企业。"""
    return [
        responsibilities.liaison_detail(session, r) for r in responsibilities.list_liaisons(session, user)
    ]


@router.post("/api/assessment/liaisons", status_code=201)
def create_liaison(body: LiaisonIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    row = responsibilities.create_liaison(session, user, body)
    session.commit()
    return responsibilities.liaison_detail(session, row, visits=True)


@router.get("/api/assessment/liaisons/{liaison_id}")
def get_liaison(session: ReadSession, user: CurrentUser, liaison_id: Id) -> dict[str, Any]:
    """一条包联及其走访记录。"""
    row = responsibilities.get_liaison(session, user, liaison_id)
    return responsibilities.liaison_detail(session, row, visits=True)


@router.post("/api/assessment/liaisons/{liaison_id}/end")
def end_liaison(body: LiaisonEnd, session: DbSession, user: CurrentUser, liaison_id: Id) -> dict[str, Any]:
    row = responsibilities.end_liaison(session, user, liaison_id, body)
    session.commit()
    return responsibilities.liaison_detail(session, row, visits=True)


@router.post("/api/assessment/liaisons/{liaison_id}/visits", status_code=201)
def add_visit(body: VisitIn, session: DbSession, user: CurrentUser, liaison_id: Id) -> dict[str, Any]:
    """登记包联走访：日期、检查内容、发现的问题（可关联隐患）。"""
    responsibilities.add_visit(session, user, liaison_id, body)
    session.commit()
    return responsibilities.liaison_detail(
        session, responsibilities.get_liaison(session, user, liaison_id), True
    )


@router.get("/api/assessment/enterprises/{enterprise_id}/responsible")
def responsible(session: ReadSession, user: CurrentUser, enterprise_id: Id) -> dict[str, Any]:
    """企业在乡镇、县、市各级的监管责任部门（责任清单）和包联领导。"""
    return responsibilities.responsible_parties(session, user, enterprise_id)
