"""HTTP for 执法: inspections, results and hazards, 行政处罚 cases, the public 双随机 plan and results."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.auth.deps import CurrentUser, DbSession
from app.documents import service as documents
from app.enforcement import penalty, random_draw, service, stats
from app.enforcement import schemas as s
from app.fields import Id

router = APIRouter()
Action = Annotated[str, Path(pattern="^[a-z_]{1,30}$", description="操作，见案件的 allowed_actions")]
Month = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM")]
PlanMonth = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def _detail(session: DbSession, user: CurrentUser, inspection_id: int) -> dict[str, Any]:
    insp = service.get_readable(session, user, inspection_id)
    out = service.to_dict(session, insp)
    out["documents"] = [
        documents.metadata(d) for d in documents.for_subject(session, user, "inspection", insp.id)
    ]
    return out


@router.post("/api/enforcement/inspections", status_code=201, tags=["执法"])
def open_inspection(body: s.InspectionIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    insp = service.open_inspection(session, user, body)
    return _detail(session, user, insp.id)


@router.get("/api/enforcement/inspections", tags=["执法"])
def list_inspections(
    session: DbSession,
    user: CurrentUser,
    enterprise_id: Id | None = None,
    kind: Annotated[str | None, Query(max_length=12)] = None,
    after_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    return service.list_inspections(
        session, user, enterprise_id=enterprise_id, kind=kind, after_id=after_id, limit=limit
    )


@router.get("/api/enforcement/inspections/{inspection_id}", tags=["执法"])
def get_inspection(inspection_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _detail(session, user, inspection_id)


@router.post("/api/enforcement/inspections/{inspection_id}/results", tags=["执法"])
def record_results(
    inspection_id: Id, body: s.InspectionResultsIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.record_results(session, user, inspection_id, body)
    return _detail(session, user, inspection_id)


@router.post(
    "/api/enforcement/inspections/{inspection_id}/items/{item_id}/hazard", status_code=201, tags=["执法"]
)
def item_hazard(
    inspection_id: Id, item_id: Id, body: s.InspectionHazardIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    hazard_id = service.hazard_from_item(session, user, inspection_id, item_id, body)
    return {"hazard_id": hazard_id, "inspection": _detail(session, user, inspection_id)}


@router.post("/api/enforcement/inspections/{inspection_id}/complete", tags=["执法"])
def complete(
    inspection_id: Id, body: s.InspectionCompleteIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.complete(session, user, inspection_id, body)
    return _detail(session, user, inspection_id)


@router.post("/api/enforcement/inspections/{inspection_id}/rectified", tags=["执法"])
def rectified(
    inspection_id: Id, body: s.RectificationReportIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.report_rectified(session, user, inspection_id, body)
    return _detail(session, user, inspection_id)


@router.get("/api/enforcement/hazards/{hazard_id}/inspection", tags=["执法"])
def hazard_inspection(hazard_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The inspection whose failed item became this hazard (the link from the hazard side)."""
    from app.errors import NotFound

    insp = service.inspection_of_hazard(session, user, hazard_id)
    if insp is None:
        raise NotFound(f"隐患 {hazard_id} 不是监督检查发现的")
    return service.to_dict(session, insp, with_items=False)


@router.post("/api/enforcement/cases", status_code=201, tags=["行政处罚"])
def file_case(body: s.PenaltyCaseIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    case = penalty.file_case(session, user, body)
    return penalty.to_dict(session, user, case)


@router.get("/api/enforcement/cases", tags=["行政处罚"])
def list_cases(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    return penalty.list_cases(session, user, state=state, limit_=limit)


@router.get("/api/enforcement/cases/{case_id}", tags=["行政处罚"])
def get_case(case_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return penalty.to_dict(session, user, penalty.get_readable(session, user, case_id))


@router.post("/api/enforcement/cases/{case_id}/actions/{action}", tags=["行政处罚"])
def case_action(
    case_id: Id, action: Action, body: s.PenaltyActionIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    case = penalty.act(session, user, case_id, action, body)
    return penalty.to_dict(session, user, case)


@router.get("/api/enforcement/stats", tags=["执法"])
def enforcement_stats(
    session: DbSession,
    user: CurrentUser,
    region: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}(\d{3})?(\d{3})?$")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict[str, Any]:
    return stats.summary(session, user, region=region, year=year)


@router.get("/api/public/random-results/{month}", tags=["公告"])
def public_random_results(month: Month, session: DbSession) -> dict[str, Any]:
    """双随机抽查结果（一公开）：企业、行政区、检查日期和结果，不含个人信息。"""
    return service.public_results(session, month)


@router.get("/api/public/inspection-plans/{month}", response_model=s.PublicPlan, tags=["公告"])
def public_plan(session: DbSession, month: PlanMonth) -> dict[str, Any]:
    """双随机抽查计划公示：企业名称与执法人员姓名。"""
    return random_draw.public_plan(session, month)
