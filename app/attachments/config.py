"""Settings of the attachment store (environment prefix SHUANGKONG_, like app.config)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from app.config import get_settings


class AttachmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_", env_file=".env", extra="ignore")

    photo_max_mb: int = 10
    # Uploads no record names (a form abandoned after its photo was saved) are deleted after this many
    # days by attachments.prune_unattached (project default 2; 0 keeps them).
    unattached_upload_days: int = 2
    # Default: <data_dir>/uploads.
    uploads_dir: Path | None = None

    @property
    def photo_max_bytes(self) -> int:
        return self.photo_max_mb * 1024 * 1024

    @property
    def directory(self) -> Path:
        return self.uploads_dir or get_settings().data_dir / "uploads"


@lru_cache
def get_attachment_settings() -> AttachmentSettings:
    return AttachmentSettings()
