"""The OpenAPI document tells the truth about errors: every 4xx answer has the project's error body."""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from app.fields import SINGLE_LINE_PATTERN, forbid_control_chars_in_schema

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
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def file_download(description: str, *media_types: str) -> dict[str, Any]:
    """Route arguments for an operation that answers with a file: the document names its real media types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "response_class": Response,
        "responses": {200: {"description": description, "content": {m: dict(binary) for m in media_types}}},
    }


_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def install(app: FastAPI) -> None:
    """Replace FastAPI's default 422 (HTTPValidationError) with the error body, on every operation.

    Parameters carry the control-character pattern that RequestLimits applies.
    """

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
                    # RequestLimits refuses control characters in every query value and in the path.
                    for param in op.get("parameters", []):
                        forbid_control_chars_in_schema(param.get("schema", {}))
                    responses = op.setdefault("responses", {})
                    for code, text in ERRORS.items():
                        responses[code] = {"description": text, "content": body}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> str:
    """The Allow header of a 405: every documented method at this path.

    Starlette's own lists only the first route that matched the path, not all of them.
    """
    patterns: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow_patterns", None)
    if patterns is None:
        patterns = []
        for template, item in app.openapi().get("paths", {}).items():
            operations = [op for m, op in item.items() if m in _METHODS]
            # What each path parameter may look like: digits for ids, the declared pattern, else one segment.
            shapes = {}
            for op in operations:
                for p in op.get("parameters", []):
                    if p["in"] == "path":
                        schema = p["schema"]
                        pattern = schema.get("pattern", SINGLE_LINE_PATTERN)
                        if schema.get("type") == "integer":
                            shapes[p["name"]] = "[0-9]+"
                        elif pattern != SINGLE_LINE_PATTERN:
                            shapes[p["name"]] = pattern.removeprefix("^").removesuffix("$")
            regex = ""
            for part in re.split(r"(\{[^}]+\})", template):
                regex += f"(?:{shapes.get(part[1:-1], '[^/]+')})" if part.startswith("{") else re.escape(part)
            patterns.append((re.compile(regex), {m.upper() for m in item if m in _METHODS}))
        app.state.allow_patterns = patterns
    methods = set().union(*(m for pattern, m in patterns if pattern.fullmatch(path)))
    return ", ".join(sorted(methods))
