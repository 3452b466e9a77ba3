"""Limits on what clients may send, in one place: ids, cursors, text, numbers and PATCH nulls.

Every request body derives from `Input` (or `Patch` for partial updates); path and query ids use `Id`.
"""

import json
import re
from datetime import date
from typing import Annotated, Any, ClassVar
from urllib.parse import parse_qsl

from annotated_types import Ge, Le
from fastapi import Path as PathParam
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError
from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import AppError, BadInput, NotFound, TooLarge

# Ids are INTEGER columns (32-bit on PostgreSQL): anything outside cannot name a row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]


def _iso_date_text(value: Any) -> Any:
    # Pydantic would read a bare number as a Unix timestamp (on=0 → 1970-01-01); a person means a date.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("date_format", "应为 YYYY-MM-DD 格式的日期")
    return value


# A date given in a query string: YYYY-MM-DD only.
QueryDate = Annotated[date, BeforeValidator(_iso_date_text)]
# A yes/no answer: JSON true or false only (pydantic would also read 0, 1, "yes" or "off").
Flag = Annotated[bool, Strict()]
# Coordinates inside China; regions.service refuses others with a message that names the range.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
Lon = Annotated[float, WithJsonSchema({"type": "number", "minimum": CHINA_LON[0], "maximum": CHINA_LON[1]})]
Lat = Annotated[float, WithJsonSchema({"type": "number", "minimum": CHINA_LAT[0], "maximum": CHINA_LAT[1]})]
# An administrative division code (GB/T 2260 six digits; township nine, village twelve). In a route path
# write {code:region_code}: another shape matches no route (404, or 405 beside /import), as for ids.
REGION_CODE = r"\d{6}|\d{9}|\d{12}"
RegionCode = Annotated[
    str, PathParam(pattern=f"^({REGION_CODE})$", description="行政区划代码（6、9 或 12 位数字）")
]


class _RegionCodeConvertor(Convertor[str]):
    regex = REGION_CODE

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("region_code", _RegionCodeConvertor())
# Numbers a person would type for a count of people, tonnage or money: finite and of plausible size.
MAX_AMOUNT = 10**12

# C0 controls and DEL; tab, newline and carriage return are allowed in multi-line fields only.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Free-text fields (描述、措施、说明、理由…) in which tab and line breaks are kept.
MULTILINE_FIELDS = frozenset(
    {
        "description",
        "major_reason",
        "measures",
        "emergency_plan",
        "emergency_actions",
        "note",
        "reason",
        "commitments",
        "requirements",
        "goals",
        "methods",
        "funds_and_materials",
        "organisation",
        "timeline",
        "safety_measures",
        "status_and_cause",
        "harm_and_difficulty",
        "governance_plan",
    }
)


# The same rule as a JSON Schema pattern, so the OpenAPI document says what is refused.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
MULTILINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_NOT_TEXT_FORMATS = {"binary", "date", "date-time", "time", "duration", "uuid"}


def forbid_control_chars_in_schema(schema: dict[str, Any], *, multiline: bool = False) -> None:
    """Give every plain string in a JSON Schema fragment the control-character pattern (in place)."""
    plain = "pattern" not in schema and "enum" not in schema and schema.get("format") not in _NOT_TEXT_FORMATS
    if schema.get("type") == "string" and plain:
        schema["pattern"] = MULTILINE_PATTERN if multiline else SINGLE_LINE_PATTERN
    if schema.get("type") == "object" and schema.get("additionalProperties", True) is not False:
        schema.setdefault("propertyNames", {"pattern": SINGLE_LINE_PATTERN})
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            forbid_control_chars_in_schema(sub, multiline=multiline)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            # Keys of a mapping are always single-line; values follow the field.
            forbid_control_chars_in_schema(schema[key], multiline=multiline)


def _document_limits(schema: dict[str, Any], model: type) -> None:
    """JSON Schema of an Input: the control-character rule, and no `null` where Patch refuses it."""
    clearable: frozenset[str] | None = getattr(model, "clearable", None)
    multiline: frozenset[str] = getattr(model, "multiline", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if clearable is not None and name not in clearable and "anyOf" in prop:
            options = [o for o in prop["anyOf"] if o.get("type") != "null"]
            if len(options) < len(prop["anyOf"]):
                del prop["anyOf"]
                prop.pop("default", None)
                if len(options) == 1:
                    prop.update(options[0])
                else:
                    prop["anyOf"] = options
        forbid_control_chars_in_schema(prop, multiline=name in multiline)


def control_char(text: str, *, multiline: bool = False) -> str | None:
    """The first forbidden control character in text, or None."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    return found.group() if found else None


def without_control_chars(text: str) -> str:
    """Text with every control character removed (for names taken from files, not typed)."""
    return _CONTROL.sub("", text)


def _check(value: Any, multiline: bool) -> None:
    if isinstance(value, str):
        bad = control_char(value, multiline=multiline)
        if bad is not None:
            allowed = "（仅允许换行和制表符）" if multiline else "（此字段须为单行文本）"
            raise PydanticCustomError(
                "control_character",
                "不能包含控制字符 U+{code}{allowed}",
                {"code": f"{ord(bad):04X}", "allowed": allowed},
            )
    elif isinstance(value, list | tuple | set):
        for v in value:
            _check(v, multiline)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, False)
            _check(v, multiline)


class Input(BaseModel):
    """A request body: numbers must be finite, text free of control characters.

    Free-text fields that may span several lines are named in `multiline` (one list for the project).
    """

    model_config = ConfigDict(allow_inf_nan=False, json_schema_extra=_document_limits)
    multiline: ClassVar[frozenset[str]] = MULTILINE_FIELDS
    # None: `null` is accepted wherever the type allows it. A set: partial update, see Patch.
    clearable: ClassVar[frozenset[str] | None] = None

    @field_validator("*", mode="after")
    @classmethod
    def _check_value(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if value is None and cls.clearable is not None and name not in cls.clearable:
            raise PydanticCustomError("null_not_allowed", "不能为 null（此项不能清空；不修改请省略该字段）")
        _check(value, name in cls.multiline)
        return value


class Patch(Input):
    """A partial update: an omitted field stays as it is; `null` clears only the fields in `clearable`.

    `null` for any other field is refused with a 422 naming it.
    """

    clearable: ClassVar[frozenset[str] | None] = frozenset()


# ---------------------------------------------------------------- the request itself


def _json_response(status: int, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    data = json.dumps(body, ensure_ascii=False).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
    }
    return start, {"type": "http.response.body", "body": data}


def _query_problem(scope: Scope) -> AppError | None:
    if control_char(scope.get("path", "")) is not None:
        return NotFound("页面或接口不存在")
    query = scope.get("query_string", b"").decode("latin-1")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return BadInput("查询参数不是有效的 UTF-8 编码", field="query")
    for name, value in pairs:
        if control_char(name) is not None or control_char(value) is not None:
            return BadInput(f"{name}：不能包含控制字符", field=name)
    return None


class RequestLimits:
    """ASGI middleware: request bodies within size (413), no control characters in the path or query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _query_problem(scope)
        headers = dict(scope.get("headers") or [])
        limit, too_large = _body_limit(headers.get(b"content-type", b""))
        length = headers.get(b"content-length", b"")
        if problem is None and length.isdigit() and int(length) > limit:
            problem = too_large
        if problem is not None:
            for message in _json_response(problem.status_code, problem.body()):
                await send(message)
            return
        received = 0
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not answered:
                    answered = True
                    for reply in _json_response(too_large.status_code, too_large.body()):
                        await send(reply)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not answered:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _body_limit(content_type: bytes) -> tuple[int, TooLarge]:
    """The byte limit for this kind of body, and the answer when it is exceeded."""
    settings = get_settings()
    if content_type.startswith(b"multipart/"):
        # The file plus 1 MB of form fields; the person chose a file, so name the file limit.
        limit = settings.max_upload_bytes + 1024 * 1024
        return limit, TooLarge(f"文件超过大小限制 {settings.max_upload_mb} MB", field="file")
    limit = settings.max_body_kb * 1024
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return limit, TooLarge(f"请求内容过大，最多 {size}", field="body")
