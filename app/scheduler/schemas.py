from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_name: str
    scheduled_for: datetime
    manual: bool
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, Any] | None
    error: str | None
    host: str | None


class JobOut(BaseModel):
    name: str
    trigger: str
    description: str
    last_run: JobRunOut | None


class JobRunPage(BaseModel):
    items: list[JobRunOut]
    next_cursor: int | None
