"""HTTP for the risk register: /api/risks/... (JSON, .xlsx) and /risks/... (printable pages)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.auth.deps import CurrentUser, DbSession, optional_principal
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.fields import Id, QueryDate
from app.grading import diagnosis
from app.grading import enterprise as grading
from app.grading.models import LEVEL_LABELS
from app.openapi import XLSX, file_download
from app.risks import catalogues, importer, pages, register, service
from app.risks.models import (
    CHECK_FREQUENCIES,
    CONTROL_LEVELS,
    MEASURE_KINDS,
    POINT_TYPES,
    UNIT_TYPES,
    Accident,
    ControlMeasure,
    MajorHazardUnit,
    RiskAssessment,
    RiskPoint,
    UnitEvent,
)
from app.risks.schemas import (
    AccidentIn,
    AccidentOut,
    AssessmentIn,
    AssessmentOut,
    MeasureIn,
    MeasureOut,
    MeasureUpdate,
    PointDetail,
    PointIn,
    PointOut,
    PointUpdate,
    UnitBrief,
    UnitIn,
    UnitOut,
    UnitUpdate,
)
from app.rules_engine import explain
from app.spreadsheets import download_headers
from app.uploads import read_limited

router = APIRouter(tags=["risks"])
API = "/api/risks"
MaybeUser = Annotated[Principal | None, Depends(optional_principal)]


@router.get(f"{API}/catalogues")
def get_catalogues(_: CurrentUser) -> dict[str, Any]:
    """受控清单：风险点类型、危险有害因素、事故类型、措施类别、管控层级、排查频次、默认管控层级。"""
    factors, accidents, policy = (
        catalogues.hazard_factors(),
        catalogues.accident_types(),
        catalogues.control_level_policy(),
    )
    return {
        "point_types": POINT_TYPES,
        "hazard_factors": {
            "ref": factors.ref,
            "citation": factors.citation.render(),
            "citation_note": factors.citation.note,
            "items": factors.by_code(),
        },
        "accident_types": {
            "ref": accidents.ref,
            "citation": accidents.citation.render(),
            "citation_note": accidents.citation.note,
            "items": accidents.names(),
        },
        "measure_kinds": MEASURE_KINDS,
        "control_levels": CONTROL_LEVELS,
        "check_frequencies": CHECK_FREQUENCIES,
        "unit_types": UNIT_TYPES,
        "default_control_levels": {"levels": policy.levels, "note": policy.note},
    }


@router.get(f"{API}/methods")
def methods(
    session: DbSession, user: CurrentUser, enterprise_id: Id | None = None, on: QueryDate | None = None
) -> dict[str, Any]:
    """各评价方法可用的规则集及其公布取值（表单下拉选项）；给出 enterprise_id 时按其辖区选默认规则集。"""
    return service.method_choices(session, user, enterprise_id, on)


# ---------------------------------------------------------------- points


@router.get(f"{API}/enterprises/{{enterprise_id}}/points", response_model=list[PointOut])
def list_points(
    enterprise_id: Id,
    session: DbSession,
    user: CurrentUser,
    level: str | None = None,
    cursor: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RiskPoint]:
    return service.list_points(session, user, enterprise_id, level=level, after_id=cursor, limit=limit)


@router.post(f"{API}/enterprises/{{enterprise_id}}/points", response_model=PointOut, status_code=201)
def create_point(enterprise_id: Id, body: PointIn, session: DbSession, user: CurrentUser) -> RiskPoint:
    return service.create_point(session, user, enterprise_id, body)


def _detail(session: Session, point: RiskPoint) -> PointDetail:
    current = service.current_assessment(session, point.id)
    unit = service.point_unit(session, point)
    return PointDetail.model_validate(
        {
            **PointOut.model_validate(point).model_dump(),
            "measures": [MeasureOut.model_validate(m) for m in point.measures],
            "current_assessment": AssessmentOut.model_validate(current) if current else None,
            "major_hazard_unit": UnitBrief.model_validate(unit) if unit else None,
        }
    )


@router.get(f"{API}/points/{{point_id}}", response_model=PointDetail)
def get_point(point_id: Id, session: DbSession, user: CurrentUser) -> PointDetail:
    return _detail(session, service.get_point(session, user, point_id, full=True))


@router.patch(f"{API}/points/{{point_id}}", response_model=PointOut)
def update_point(point_id: Id, body: PointUpdate, session: DbSession, user: CurrentUser) -> RiskPoint:
    return service.update_point(session, user, point_id, body)


@router.delete(f"{API}/points/{{point_id}}", status_code=204)
def delete_point(point_id: Id, session: DbSession, user: CurrentUser) -> Response:
    service.delete_point(session, user, point_id)
    return Response(status_code=204)


@router.post(f"{API}/points/{{point_id}}/assessments", response_model=AssessmentOut, status_code=201)
def assess(point_id: Id, body: AssessmentIn, session: DbSession, user: CurrentUser) -> RiskAssessment:
    return service.assess(session, user, point_id, body)


@router.get(f"{API}/points/{{point_id}}/assessments", response_model=list[AssessmentOut])
def assessment_history(point_id: Id, session: DbSession, user: CurrentUser) -> list[RiskAssessment]:
    return service.assessments(session, user, point_id)


@router.post(f"{API}/points/{{point_id}}/measures", response_model=MeasureOut, status_code=201)
def add_measure(point_id: Id, body: MeasureIn, session: DbSession, user: CurrentUser) -> ControlMeasure:
    return service.add_measure(session, user, point_id, body)


@router.patch(f"{API}/measures/{{measure_id}}", response_model=MeasureOut)
def update_measure(
    measure_id: Id, body: MeasureUpdate, session: DbSession, user: CurrentUser
) -> ControlMeasure:
    return service.update_measure(session, user, measure_id, body)


# ---------------------------------------------------------------- 重大危险源, accidents


@router.get(f"{API}/enterprises/{{enterprise_id}}/units", response_model=list[UnitOut])
def list_units(enterprise_id: Id, session: DbSession, user: CurrentUser) -> list[MajorHazardUnit]:
    return service.list_units(session, user, enterprise_id)


@router.post(f"{API}/enterprises/{{enterprise_id}}/units", response_model=UnitOut, status_code=201)
def create_unit(enterprise_id: Id, body: UnitIn, session: DbSession, user: CurrentUser) -> MajorHazardUnit:
    return service.create_unit(session, user, enterprise_id, body)


@router.patch(f"{API}/units/{{unit_id}}", response_model=UnitOut)
def update_unit(unit_id: Id, body: UnitUpdate, session: DbSession, user: CurrentUser) -> MajorHazardUnit:
    return service.update_unit(session, user, unit_id, body)


@router.get(f"{API}/units/{{unit_id}}/events")
def unit_events(unit_id: Id, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    events: list[UnitEvent] = service.unit_events(session, user, unit_id)
    return [
        {
            "kind": e.kind,
            "from_major": e.from_major,
            "to_major": e.to_major,
            "from_grade": e.from_grade,
            "to_grade": e.to_grade,
            "actor": e.actor,
            "at": e.at.isoformat(),
        }
        for e in events
    ]


@router.get(f"{API}/enterprises/{{enterprise_id}}/accidents", response_model=list[AccidentOut])
def list_accidents(enterprise_id: Id, session: DbSession, user: CurrentUser) -> list[Accident]:
    return service.list_accidents(session, user, enterprise_id)


@router.post(f"{API}/enterprises/{{enterprise_id}}/accidents", response_model=AccidentOut, status_code=201)
def record_accident(enterprise_id: Id, body: AccidentIn, session: DbSession, user: CurrentUser) -> Accident:
    return service.record_accident(session, user, enterprise_id, body)


# ---------------------------------------------------------------- register, board, level


@router.get(f"{API}/enterprises/{{enterprise_id}}/register.xlsx", **file_download("风险清单", XLSX))
def export_register(enterprise_id: Id, session: DbSession, user: CurrentUser) -> Response:
    """风险清单 .xlsx（与导入格式相同）。"""
    ent = enterprises.get_readable(session, user, enterprise_id)
    data = register.export_xlsx(session, ent.id, ent.name)
    return Response(
        data,
        media_type=XLSX,
        headers=download_headers(f"风险清单-{ent.name}", f"risk-register-{ent.credit_code}"),
    )


@router.post(f"{API}/enterprises/{{enterprise_id}}/import")
def import_register(
    enterprise_id: Id,
    session: DbSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="风险清单 .xlsx（与导出格式相同）")],
    valid_rows_only: Annotated[
        bool, Form(description="只导入无错误的行；默认有任何错误则全部不导入")
    ] = False,
) -> JSONResponse:
    with read_limited(file) as stream:
        report = importer.import_stream(
            session, user, enterprise_id, stream, file.filename or "", valid_rows_only=valid_rows_only
        )
    body = report.as_dict()
    if not report.written:
        return JSONResponse({"error": "ImportRejected", "detail": report.summary(), **body}, status_code=422)
    return JSONResponse(body)


@router.get(f"{API}/enterprises/{{enterprise_id}}/board")
def board(enterprise_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """安全风险公告栏（JSON）。"""
    ent = enterprises.get_readable(session, user, enterprise_id)
    return {"enterprise_id": ent.id, "enterprise_name": ent.name, **register.board(session, ent.id)}


def _level_out(row: Any) -> dict[str, Any]:
    return {
        "level": row.level,
        "level_label": LEVEL_LABELS[row.level],
        "rule_set": row.rule_set,
        "inputs": row.inputs,
        "explanation": [f"{t['step']}：{t['detail']}" for t in row.trace],
        "reasons": explain.sentences(row.trace),  # the same steps as sentences for users
        "trace": row.trace,
        "computed_at": row.computed_at.isoformat(),
        "is_current": row.is_current,
    }


@router.get(f"{API}/enterprises/{{enterprise_id}}/level")
def enterprise_level(enterprise_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """企业整体安全风险等级：当前等级、判定依据（中文）和历史。"""
    enterprises.get_readable(session, user, enterprise_id)
    rows = grading.history(session, enterprise_id)
    current = next((r for r in rows if r.is_current), None)
    return {
        "enterprise_id": enterprise_id,
        "current": _level_out(current) if current else None,
        "history": [_level_out(r) for r in rows],
    }


@router.post(f"{API}/enterprises/{{enterprise_id}}/hc-diagnoses", status_code=201)
def record_hc_diagnosis(
    enterprise_id: Id, body: diagnosis.DiagnosisIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """录入危险化学品企业安全风险评估诊断分级（应急〔2018〕19号）：评分条目、直接判定情形、评估日期。
    返回得分、等级和判定依据；企业整体等级随即重新计算。"""
    return diagnosis.diagnosis_out(diagnosis.record(session, user, enterprise_id, body))


@router.get(f"{API}/enterprises/{{enterprise_id}}/hc-diagnoses")
def list_hc_diagnoses(enterprise_id: Id, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """该企业的诊断分级记录，最新的在前；needs_reassessment 表示已超过三年、需重新评估。"""
    return [diagnosis.diagnosis_out(r) for r in diagnosis.history(session, user, enterprise_id)]


# ---------------------------------------------------------------- pages


def _point_url(request: Request, point_id: Id) -> str:
    return str(request.base_url).rstrip("/") + f"/risks/points/{point_id}"


@router.get("/risks/points/{point_id}/card", response_class=HTMLResponse, include_in_schema=False)
def notice_card(point_id: Id, request: Request, session: DbSession, user: MaybeUser) -> Response:
    """岗位风险告知卡（A4 打印页）。"""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    point = service.get_point(session, user, point_id, full=True)
    return HTMLResponse(pages.notice_card(session, point, _point_url(request, point.id)))


@router.get("/risks/points/{point_id}", response_class=HTMLResponse, include_in_schema=False)
def point_page(point_id: Id, session: DbSession, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    point = service.get_point(session, user, point_id)
    history = service.assessments(session, user, point_id)
    show_basis = user.role in ("inspector", "admin")
    return HTMLResponse(pages.point_page(session, point, history, show_basis=show_basis))


@router.get("/risks/enterprises/{enterprise_id}/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(enterprise_id: Id, session: DbSession, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    ent = enterprises.get_readable(session, user, enterprise_id)
    rows = grading.history(session, ent.id, limit=1)
    return HTMLResponse(pages.board_page(session, ent, rows[0].level if rows else None))
