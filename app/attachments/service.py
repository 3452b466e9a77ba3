"""Image attachments: checked by content, re-encoded without EXIF, stored once per content hash."""

import hashlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.attachments.config import get_attachment_settings
from app.attachments.models import Attachment
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Forbidden, NotFound
from app.fields import without_control_chars

# Pillow format → (MIME type, save options). Anything else is refused.
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("image/jpeg", {"quality": 90}),
    "PNG": ("image/png", {"optimize": False}),
    "WEBP": ("image/webp", {"quality": 90}),
}
# Decoded memory is bounded: at most 40 Mpx (≈160 MB as RGBA) per image, two images decoded at a time;
# what is stored is at most MAX_SIDE pixels on its longer side.
MAX_PIXELS = 40_000_000
MAX_SIDE = 4096
_DECODING = threading.BoundedSemaphore(2)
MAX_NAME = 255


def uploads_dir() -> Path:
    return get_attachment_settings().directory


def file_path(att: Attachment) -> Path:
    return uploads_dir() / att.sha256[:2] / att.sha256


def _clean_image(stream: IO[bytes]) -> tuple[bytes, str]:
    """Re-encode the image with its orientation applied and no metadata (EXIF carries GPS, device)."""
    try:
        with _DECODING, Image.open(stream) as img:
            fmt = img.format or ""
            if fmt not in FORMATS:
                raise BadInput("只接受 JPEG、PNG 或 WebP 图片", field="file")
            if img.width * img.height > MAX_PIXELS:  # read from the header, before decoding
                raise BadInput(f"图片像素过多（{img.width}×{img.height}），最多 4000 万像素", field="file")
            if fmt == "JPEG":
                img.draft(img.mode, (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale where possible
            img.load()
            if max(img.size) > MAX_SIDE:
                img.thumbnail((MAX_SIDE, MAX_SIDE))
            upright = ImageOps.exif_transpose(img) or img
            if fmt == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)  # a fresh image: no info dict, no EXIF, no ICC/XMP text chunks
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise BadInput("文件不是可识别的图片（只接受 JPEG、PNG 或 WebP）", field="file") from exc
    mime, options = FORMATS[fmt]
    out = io.BytesIO()
    clean.save(out, format=fmt, **options)
    return out.getvalue(), mime


def _store(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    target = uploads_dir() / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return digest


def save_image(
    session: Session,
    user: Principal,
    stream: IO[bytes],
    original_name: str,
    enterprise_id: int | None,
) -> Attachment:
    """Store one uploaded image for an enterprise (enterprise users: always their own)."""
    if user.role == "township":
        raise Forbidden("乡镇(街道)用户为只读权限")
    if user.role == "enterprise":
        enterprise_id = user.enterprise_id
    if enterprise_id is not None:
        enterprises.get_readable(session, user, enterprise_id)
    data, mime = _clean_image(stream)
    digest = _store(data)
    att = Attachment(
        sha256=digest,
        mime=mime,
        size=len(data),
        original_name=(without_control_chars(original_name) or "photo")[:MAX_NAME],
        enterprise_id=enterprise_id,
        uploaded_by=user.id or None,
    )
    session.add(att)
    session.flush()
    audit.record(
        session,
        user,
        "upload",
        "attachment",
        att.id,
        after={"sha256": digest, "mime": mime, "size": len(data)},
        enterprise_id=enterprise_id,
    )
    return att


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """Attachments of readable enterprises, plus the caller's own uploads; for inspectors also the
    photos of public 举报 in their region (the department that receives the 举报)."""
    if user.is_admin:
        return stmt
    in_scope = Attachment.enterprise_id.in_(enterprises.readable(select(Enterprise.id), user))
    if user.role == "inspector" and user.region_path:
        tip_photo = Attachment.region_path.like(f"{user.region_path}%")
        return stmt.where(or_(in_scope, Attachment.uploaded_by == user.id, tip_photo))
    return stmt.where(or_(in_scope, Attachment.uploaded_by == user.id))


def claim_for_region(session: Session, ids: list[int], region_path: str) -> list[int]:
    """Give public uploads (no enterprise, no uploader, not yet claimed) to a 举报 of this region."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    free = set(
        session.scalars(
            select(Attachment.id).where(
                Attachment.id.in_(unique),
                Attachment.enterprise_id.is_(None),
                Attachment.uploaded_by.is_(None),
                Attachment.region_path.is_(None),
            )
        )
    )
    for att_id in unique:
        if att_id not in free:
            raise BadInput(f"照片 {att_id} 不存在或已用于其他举报，请重新选择", field="photo")
    session.execute(update(Attachment).where(Attachment.id.in_(unique)).values(region_path=region_path))
    return unique


def hand_to_enterprise(session: Session, user: Principal, ids: list[int], enterprise_id: int) -> None:
    """Photos of a 举报 accepted as a hazard of this enterprise: readable from now on like the hazard's."""
    for att in session.scalars(
        select(Attachment).where(Attachment.id.in_(ids), Attachment.enterprise_id.is_(None))
    ):
        att.enterprise_id = enterprise_id
        audit.record(
            session,
            user,
            "assign",
            "attachment",
            att.id,
            before={"enterprise_id": None},
            after={"enterprise_id": enterprise_id},
            enterprise_id=enterprise_id,
            region_path=att.region_path,
        )
    session.flush()


def get_readable(session: Session, user: Principal, attachment_id: int) -> Attachment:
    att = session.scalar(readable(select(Attachment).where(Attachment.id == attachment_id), user))
    if att is None:
        raise NotFound(f"附件 {attachment_id} 不存在")
    return att


def check_ids(
    session: Session, user: Principal, ids: list[int], enterprise_id: int, field: str = "attachments"
) -> list[int]:
    """Attachment ids given with a record: each must exist, be visible and belong to that enterprise."""
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    rows = session.execute(
        readable(select(Attachment.id, Attachment.enterprise_id).where(Attachment.id.in_(unique)), user)
    ).all()
    found = {row.id: row.enterprise_id for row in rows}
    for att_id in unique:
        if att_id not in found:
            raise BadInput(f"附件 {att_id} 不存在", field=field)
        if found[att_id] not in (enterprise_id, None):
            raise BadInput(f"附件 {att_id} 属于其他企业", field=field)
    return unique
