"""The OpenAPI document tells the truth about errors: every 4xx answer has the project's error body."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "所有错误响应的格式",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "错误类别，如 ValidationError、NotFound"},
        "detail": {"type": "string", "description": "中文说明"},
        "field": {"type": "string", "description": "出错的字段（如有）"},
        "fields": {
            "type": "array",
            "description": "校验错误：逐字段说明",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": "请求无效",
    "401": "未登录或登录已过期",
    "403": "无权限",
    "404": "不存在（或不在本人可见范围内）",
    "409": "版本冲突或状态不允许",
    "413": "请求或文件过大",
    "422": "输入有误（field 指出字段）",
    "429": "请求过于频繁",
}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def install(app: FastAPI) -> None:
    """Replace FastAPI's default 422 (HTTPValidationError) with the error body, on every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in doc.get("paths", {}).values():
            for method, op in item.items():
                if method in _METHODS:
                    responses = op.setdefault("responses", {})
                    for code, text in ERRORS.items():
                        responses[code] = {"description": text, "content": body}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
