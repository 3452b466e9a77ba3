"""HTTP for monitoring: points, device tokens, ingest (device-authenticated), alarms, 包保责任人, 承诺公告."""

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, BaseModel, ValidationError

from app.auth.deps import CurrentUser, DbSession
from app.errors import BadInput
from app.fields import Id, QueryDate
from app.monitoring import alarms, ingest, service
from app.monitoring.schemas import (
    AlarmActionIn,
    DailyCommitmentIn,
    DeviceTokenIn,
    MonitoringPointIn,
    MonitoringPointPatch,
    ReadingBatchIn,
    UnitResponsiblesIn,
)
from app.monitoring.settings import get_monitoring_settings

router = APIRouter(tags=["重大危险源监测"])
public_router = APIRouter(tags=["public"])
DeviceToken = Annotated[
    str | None, Header(alias="X-Device-Token", description="企业的设备令牌（采集网关）", max_length=200)
]
Limit = Annotated[int, Query(ge=1, le=500)]


# ---------------------------------------------------------------- points


@router.post("/api/monitoring/points", status_code=201)
def create_point(body: MonitoringPointIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    point = service.create_point(session, user, body)
    return service.point_out(point, None)


@router.get("/api/monitoring/points")
def list_points(
    session: DbSession,
    user: CurrentUser,
    enterprise_id: Id | None = None,
    unit_id: Id | None = None,
    after_id: Id | None = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    return service.list_points(
        session, user, enterprise_id=enterprise_id, unit_id=unit_id, after_id=after_id, limit=limit
    )


@router.get("/api/monitoring/points/{point_id}")
def get_point(point_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    point = service.get_point(session, user, point_id)
    return service.point_out(point, service.last_readings(session, [point.id]).get(point.id))


@router.patch("/api/monitoring/points/{point_id}")
def update_point(
    point_id: Id, body: MonitoringPointPatch, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    point = service.update_point(session, user, point_id, body)
    return service.point_out(point, None)


@router.get("/api/monitoring/points/{point_id}/readings")
def point_readings(
    point_id: Id,
    session: DbSession,
    user: CurrentUser,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=20000)] = 20000,
) -> dict[str, Any]:
    return service.history(session, user, point_id, since, until, limit)


@router.get(
    "/api/monitoring/points/{point_id}/chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "SVG 曲线图"}},
)
def point_chart(
    point_id: Id,
    session: DbSession,
    user: CurrentUser,
    hours: Annotated[int, Query(ge=1, le=24 * 31, description="最近多少小时")] = 24,
) -> Response:
    """测点历史曲线（服务端 SVG，含报警限）。"""
    svg = service.history_chart(session, user, point_id, hours)
    return Response(svg, media_type="image/svg+xml")


# ---------------------------------------------------------------- device tokens


@router.get("/api/monitoring/enterprises/{enterprise_id}/device-tokens")
def list_tokens(enterprise_id: Id, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return service.list_tokens(session, user, enterprise_id)


@router.post("/api/monitoring/enterprises/{enterprise_id}/device-tokens", status_code=201)
def issue_token(
    enterprise_id: Id,
    body: DeviceTokenIn,
    session: DbSession,
    user: CurrentUser,
    rotate: Annotated[bool, Query(description="true：吊销本企业其他在用令牌（轮换）")] = False,
) -> dict[str, Any]:
    service.enterprises.get_readable(session, user, enterprise_id)
    return service.issue_token(session, user, enterprise_id, body.name, rotate=rotate)


@router.delete("/api/monitoring/device-tokens/{token_id}", status_code=204)
def revoke_token(token_id: Id, session: DbSession, user: CurrentUser) -> None:
    service.revoke_token(session, user, token_id)


# ---------------------------------------------------------------- ingest


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its (non-recursive) $defs put in place, for openapi_extra."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


# The body is parsed by pydantic-core straight from the bytes (model_validate_json): FastAPI's json.loads
# and then validation of the Python objects cost ~3.5 ms of CPU a batch of 500, this ~1 ms. Errors keep
# FastAPI's form (RequestValidationError, loc under "body").
@router.post(
    "/api/monitoring/ingest",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": _inline_schema(ReadingBatchIn)}},
            "required": True,
        }
    },
)
async def ingest_json(
    request: Request, session: DbSession, x_device_token: DeviceToken = None
) -> dict[str, Any]:
    """一批读数（JSON）。以 X-Device-Token 认证；同一测点同一时间的重复读数被忽略（幂等）。"""
    from fastapi.concurrency import run_in_threadpool

    raw = await request.body()
    try:
        body = ReadingBatchIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None

    def work() -> dict[str, Any]:
        enterprise_id = service.device_enterprise(session, x_device_token)
        batch = [ingest.RawReading(r.tag, r.point_id, r.ts, r.value) for r in body.readings]
        return ingest.ingest(session, enterprise_id, batch)

    return await run_in_threadpool(work)


def _parse_csv(text: str) -> list[ingest.RawReading]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "ts" not in header or "value" not in header or not ({"tag", "point_id"} & set(header)):
        raise BadInput("body：CSV 首行应为列名 tag（或 point_id）,ts,value", field="body")
    col = {name: header.index(name) for name in header}
    out: list[ingest.RawReading] = []
    limit = get_monitoring_settings().max_batch
    for n, row in enumerate(reader, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(out) >= limit:
            raise BadInput(f"body：一批最多 {limit} 条读数", field="readings")
        if len(row) != len(header):
            raise BadInput(f"第 {n} 行：应有 {len(header)} 列", field=f"line {n}")
        try:
            ts = datetime.fromisoformat(row[col["ts"]].strip())
        except ValueError:
            raise BadInput(f"第 {n} 行 ts：应为 ISO 8601 时间", field=f"line {n}.ts") from None
        if ts.tzinfo is None:
            raise BadInput(f"第 {n} 行 ts：须带时区（如 +08:00）", field=f"line {n}.ts")
        try:
            value = float(row[col["value"]])
        except ValueError:
            raise BadInput(f"第 {n} 行 value：应为数值", field=f"line {n}.value") from None
        if not -1e9 <= value <= 1e9:
            raise BadInput(f"第 {n} 行 value：超出范围", field=f"line {n}.value")
        tag = row[col["tag"]].strip() if "tag" in col else None
        pid: int | None = None
        if tag is None or tag == "":
            tag = None
            raw = row[col["point_id"]].strip() if "point_id" in col else ""
            if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
                raise BadInput(f"第 {n} 行：应给出 tag 或 point_id", field=f"line {n}.point")
            pid = int(raw)
        elif len(tag) > 50:
            raise BadInput(f"第 {n} 行 tag：最多 50 个字符", field=f"line {n}.tag")
        out.append(ingest.RawReading(tag, pid, ts, value))
    return out


@router.post(
    "/api/monitoring/ingest.csv",
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {"schema": {"type": "string", "maxLength": 1048576}}},
            "required": True,
        }
    },
)
async def ingest_csv(
    request: Request, session: DbSession, x_device_token: DeviceToken = None
) -> dict[str, Any]:
    """一批读数（CSV：tag,ts,value）。"""
    from fastapi.concurrency import run_in_threadpool

    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("body：CSV 应为 UTF-8 编码", field="body") from None
    if "\x00" in text:
        raise BadInput("body：CSV 不能包含 NUL 字符", field="body")

    def work() -> dict[str, Any]:
        enterprise_id = service.device_enterprise(session, x_device_token)
        return ingest.ingest(session, enterprise_id, _parse_csv(text))

    return await run_in_threadpool(work)


# ---------------------------------------------------------------- alarms


@router.get("/api/monitoring/alarms")
def list_alarms(
    session: DbSession,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=20)] = None,
    open_only: bool = True,
    enterprise_id: Id | None = None,
    after_id: Id | None = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    return alarms.list_alarms(
        session,
        user,
        state=state,
        open_only=open_only,
        enterprise_id=enterprise_id,
        after_id=after_id,
        limit=limit,
    )


@router.get("/api/monitoring/alarms/{alarm_id}")
def get_alarm(alarm_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return alarms.detail(session, user, alarms.get_alarm(session, user, alarm_id))


@router.post("/api/monitoring/alarms/{alarm_id}/actions")
def alarm_action(alarm_id: Id, body: AlarmActionIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    alarm = alarms.act(session, user, alarm_id, body.action, body.version, body.note)
    return alarms.detail(session, user, alarm)


# ---------------------------------------------------------------- 包保责任人 and 承诺公告


@router.get("/api/monitoring/units/{unit_id}/responsibles")
def get_responsibles(unit_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.responsibles(session, user, unit_id)


@router.put("/api/monitoring/units/{unit_id}/responsibles")
def put_responsibles(
    unit_id: Id, body: UnitResponsiblesIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return service.set_responsibles(session, user, unit_id, body)


@router.post("/api/monitoring/commitments", status_code=201)
def file_commitment(body: DailyCommitmentIn, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.commitment_out(service.file_commitment(session, user, body))


@router.get("/api/monitoring/commitments")
def list_commitments(
    session: DbSession, user: CurrentUser, enterprise_id: Id | None = None, limit: Limit = 30
) -> list[dict[str, Any]]:
    return service.list_commitments(session, user, enterprise_id, limit)


@public_router.get("/api/public/monitoring/enterprises/{enterprise_id}/commitment")
def public_commitment(enterprise_id: Id, session: DbSession, day: QueryDate | None = None) -> dict[str, Any]:
    """企业公示牌：最新（或指定日期）的安全风险研判与承诺公告。"""
    return service.public_commitment(session, enterprise_id, day)


@public_router.get("/public/monitoring/enterprises/{enterprise_id}/commitment", response_class=HTMLResponse)
def public_commitment_page(request: Request, enterprise_id: Id, session: DbSession) -> HTMLResponse:
    from app.monitoring.pages import commitment_page

    return commitment_page(request, service.public_commitment(session, enterprise_id))
