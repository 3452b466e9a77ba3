"""Request and response bodies of the risk register API."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from app.fields import Flag, Id, Input, Lat, Lon, Patch
from app.risks.models import CHECK_FREQUENCIES, CONTROL_LEVELS, MEASURE_KINDS, POINT_TYPES, UNIT_TYPES

Method = Literal["lec", "ls", "mes"]


def _choice(table: dict[str, str], *also: str) -> WithJsonSchema:
    """Text that takes a key of table or its Chinese label: service.keyed decides, the schema lists them."""
    return WithJsonSchema({"type": "string", "enum": [*table, *table.values(), *also]})


PointType = Annotated[str, _choice(POINT_TYPES)]
MeasureKind = Annotated[str, _choice(MEASURE_KINDS)]
ControlLevel = Annotated[str, _choice(CONTROL_LEVELS, *(f"{label}级" for label in CONTROL_LEVELS.values()))]
CheckFrequency = Annotated[str, _choice(CHECK_FREQUENCIES)]
UnitType = Annotated[str, _choice(UNIT_TYPES)]


class PointIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="风险点名称")
    point_type: PointType = Field(
        description="类型：设备设施、作业活动、场所区域、工艺（或 equipment/activity/area/process）"
    )
    location: str | None = Field(default=None, max_length=300)
    lon: Lon | None = Field(default=None, description="WGS84 经度，可选")
    lat: Lat | None = Field(default=None, description="WGS84 纬度，可选")
    department: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=100, description="岗位")
    responsible_person: str = Field(min_length=1, max_length=50)
    hazard_factors: list[str] = Field(default_factory=list, description="GB/T 13861-2022 代码或名称")
    accident_types: list[str] = Field(default_factory=list, description="GB 6441-1986 事故类别")
    exposed_people: int = Field(default=0, ge=0, le=100000)
    emergency_actions: str | None = Field(default=None, max_length=2000)
    emergency_phone: str | None = Field(default=None, max_length=30)
    major_hazard_unit_id: Id | None = Field(
        default=None,
        description="所属重大危险源辨识单元（本企业）；构成重大危险源时评价自动按“涉及重大危险源”直接判定",
    )


class PointUpdate(Patch):
    clearable = frozenset(
        {
            "location",
            "lon",
            "lat",
            "department",
            "post",
            "emergency_actions",
            "emergency_phone",
            "major_hazard_unit_id",
        }
    )
    model_config = ConfigDict(str_strip_whitespace=True)

    version: Id = Field(description="乐观锁版本号")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    point_type: PointType | None = None
    location: str | None = Field(default=None, max_length=300)
    lon: Lon | None = None
    lat: Lat | None = None
    department: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=100)
    responsible_person: str | None = Field(default=None, min_length=1, max_length=50)
    hazard_factors: list[str] | None = None
    accident_types: list[str] | None = None
    exposed_people: int | None = Field(default=None, ge=0, le=100000)
    emergency_actions: str | None = Field(default=None, max_length=2000)
    emergency_phone: str | None = Field(default=None, max_length=30)
    major_hazard_unit_id: Id | None = Field(default=None, description="所属辨识单元；填 null 解除关联")


class DirectFlags(Input):
    model_config = ConfigDict(extra="forbid")

    violates_mandatory: Flag | None = None
    accident_conditions_persist: Flag | None = Field(
        default=None, description="不填时按本企业事故记录判断（同类事故有死亡或重伤）"
    )
    involves_major_hazard_source: Flag | None = Field(
        default=None, description="不填时按风险点所属辨识单元判断（在用且构成重大危险源）"
    )
    toxic_explosive_fire: Flag | None = None


class AssessmentIn(Input):
    method: Method
    inputs: dict[str, float] = Field(description='评价取值，如 {"L": 3, "E": 6, "C": 15}')
    residual: dict[str, float] | None = Field(default=None, description="采取管控措施后的取值（残余风险）")
    direct: DirectFlags | None = None
    rule_set: str | None = Field(default=None, max_length=80, description='"id@version"，不填按辖区自动选用')
    assessed_on: date | None = None
    assessor: str | None = Field(default=None, max_length=50)


class MeasureIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: MeasureKind = Field(description="工程技术、管理、培训教育、个体防护、应急处置")
    description: str = Field(min_length=1, max_length=2000)
    control_level: ControlLevel | None = Field(
        default=None, description="公司、车间、班组、岗位；不填按风险等级取默认"
    )
    responsible_person: str = Field(min_length=1, max_length=50)
    check_frequency: CheckFrequency = Field(description="日、周、月、季、年")


class MeasureUpdate(Patch):
    clearable = frozenset({"control_level"})
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: MeasureKind | None = None
    description: str | None = Field(default=None, min_length=1, max_length=2000)
    control_level: ControlLevel | None = None
    responsible_person: str | None = Field(default=None, min_length=1, max_length=50)
    check_frequency: CheckFrequency | None = None
    is_active: Flag | None = None


class SubstanceIn(Input):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    cas: str | None = Field(default=None, max_length=20)
    category: str | list[str] | None = None
    quantity_t: float | None = Field(default=None, description="设计最大量（吨）")


class UnitIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    unit_type: UnitType = Field(description="生产单元 或 储存单元（production / storage）")
    substances: list[SubstanceIn] = Field(min_length=1)
    exposed_people: int = Field(default=0, ge=0, le=100000, description="500 m 范围内常住人口")


class UnitUpdate(Patch):
    version: Id
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit_type: UnitType | None = None
    substances: list[SubstanceIn] | None = Field(default=None, min_length=1)
    exposed_people: int | None = Field(default=None, ge=0, le=100000)
    is_active: Flag | None = None


class AccidentIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    occurred_on: date
    accident_type: str
    deaths: int = Field(default=0, ge=0, le=10000)
    serious_injuries: int = Field(default=0, ge=0, le=10000)
    minor_injuries: int = Field(default=0, ge=0, le=10000)
    note: str | None = Field(default=None, max_length=2000)


class MeasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    risk_point_id: Id
    kind: str
    description: str
    control_level: str
    responsible_person: str
    check_frequency: str
    is_active: bool


class AssessmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    risk_point_id: Id
    method: str
    rule_set: str
    inputs: dict[str, Any]
    score: float | None
    level: str
    is_major: bool
    is_direct: bool
    residual_score: float | None
    residual_level: str | None
    trace: list[dict[str, Any]]
    residual_trace: list[dict[str, Any]] | None
    assessor: str
    assessed_on: date
    is_current: bool
    created_at: datetime


class PointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: Id
    name: str
    point_type: str
    location: str | None
    lon: float | None
    lat: float | None
    department: str | None
    post: str | None
    responsible_person: str
    hazard_factors: list[str]
    accident_types: list[str]
    exposed_people: int
    emergency_actions: str | None
    emergency_phone: str | None
    major_hazard_unit_id: Id | None
    level: str | None
    version: Id
    updated_at: datetime


class UnitBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    is_major: bool
    grade: int | None
    is_active: bool


class PointDetail(PointOut):
    measures: list[MeasureOut]
    current_assessment: AssessmentOut | None
    major_hazard_unit: UnitBrief | None


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: Id
    name: str
    unit_type: str
    substances: list[dict[str, Any]]
    exposed_people: int
    is_major: bool
    grade: int | None
    s: float | None
    r: float | None
    rule_set: str
    trace: list[dict[str, Any]]
    is_active: bool
    version: Id


class AccidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: Id
    occurred_on: date
    accident_type: str
    deaths: int
    serious_injuries: int
    minor_injuries: int
    note: str | None
