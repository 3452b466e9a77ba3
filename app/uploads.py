"""Uploads are read in chunks and refused as soon as they pass the size limit."""

import tempfile
from typing import IO

from fastapi import UploadFile

from app.config import get_settings
from app.errors import TooLarge

CHUNK = 1024 * 1024


def read_limited(upload: UploadFile, max_bytes: int | None = None) -> IO[bytes]:
    limit = max_bytes or get_settings().max_upload_bytes
    out = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - returned to the caller
    size = 0
    while chunk := upload.file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            out.close()
            raise TooLarge(f"文件超过大小限制 {limit // (1024 * 1024)} MB", field="file")
        out.write(chunk)
    out.seek(0)
    return out
