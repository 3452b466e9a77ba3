"""HTTP API for 事故 (reports, chain, 续报, investigation) and 应急 (预案, 备案, 评估, 演练, 物资/装备,
专家库)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.accidents import emergency, resources, service
from app.accidents.schemas import (
    AccidentActionIn,
    AccidentReportIn,
    AccidentUpdateIn,
    Category,
    DrillIn,
    EmergencyPlanIn,
    ExpertField,
    ExpertIn,
    ExpertPatch,
    MeasureDoneIn,
    PlanEvaluateIn,
    PlanFileIn,
    PlanPublishIn,
    ReportStepIn,
    ResourceIn,
    ResourcePatch,
)
from app.auth.deps import CurrentUser, DbSession
from app.fields import REGION_CODE, Id

router = APIRouter()
Action = Literal["start_investigation", "extend_investigation", "submit_report", "close", "record_evaluation"]


@router.post("/api/accidents", status_code=201, tags=["事故"])
def report_accident(body: AccidentReportIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    acc = service.report(session, user, body)
    return service.detail(session, user, acc.id)


@router.get("/api/accidents", tags=["事故"])
def list_accidents(
    session: DbSession, user: CurrentUser, enterprise_id: Id | None = None
) -> list[dict[str, Any]]:
    return service.list_accidents(session, user, enterprise_id)


@router.get("/api/accidents/board", tags=["事故"])
def board(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    out: dict[str, Any] = dict(service.board_rows(session, user))
    out["plans"] = emergency.overdue_plans(session, user)
    return out


@router.get("/api/accidents/{accident_id}", tags=["事故"])
def get_accident(accident_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.detail(session, user, accident_id)


@router.post("/api/accidents/{accident_id}/report-steps", status_code=201, tags=["事故"])
def record_step(accident_id: Id, body: ReportStepIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    service.record_step(session, user, accident_id, body)
    return service.detail(session, user, accident_id)


@router.post("/api/accidents/{accident_id}/updates", status_code=201, tags=["事故"])
def add_update(
    accident_id: Id, body: AccidentUpdateIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.add_update(session, user, accident_id, body)
    return service.detail(session, user, accident_id)


@router.post("/api/accidents/{accident_id}/actions/{action}", tags=["事故"])
def act(
    accident_id: Id, action: Action, body: AccidentActionIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.act(session, user, accident_id, action, body)
    return service.detail(session, user, accident_id)


@router.post("/api/accidents/{accident_id}/measures/{measure_id}/done", tags=["事故"])
def measure_done(
    accident_id: Id, measure_id: Id, body: MeasureDoneIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    service.mark_measure_done(session, user, accident_id, measure_id, body)
    return service.detail(session, user, accident_id)


@router.post("/api/emergency/plans", status_code=201, tags=["应急"])
def create_plan(body: EmergencyPlanIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    plan = emergency.create_plan(session, user, body)
    return emergency.detail(session, user, plan.id)


@router.get("/api/emergency/plans", tags=["应急"])
def list_plans(
    session: DbSession, user: CurrentUser, enterprise_id: Id | None = None
) -> list[dict[str, Any]]:
    return emergency.list_plans(session, user, enterprise_id)


@router.get("/api/emergency/plans/{plan_id}", tags=["应急"])
def get_plan(plan_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return emergency.detail(session, user, plan_id)


@router.post("/api/emergency/plans/{plan_id}/publish", tags=["应急"])
def publish_plan(plan_id: Id, body: PlanPublishIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    emergency.publish(session, user, plan_id, body)
    return emergency.detail(session, user, plan_id)


@router.post("/api/emergency/plans/{plan_id}/filing", tags=["应急"])
def file_plan(plan_id: Id, body: PlanFileIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    emergency.file_plan(session, user, plan_id, body)
    return emergency.detail(session, user, plan_id)


@router.post("/api/emergency/plans/{plan_id}/evaluation", tags=["应急"])
def evaluate_plan(plan_id: Id, body: PlanEvaluateIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    emergency.evaluate_plan(session, user, plan_id, body)
    return emergency.detail(session, user, plan_id)


@router.post("/api/emergency/plans/{plan_id}/drills", status_code=201, tags=["应急"])
def add_drill(plan_id: Id, body: DrillIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    emergency.add_drill(session, user, plan_id, body)
    return emergency.detail(session, user, plan_id)


@router.post("/api/emergency/resources", status_code=201, tags=["应急"])
def create_resource(body: ResourceIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    row = resources.create_resource(session, user, body)
    return resources.resource_detail(session, user, row.id)


@router.get("/api/emergency/resources", tags=["应急"])
def list_resources(
    session: DbSession,
    user: CurrentUser,
    enterprise_id: Id | None = None,
    category: Category | None = None,
    expiring: Annotated[bool, Query(description="只列已过期和即将到期的")] = False,
) -> list[dict[str, Any]]:
    return resources.list_resources(
        session, user, enterprise_id=enterprise_id, category=category, expiring=expiring
    )


@router.get("/api/emergency/resources/map", tags=["应急"])
def resource_map(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """有坐标的应急物资、装备（GeoJSON FeatureCollection，WGS84），供地图图层使用。"""
    return resources.geojson(session, user)


@router.get("/api/emergency/resources/{resource_id}", tags=["应急"])
def get_resource(resource_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return resources.resource_detail(session, user, resource_id)


@router.patch("/api/emergency/resources/{resource_id}", tags=["应急"])
def update_resource(
    resource_id: Id, body: ResourcePatch, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    resources.update_resource(session, user, resource_id, body)
    return resources.resource_detail(session, user, resource_id)


@router.delete("/api/emergency/resources/{resource_id}", status_code=204, tags=["应急"])
def delete_resource(resource_id: Id, session: DbSession, user: CurrentUser) -> Response:
    resources.delete_resource(session, user, resource_id)
    return Response(status_code=204)


@router.post("/api/emergency/experts", status_code=201, tags=["应急"])
def create_expert(body: ExpertIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    row = resources.create_expert(session, user, body)
    return resources.expert_detail(session, user, row.id)


@router.get("/api/emergency/experts", tags=["应急"])
def search_experts(
    session: DbSession,
    user: CurrentUser,
    field: ExpertField | None = None,
    region: Annotated[
        str | None, Query(description="行政区划代码：该区划及其下级的专家", pattern=f"^({REGION_CODE})$")
    ] = None,
    available: Annotated[bool, Query(description="只列可调用的")] = False,
) -> list[dict[str, Any]]:
    return resources.search_experts(session, user, field=field, region=region, available_only=available)


@router.get("/api/emergency/experts/{expert_id}", tags=["应急"])
def get_expert(expert_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return resources.expert_detail(session, user, expert_id)


@router.patch("/api/emergency/experts/{expert_id}", tags=["应急"])
def update_expert(expert_id: Id, body: ExpertPatch, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    resources.update_expert(session, user, expert_id, body)
    return resources.expert_detail(session, user, expert_id)
