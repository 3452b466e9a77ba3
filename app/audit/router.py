from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from app.audit import service
from app.auth.deps import CurrentUser, DbSession
from app.fields import Id

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    enterprise_id: Id | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


@router.get("", response_model=list[AuditOut])
def list_audit(
    session: DbSession,
    user: CurrentUser,
    entity: str | None = None,
    entity_id: str | None = None,
    before_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[Any]:
    """审计日志：管理员可见全部，其他用户仅见其范围内的记录。"""
    return service.list_entries(
        session, user, entity=entity, entity_id=entity_id, before_id=before_id, limit=limit
    )
