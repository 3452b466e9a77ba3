"""HTTP API of the rules engine (mounted by the lead, who adds authentication)."""

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from app.rules_engine import service
from app.rules_engine.engine import evaluate_case
from app.rules_engine.errors import RuleInputError, RuleSetNotFound

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
