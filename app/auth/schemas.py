from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from app.auth.models import ROLES
from app.fields import Id, Input


class LoginIn(Input):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserIn(Input):
    username: str = Field(min_length=2, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Annotated[str, WithJsonSchema({"type": "string", "enum": list(ROLES)})]
    display_name: str | None = Field(default=None, max_length=100)
    enterprise_id: Id | None = None
    region_code: str | None = None
    department: str | None = Field(default=None, max_length=100)
    industries: list[str] | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    enterprise_id: Id | None
    region_code: str | None
    department: str | None
    industries: list[str] | None = None
