"""HTTP API for 事故 (reports, chain, 续报, investigation) and 应急 (预案, 备案, 评估, 演练)."""

from typing import Any, Literal

from fastapi import APIRouter

from app.accidents import emergency, service
from app.accidents.schemas import (
    AccidentActionIn,
    AccidentReportIn,
    AccidentUpdateIn,
    DrillIn,
    EmergencyPlanIn,
    MeasureDoneIn,
    PlanEvaluateIn,
    PlanFileIn,
    PlanPublishIn,
    ReportStepIn,
)
from app.auth.deps import CurrentUser, DbSession
from app.fields import Id

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
