"""HTTP API of the rules engine (mounted by the lead, who adds authentication)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from app.errors import BadInput
from app.fields import QueryDate
from app.rules_engine import service
from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError, RuleSetNotFound
from app.timeutil import local_today

router = APIRouter(prefix="/api/rules", tags=["rules"])


@router.get("/sets")
def list_sets() -> list[dict[str, Any]]:
    return service.list_rule_sets()


@router.get("/sets/{set_id}", response_model=None)
def get_set(set_id: str, version: str | None = None) -> dict[str, Any] | JSONResponse:
    try:
        return service.get_rule_set(set_id, version)
    except RuleSetNotFound as exc:
        return JSONResponse(status_code=404, content={"error": "RuleSetNotFound", "detail": exc.detail})


@router.post("/evaluate", response_model=None)
def evaluate(case: Any = Body(...)) -> dict[str, Any] | JSONResponse:
    """Body: one case as in `shuangkong rules eval`. An invalid case answers 422 RuleInputError."""
    try:
        return evaluate_case(case).to_dict()
    except RuleInputError as exc:
        return JSONResponse(status_code=422, content={"error": "RuleInputError", "detail": exc.detail})


@router.get("/calendar")
def calendar(
    start: QueryDate | None = None, working_days: Annotated[int | None, Query(ge=-3650, le=3650)] = None
) -> dict[str, Any]:
    """节假日数据来源：上一年至下一年及规则文件中各年份用的是哪个来源；给出 start 和 working_days 时，
    另算出期限日期和计算所经各年份的来源（期限按哪份节假日安排计算）。"""
    from app import workdays

    today = local_today()
    years = sorted({today.year - 1, today.year, today.year + 1, *workdays.rule_file_years()})
    out: dict[str, Any] = {"years": [workdays.calendar_source(y) for y in years]}
    if start is not None:
        if working_days is None:
            raise BadInput("给出 start 时须同时给出 working_days（工作日数）", field="working_days")
        end, sources = workdays.add_days_explained(start, working_days, "working_days")
        out["deadline"] = {
            "start": start.isoformat(),
            "working_days": working_days,
            "end": end.isoformat(),
            "sources": sources,
        }
    return out
