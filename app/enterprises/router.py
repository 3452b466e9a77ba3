from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from app.auth.deps import CurrentUser, DbSession
from app.enterprises import exporter, importer, service
from app.enterprises.models import Enterprise
from app.enterprises.schemas import EnterpriseIn, EnterpriseOut, EnterprisePage, EnterpriseUpdate, Status
from app.fields import Id
from app.openapi import XLSX, file_download
from app.spreadsheets import xlsx_response
from app.uploads import read_limited

router = APIRouter(prefix="/api/enterprises", tags=["enterprises"])


@router.get("/industries")
def industries(_: CurrentUser) -> dict[str, str]:
    """行业目录：代码 → 名称。"""
    return service.industries()


@router.get("", response_model=EnterprisePage)
def list_enterprises(
    session: DbSession,
    user: CurrentUser,
    region: str | None = None,
    industry: str | None = None,
    status: Status | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EnterprisePage:
    items = service.list_enterprises(
        session, user, region=region, industry=industry, status=status, q=q, after_id=cursor, limit=limit
    )
    next_cursor = items[-1].id if len(items) == limit else None
    return EnterprisePage(items=[EnterpriseOut.model_validate(e) for e in items], next_cursor=next_cursor)


@router.get("/{enterprise_id:int}", response_model=EnterpriseOut)
def get_enterprise(enterprise_id: Id, session: DbSession, user: CurrentUser) -> Enterprise:
    return service.get_readable(session, user, enterprise_id)


@router.post("", response_model=EnterpriseOut, status_code=201)
def create_enterprise(body: EnterpriseIn, session: DbSession, user: CurrentUser) -> Enterprise:
    return service.create_enterprise(session, user, body)


@router.patch("/{enterprise_id:int}", response_model=EnterpriseOut)
def update_enterprise(
    enterprise_id: Id, body: EnterpriseUpdate, session: DbSession, user: CurrentUser
) -> Enterprise:
    return service.update_enterprise(session, user, enterprise_id, body)


@router.post("/import")
def import_enterprises(
    session: DbSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description=".xlsx 或 .csv（UTF-8 或 GBK）")],
    valid_rows_only: Annotated[
        bool, Form(description="只导入无错误的行；默认有任何错误则全部不导入")
    ] = False,
) -> JSONResponse:
    """批量导入企业，按统一社会信用代码幂等更新，返回逐行错误报告。"""
    with read_limited(file) as stream:
        report = importer.import_stream(
            session, user, stream, file.filename or "", valid_rows_only=valid_rows_only
        )
    status = 422 if not report.written else 200
    body = report.as_dict()
    if not report.written:
        body = {"error": "ImportRejected", "detail": report.summary(), **body}
    return JSONResponse(body, status_code=status)


@router.get("/export.xlsx", **file_download("企业名录", XLSX))
def export_enterprises(session: DbSession, user: CurrentUser) -> FileResponse:
    """导出可见范围内的企业名录（.xlsx，与导入格式相同）。"""
    return xlsx_response(lambda fh: exporter.write_xlsx(session, user, fh), "企业名录", "enterprises")
