from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.fields import Id, Input, Lat, Lon, Patch

Status = Literal["operating", "suspended", "closed"]
Scale = Literal["above", "below"]
Crs = Literal["wgs84", "gcj02"]


class EnterpriseIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    credit_code: str = Field(max_length=40, description="统一社会信用代码")
    name: str = Field(min_length=2, max_length=200)
    industry: str = Field(description="行业代码，见 GET /api/enterprises/industries")
    scale: Scale = "below"
    address: str | None = Field(default=None, max_length=300)
    lon: Lon | None = None
    lat: Lat | None = None
    crs: Crs = Field(default="wgs84", description="坐标系：wgs84 或 gcj02（高德/腾讯坐标）")
    township_code: str | None = Field(default=None, description="所属乡镇(街道)代码，可选；用于核对坐标")
    department: str | None = Field(default=None, max_length=100)
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=30)
    status: Status = "operating"


class EnterpriseUpdate(Patch):
    clearable = frozenset(
        {"address", "lon", "lat", "township_code", "department", "contact_name", "contact_phone"}
    )
    model_config = ConfigDict(str_strip_whitespace=True)

    version: Id = Field(description="乐观锁版本号，取自读取时的 version")
    name: str | None = Field(default=None, min_length=2, max_length=200)
    industry: str | None = None
    scale: Scale | None = None
    address: str | None = Field(default=None, max_length=300)
    lon: Lon | None = None
    lat: Lat | None = None
    crs: Crs = "wgs84"
    township_code: str | None = None
    department: str | None = Field(default=None, max_length=100)
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=30)
    status: Status | None = None


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    credit_code: str
    name: str
    industry: str
    scale: str
    address: str | None
    lon: float | None
    lat: float | None
    region_code: str | None
    department: str | None
    contact_name: str | None
    contact_phone: str | None
    status: str
    is_demo: bool
    version: Id
    updated_at: datetime


class EnterprisePage(BaseModel):
    items: list[EnterpriseOut]
    next_cursor: int | None
