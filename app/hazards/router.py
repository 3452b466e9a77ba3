from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict

from app.auth.deps import CurrentUser, DbSession, ReadSession
from app.errors import BadInput, NotFound
from app.fields import Id, QueryDate
from app.hazards import exporter, investigation, ledger, service, tips
from app.hazards import schemas as s
from app.openapi import CSV, XLSX, file_download
from app.regions import service as regions
from app.spreadsheets import xlsx_response

router = APIRouter(prefix="/api/hazards", tags=["hazards"])
public_router = APIRouter(prefix="/api/public", tags=["public"])


def _filters(
    state: s.State | None = None,
    grade: s.Grade | None = None,
    source: s.Source | None = None,
    enterprise_id: Id | None = None,
    region: Annotated[str | None, Query(max_length=12)] = None,
    industry: Annotated[str | None, Query(max_length=40)] = None,
    found_from: QueryDate | None = None,
    found_to: QueryDate | None = None,
    overdue: bool | None = None,
    unconfirmed: Annotated[
        bool | None, Query(description="true：只看按“其他（依据…）”认定、未确认的重大隐患")
    ] = None,
) -> ledger.Filters:
    ledger.check_dates(found_from, found_to)
    return ledger.Filters(
        state, grade, source, enterprise_id, region, industry, found_from, found_to, overdue, unconfirmed
    )


Filters = Annotated[ledger.Filters, Depends(_filters)]


@router.get("", response_model=s.HazardPage)
def list_hazards(
    session: ReadSession,
    user: CurrentUser,
    f: Filters,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """隐患台账（按发现日期倒序，游标翻页）。"""
    items, next_cursor = ledger.page(session, user, f, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "",
    response_model=s.HazardOut,
    status_code=201,
    responses={200: {"model": s.HazardOut, "description": "同一 Idempotency-Key 的重试：首次登记的隐患"}},
)
def create_hazard(
    body: s.HazardIn,
    session: DbSession,
    user: CurrentUser,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """登记隐患。带 Idempotency-Key 时，同一请求重试返回同一条隐患。"""
    result = service.create_hazard(session, user, body, idempotency_key=idempotency_key)
    out = service.to_out(result.hazard, None)
    if result.created:
        return out
    return JSONResponse(s.HazardOut.model_validate(out).model_dump(mode="json"), status_code=200)


@router.get("/major-items", response_model=list[s.MajorItemOut])
def major_items(
    session: DbSession, user: CurrentUser, enterprise_id: Id, found_on: QueryDate | None = None
) -> Any:
    """该企业所属行业适用的重大事故隐患判定标准条目（按发现日期施行的版本，默认今天），末项为“其他（依据…）”。"""
    return service.major_items(session, user, enterprise_id, found_on)


@router.get("/export.xlsx", **file_download("隐患台账", XLSX))
def export_ledger(session: ReadSession, user: CurrentUser, f: Filters) -> FileResponse:
    """导出隐患台账（与列表相同的筛选条件）。"""
    return xlsx_response(lambda fh: exporter.write_ledger(session, user, f, fh), "隐患台账", "hazard-ledger")


@router.get("/export.csv", **file_download("隐患台账（CSV）", CSV))
def export_ledger_csv(session: ReadSession, user: CurrentUser, f: Filters) -> FileResponse:
    """导出隐患台账为 CSV（UTF-8，Excel/WPS 可直接打开；数据量大时比 .xlsx 快数倍）。"""
    return xlsx_response(
        lambda fh: exporter.write_ledger(session, user, f, fh, "csv"), "隐患台账", "hazard-ledger", ".csv"
    )


@router.get("/stats")
def statistics(
    session: ReadSession,
    user: CurrentUser,
    f: Filters,
    by: Literal["region", "industry", "month", "enterprise"] = "region",
) -> list[dict[str, Any]]:
    """按行政区、行业、月份或企业统计：发现、销号、整改率、逾期、未销号重大隐患。"""
    return ledger.statistics(session, user, by, f, f.found_from, f.found_to)


@router.get("/reports/{kind}.xlsx", **file_download("季报或年报统计分析表", XLSX))
def periodic_report(
    kind: Literal["quarterly", "annual"],
    session: DbSession,
    user: CurrentUser,
    year: Annotated[int, Query(ge=2000, le=2100)],
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    enterprise_id: Id | None = None,
    region: Annotated[str | None, Query(max_length=12)] = None,
) -> FileResponse:
    """季报（下一季度15日前报送）或年报（次年1月31日前报送）统计分析表。"""
    if kind == "quarterly" and quarter is None:
        raise BadInput("季报须指定季度", field="quarter")
    q = quarter if kind == "quarterly" else None
    return xlsx_response(
        lambda fh: exporter.write_report(
            session, user, fh, year=year, quarter=q, enterprise_id=enterprise_id, region=region
        ),
        exporter.report_title(year, q),
        f"hazard-report-{year}" + (f"-q{q}" if q else ""),
    )


@router.get("/tips", response_model=list[s.TipOut])
def tip_inbox(
    session: DbSession,
    user: CurrentUser,
    status: Literal["pending", "accepted", "dismissed"] | None = "pending",
    cursor: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """辖区内的公众举报（待处理优先）。"""
    return tips.inbox(session, user, status, cursor, limit)


@router.post("/tips/{tip_id:int}/accept", response_model=s.HazardOut, status_code=201)
def accept_tip(tip_id: Id, body: s.TipAccept, session: DbSession, user: CurrentUser) -> Any:
    """受理举报，登记为企业隐患（来源：举报）。"""
    return service.to_out(tips.accept(session, user, tip_id, body), None)


@router.post("/tips/{tip_id:int}/dismiss", response_model=s.TipOut)
def dismiss_tip(tip_id: Id, body: s.TipDismiss, session: DbSession, user: CurrentUser) -> Any:
    """不予受理（须写明理由）。"""
    return tips.dismiss(session, user, tip_id, body)


@router.get("/{hazard_id:int}", response_model=s.HazardDetail)
def get_hazard(hazard_id: Id, session: DbSession, user: CurrentUser) -> Any:
    """隐患详情：当前可执行的操作、流转记录、延期申请、双报告。"""
    return service.detail(session, user, hazard_id)


@router.post("/{hazard_id:int}/transitions", response_model=s.HazardDetail)
def transition(hazard_id: Id, body: s.TransitionIn, session: DbSession, user: CurrentUser) -> Any:
    """执行一个流转操作（action 见 allowed_actions）；须带当前 version。"""
    service.transition(session, user, hazard_id, body)
    return service.detail(session, user, hazard_id)


# ---------------------------------------------------------------- public, no login


@public_router.post("/reports", response_model=s.TipReceipt, status_code=201)
def submit_tip(body: s.TipIn, request: Request, session: DbSession) -> Any:
    """公众举报事故隐患（无需登录；每个地址每小时最多 5 条）。回执码只返回这一次。"""
    tip, receipt = tips.submit(session, body, request.client.host if request.client else None)
    return {"id": tip.id, "receipt": tips.show_receipt(receipt), "detail": tips.SUBMITTED}


@public_router.post("/reports/status", response_model=s.TipStatusOut)
def tip_status(body: s.TipStatusIn, request: Request, session: DbSession) -> Any:
    """凭回执码查询举报的处理结果（无需登录；每个地址每小时最多查询 20 次）。"""
    found = tips.lookup(session, body.code, request.client.host if request.client else None)
    if found is None:
        session.commit()  # the failed look-up must still count against the limit
        raise NotFound(tips.UNKNOWN_RECEIPT, field="code")
    return found


@public_router.get("/regions")
def public_regions(session: DbSession, parent: Annotated[str | None, Query(max_length=12)] = None) -> Any:
    """举报时选择行政区：某一级的下级区划（名称和代码）。"""
    rows = (
        regions.list_regions(session, parent=parent)
        if parent
        else regions.list_regions(session, level="city")
    )
    return [{"code": r.code, "name": r.name, "level": r.level} for r in rows]


# ---------------------------------------------------------------- 排查 (investigation)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: Id
    enterprise_id: Id
    assignee_id: Id
    period_start: date
    due_on: date
    status: str
    is_missed: bool
    version: Id


@router.post("/checklists", status_code=201)
def create_checklist(body: investigation.ChecklistIn, session: DbSession, user: CurrentUser) -> Any:
    """生成排查清单：风险点管控措施 + 适用的重大事故隐患判定条目 + 自定义项。"""
    cl = investigation.create_checklist(session, user, body)
    items = investigation.checklist_items(session, user, cl.id)
    return {
        "id": cl.id,
        "name": cl.name,
        "items": [
            {
                "id": i.id,
                "seq": i.seq,
                "kind": i.kind,
                "content": i.content,
                "risk_point_id": i.risk_point_id,
                "control_measure_id": i.control_measure_id,
                "major_item": i.major_item,
            }
            for i in items
        ],
    }


@router.post("/check-plans", status_code=201)
def create_plan(body: investigation.PlanIn, session: DbSession, user: CurrentUser) -> Any:
    """排查计划（谁、按什么频次、查哪张清单）；当期任务立即生成。"""
    plan = investigation.create_plan(session, user, body)
    return {"id": plan.id, "name": plan.name, "frequency": plan.frequency}


def _plan_out(session: DbSession, plan: Any) -> dict[str, Any]:
    return {
        "id": plan.id,
        "name": plan.name,
        "frequency": plan.frequency,
        "assignee_id": plan.assignee_id,
        "checklist_id": plan.checklist_id,
        "start_on": plan.start_on,
        "is_active": plan.is_active,
        "next_due": investigation.next_due(session, plan),
    }


@router.get("/check-plans")
def list_plans(session: DbSession, user: CurrentUser) -> Any:
    """排查计划（本企业的；监管人员为辖区内企业的），含下次排查截止日期。"""
    return [_plan_out(session, p) for p in investigation.list_plans(session, user)]


@router.post("/check-plans/from-measures", status_code=201)
def create_plan_from_measures(
    body: investigation.PlanFromMeasuresIn, session: DbSession, user: CurrentUser
) -> Any:
    """以所选风险点管控措施为清单制定排查计划；当期任务立即生成。"""
    return _plan_out(session, investigation.create_plan_from_measures(session, user, body))


@router.patch("/check-plans/{plan_id:int}")
def update_plan(plan_id: Id, body: investigation.PlanPatch, session: DbSession, user: CurrentUser) -> Any:
    """修改排查计划的名称、排查人、频次（未完成的任务改由新排查人执行）。"""
    return _plan_out(session, investigation.update_plan(session, user, plan_id, body))


@router.post("/check-plans/{plan_id:int}/deactivate")
def deactivate_plan(plan_id: Id, session: DbSession, user: CurrentUser) -> Any:
    """停用排查计划：不再生成新任务。"""
    return _plan_out(session, investigation.deactivate_plan(session, user, plan_id))


@router.get("/check-tasks", response_model=list[TaskOut])
def list_tasks(session: DbSession, user: CurrentUser, missed: bool | None = None) -> Any:
    """排查任务；missed=true 只看逾期未完成的。"""
    return investigation.list_tasks(session, user, missed)


@router.post("/check-tasks/{task_id:int}/perform")
def perform_task(task_id: Id, body: investigation.PerformIn, session: DbSession, user: CurrentUser) -> Any:
    """填写排查结果；不合格项自动登记为隐患。"""
    results = investigation.perform_task(session, user, task_id, body)
    return [{"item_id": r.item_id, "outcome": r.outcome, "hazard_id": r.hazard_id} for r in results]
