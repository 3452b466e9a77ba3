from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from app.attachments import service
from app.attachments.config import get_attachment_settings
from app.attachments.models import Attachment
from app.auth.deps import CurrentUser, DbSession
from app.errors import NotFound
from app.fields import Id
from app.openapi import file_download
from app.uploads import read_limited

router = APIRouter(prefix="/api/attachments", tags=["attachments"])


class AttachmentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: int
    sha256: str
    mime: str
    size: int
    original_name: str
    enterprise_id: Id | None


@router.post("", response_model=AttachmentOut, status_code=201)
def upload(
    session: DbSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="JPEG、PNG 或 WebP 图片")],
    enterprise_id: Annotated[Id | None, Form(description="监管人员上传时须指定企业")] = None,
) -> Attachment:
    """上传一张照片（按内容识别格式，去除 EXIF 后保存）。"""
    with read_limited(file, get_attachment_settings().photo_max_bytes) as stream:
        return service.save_image(session, user, stream, file.filename or "", enterprise_id)


@router.get("/{attachment_id:int}/meta", response_model=AttachmentOut)
def meta(attachment_id: Id, session: DbSession, user: CurrentUser) -> Attachment:
    return service.get_readable(session, user, attachment_id)


@router.get("/{attachment_id:int}", **file_download("图片", "image/jpeg", "image/png", "image/webp"))
def download(attachment_id: Id, session: DbSession, user: CurrentUser) -> FileResponse:
    """附件内容，仅在可见范围内提供（范围外与不存在一样回答 404）。"""
    att = service.get_readable(session, user, attachment_id)
    path = service.file_path(att)
    if not path.exists():
        raise NotFound(f"附件 {attachment_id} 的文件已丢失")
    ext = att.mime.split("/")[1]
    return FileResponse(
        path,
        media_type=att.mime,
        filename=f"attachment-{att.id}.{ext}",
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )
