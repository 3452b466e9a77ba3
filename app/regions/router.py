"""HTTP API for regions. Administrative boundaries are public reference data: any signed-in user reads."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.auth.deps import AdminUser, CurrentUser, DbSession
from app.config import get_settings
from app.errors import BadInput, NotFound, TooLarge
from app.fields import Lat, Lon, RegionCode
from app.regions import service
from app.regions.geo_import import CRS_CHOICES, import_geojson
from app.regions.models import Level

router = APIRouter(prefix="/api/regions", tags=["regions"])

_CHUNK = 256 * 1024
# Multipart framing and the small form fields around the file.
_MULTIPART_OVERHEAD = 64 * 1024
_FORM_FIELDS = {
    "crs": "wgs84",
    "code_property": "adcode",
    "name_property": "name",
    "level_property": "level",
    "parent_property": "parent_adcode",
}


@router.get("")
def list_regions(
    session: DbSession,
    _: CurrentUser,
    parent: Annotated[str | None, Query(max_length=12, description="上级区划代码")] = None,
    level: Annotated[Level | None, Query(description="province/city/county/township/village")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 5000,
) -> list[dict[str, Any]]:
    return [
        service.region_dict(r) for r in service.list_regions(session, parent=parent, level=level, limit=limit)
    ]


@router.get("/lookup")
def lookup(
    session: DbSession,
    _: CurrentUser,
    lon: Annotated[Lon, Query(description="经度")],
    lat: Annotated[Lat, Query(description="纬度")],
    crs: Annotated[Literal["wgs84", "gcj02"], Query(description="坐标系")] = "wgs84",
) -> dict[str, Any]:
    """The deepest imported region containing the point."""
    lon, lat = service.checked_wgs84(lon, lat, crs)
    region = service.locate_point(session, lon, lat)
    if region is None:
        raise NotFound(f"坐标（经度 {lon:.6f}，纬度 {lat:.6f}）不在任何已导入的行政区划内")
    out = service.region_dict(region)
    out["ancestors"] = [service.region_summary(r) for r in service.region_path(session, region.code)]
    out["wgs84"] = {"lon": lon, "lat": lat}
    return out


@router.post(
    "/import",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "GeoJSON FeatureCollection",
                            },
                            "crs": {"type": "string", "enum": list(CRS_CHOICES), "default": "wgs84"},
                            **{
                                name: {"type": "string", "default": default}
                                for name, default in _FORM_FIELDS.items()
                                if name != "crs"
                            },
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def import_regions(request: Request, session: DbSession, user: AdminUser) -> dict[str, Any]:
    """Import boundaries (admin only). All-or-nothing: any error → 422 listing every problem."""
    limit = get_settings().max_upload_bytes
    declared = request.headers.get("content-length")
    # Refuse before reading the body when the client already says it is too large.
    if declared and declared.isdigit() and int(declared) > limit + _MULTIPART_OVERHEAD:
        raise _too_large(limit)
    form = await request.form(max_files=1, max_fields=len(_FORM_FIELDS) + 1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise BadInput("请上传 GeoJSON 文件（表单字段 file）", field="file")
    data = await _read_limited(upload, limit)
    opts = {name: _form_text(form.get(name), default) for name, default in _FORM_FIELDS.items()}
    # Validation and geometry work are CPU-bound: keep them off the event loop.
    report = await run_in_threadpool(
        import_geojson,
        session,
        data,
        user,
        crs=opts["crs"],
        code_property=opts["code_property"],
        name_property=opts["name_property"],
        level_property=opts["level_property"],
        parent_property=opts["parent_property"],
        source=f"上传文件 {(upload.filename or '')[:200]}（{opts['crs']}）",
    )
    return report.as_dict()


def _form_text(value: object, default: str) -> str:
    return value.strip() if isinstance(value, str) and value.strip() else default


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    if not total:
        raise BadInput("上传的文件为空", field="file")
    return b"".join(chunks)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"上传文件超过 {limit / 1024 / 1024:g} MB 上限", field="file")


@router.get("/{code:region_code}")
def get_region(
    code: RegionCode,
    session: DbSession,
    _: CurrentUser,
    geometry: Annotated[bool, Query(description="附带 GeoJSON 几何（WGS84）")] = False,
) -> dict[str, Any]:
    region = service.get_region(session, code)
    out = service.region_dict(region, geometry=geometry)
    out["ancestors"] = [service.region_summary(r) for r in service.region_path(session, code)]
    return out
