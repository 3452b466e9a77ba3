"""create_app(): routers, error handlers, static assets."""

import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import openapi
from app.accidents.router import router as accidents_router
from app.assessment.router import router as assessment_router
from app.attachments.router import router as attachments_router
from app.audit.router import router as audit_router
from app.auth.deps import current_principal
from app.auth.router import router as auth_router
from app.campaigns.router import router as campaigns_router
from app.config import get_settings
from app.credit.router import router as credit_router
from app.db import database_unavailable
from app.documents.router import router as documents_router
from app.enforcement.router import router as enforcement_router
from app.enterprises.router import router as enterprises_router
from app.errors import AppError
from app.fields import RequestLimits
from app.hazards.router import public_router as hazards_public_router
from app.hazards.router import router as hazards_router
from app.mapping.router import router as mapping_router
from app.monitoring.router import public_router as monitoring_public_router
from app.monitoring.router import router as monitoring_router
from app.notifications.router import router as notifications_router
from app.regions.router import router as regions_router
from app.risks.router import router as risks_router
from app.rules_engine.router import router as rules_router
from app.scheduler.router import router as scheduler_router
from app.supervision.router import router as supervision_router
from app.web.common import error_page
from app.web.headers import SecurityHeaders
from app.web.router import router as web_router

log = logging.getLogger("shuangkong")
DB_RETRY_AFTER_SECONDS = 5

_LOC_PREFIXES = ("body", "query", "path", "form", "header")


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOC_PREFIXES:
        parts = parts[1:]
    return ".".join(parts) or "body"


_BOUNDS = {
    "greater_than_equal": "应不小于 {}",
    "greater_than": "应大于 {}",
    "less_than_equal": "应不大于 {}",
    "less_than": "应小于 {}",
}


# Pydantic's own error kinds, said in Chinese (custom kinds already carry a Chinese message).
_KIND_MESSAGES = {
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文本",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_from_datetime_inexact": "应为 YYYY-MM-DD 格式的日期",
    "datetime_type": "应为日期时间（如 2026-01-31T08:00:00+08:00）",
    "datetime_parsing": "应为日期时间（如 2026-01-31T08:00:00+08:00）",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数过多",
    "decimal_max_places": "小数位数过多",
    "dict_type": "应为对象（键值对）",
    "model_type": "应为对象（键值对）",
    "model_attributes_type": "应为对象（键值对）",
    "list_type": "应为数组",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "union_tag_invalid": "类型取值无效",
    "union_tag_not_found": "缺少类型字段",
    "enum": "取值无效",
    "url_parsing": "应为网址",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
}


def _validation_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in ("string_too_long", "too_long"):
        return f"过长，最多 {ctx.get('max_length')} 个字符"
    if kind in ("string_too_short", "too_short"):
        return f"过短，至少 {ctx.get('min_length')} 个字符"
    if kind == "literal_error":
        return f"取值无效，应为 {ctx.get('expected')}"
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(*ctx.values())
    if kind == "finite_number":
        return "应为有限的数字（不接受 inf、nan）"
    if kind.startswith("float") or kind.startswith("int"):
        return "应为数字"
    if kind == "string_pattern_mismatch":
        return f"格式不符合要求（{ctx.get('pattern')}）"
    if kind in ("enum", "union_tag_invalid") and ctx.get("expected"):
        return f"取值无效，应为 {ctx['expected']}"
    if kind in _KIND_MESSAGES:
        return _KIND_MESSAGES[kind]
    return str(err.get("msg", "取值无效"))


def _wants_page(request: Request) -> bool:
    """A browser navigating to a page (Accept: text/html), not an API client: /api/... stays JSON."""
    path = request.url.path
    if path == "/api" or path.startswith(("/api/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_secret()
    app = FastAPI(
        title="双控 shuangkong",
        description="安全风险分级管控和隐患排查治理双重预防机制服务",
        version="0.1.0",
    )

    @app.exception_handler(AppError)
    def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": _field_name(e["loc"]), "message": _validation_message(e)} for e in exc.errors()]
        detail = "；".join(f"{f['field']}：{f['message']}" for f in fields)
        return JSONResponse(
            {"error": "ValidationError", "detail": detail, "field": fields[0]["field"], "fields": fields},
            status_code=422,
        )

    @app.exception_handler(StaleDataError)
    def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(
            {"error": "Conflict", "detail": "记录已被他人修改，请刷新后重试", "field": "version"},
            status_code=409,
        )

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "页面或接口不存在", 405: "不支持的请求方法"}
        detail = messages.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Pages outside the API document keep the Allow that Starlette computed.
            headers["Allow"] = openapi.allowed_methods(request.app, request.url.path) or headers.get(
                "Allow", ""
            )
        if _wants_page(request):  # a person's browser on a page URL: the Chinese error page
            if exc.status_code == 404:
                detail = "没有找到这个页面，请检查网址，或从首页进入。"
            response = error_page(request, exc.status_code, detail)
            response.headers.update(headers)
            return response
        return JSONResponse(
            {"error": "HTTPError", "detail": detail}, status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"error": "InternalError", "detail": "服务器内部错误，已记录日志"}, status_code=500
        )

    @app.exception_handler(DBAPIError)
    def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not database_unavailable(exc):
            return _unexpected(request, exc)
        log.warning("database unavailable: %s", exc.orig)
        return JSONResponse(
            {"error": "ServiceUnavailable", "detail": "数据库暂时不可用，请稍后重试"},
            status_code=503,
            headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
        )

    routers = (
        auth_router,
        regions_router,
        enterprises_router,
        audit_router,
        risks_router,
        hazards_router,
        hazards_public_router,
        attachments_router,
        supervision_router,
        campaigns_router,
        enforcement_router,
        accidents_router,
        assessment_router,
        documents_router,
        credit_router,
        notifications_router,
        scheduler_router,
        mapping_router,
        monitoring_router,
        monitoring_public_router,
        web_router,
    )
    for router in routers:
        app.include_router(router)
    # Rule sets are public standards, but reading and previewing them is for signed-in users.
    app.include_router(rules_router, dependencies=[Depends(current_principal)])
    app.add_middleware(RequestLimits)
    openapi.install(app)
    app.mount("/static", StaticFiles(packages=[("app.web", "static")]), name="static")
    app.add_middleware(SecurityHeaders)
    return app
