"""Request bodies of the 事故 and 应急 API (responses are plain dicts built in the services)."""

import re
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from app.accidents.models import ExpertFieldCode
from app.fields import MAX_AMOUNT, REGION_CODE, Id, Input, Lat, Lon, Patch

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
People = Annotated[int, Field(ge=0, le=10000)]
Money = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
Photos = Annotated[list[Id], Field(max_length=20)]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class AccidentReportIn(Strict):
    """事故报告：企业报告或监管部门登记一起生产安全事故。"""

    enterprise_id: Id
    occurred_at: datetime = Field(description="事故发生时间（带时区，如 2026-12-03T08:30:00+08:00）")
    place: ShortText = Field(description="事故发生地点")
    accident_type: ShortText = Field(description="事故类别（GB 6441-1986，如 中毒和窒息）")
    special_kind: Literal["road_traffic", "fire"] | None = Field(
        None, description="道路交通事故 road_traffic / 火灾事故 fire（续报期限7日）"
    )
    deaths: People = 0
    serious_injuries: People = 0
    minor_injuries: People = 0
    direct_loss_yuan: Money = Field(0, description="初步估计的直接经济损失（元）")
    summary: Text = Field(description="事故简要经过和已经采取的措施")
    photos: Photos = []


class ReportStepIn(Strict):
    """逐级上报：记录事故已报告至某一级监管部门的时间。"""

    tier: Literal["county", "city", "province", "ministry"]
    reported_at: datetime = Field(description="报告时间（带时区）")
    note: Text | None = None


class AccidentUpdateIn(Strict):
    """续报：伤亡人数或直接经济损失发生变化。"""

    deaths: People
    serious_injuries: People
    minor_injuries: People
    direct_loss_yuan: Money
    note: Text = Field(description="续报说明")


class AccidentActionIn(Strict):
    """One investigation action; which fields are needed depends on the action (see docs/accidents.md)."""

    note: Text | None = Field(None, description="说明")
    team: Text | None = Field(None, description="事故调查组组成（开始调查时必填）")
    extension_days: Annotated[int, Field(ge=1, le=60)] | None = Field(
        None, description="延长调查期限的天数（最长60日）"
    )
    causes: Text | None = Field(None, description="事故发生的原因和事故性质")
    responsibility: Text | None = Field(None, description="事故责任的认定以及对事故责任者的处理建议")
    measures: Annotated[list[Text], Field(max_length=50)] | None = Field(
        None, description="事故防范和整改措施（每项一条）"
    )
    reply_authority: ShortText | None = Field(None, description="批复的人民政府")
    closed_on: date | None = Field(None, description="批复（结案）日期，缺省为今天")
    evaluated_on: date | None = Field(None, description="评估完成日期，缺省为今天")
    summary: Text | None = Field(None, description="整改评估结论（公开摘要）")
    measure_results: (
        Annotated[dict[str, Literal["done", "partly", "not_done"]], Field(max_length=50)] | None
    ) = Field(None, description="各项整改措施的评估结果：{措施编号: done/partly/not_done}")


class MeasureDoneIn(Strict):
    done_on: date
    note: Text


class EmergencyPlanIn(Strict):
    """应急预案（综合/专项）或现场处置方案。"""

    enterprise_id: Id
    kind: Literal["comprehensive", "special", "onsite"]
    title: ShortText
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    review_kind: Literal["review", "argument"] | None = Field(None, description="评审 review / 论证 argument")
    reviewed_on: date | None = None
    published_on: date | None = Field(None, description="主要负责人签署公布的日期")
    attachments: Photos = []


class PlanPublishIn(Strict):
    published_on: date


class PlanFileIn(Strict):
    filed_on: date
    filed_with: ShortText = Field(description="受理备案的部门")


class PlanEvaluateIn(Strict):
    evaluated_on: date
    note: Text = Field(description="评估结论（是否需要修订）")


class DrillIn(Strict):
    held_on: date
    form: Literal["field", "tabletop"] = Field(description="实战演练 field / 桌面演练 tabletop")
    scenario: ShortText = Field(description="演练情景")
    participants: Annotated[int, Field(ge=1, le=100000)]
    evaluation: Text | None = Field(None, description="演练评估")
    improvements: Text | None = Field(None, description="改进措施")
    photos: Photos = []


Category = Literal["material", "equipment"]
Quantity = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
RegionCodeText = Annotated[str, StringConstraints(pattern=f"^({REGION_CODE})$")]
# 手机 11 digits, or 固定电话 with area code (0xx-xxxxxxxx) and an optional extension.
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$"


def _phone(value: str) -> str:
    if not re.fullmatch(PHONE_PATTERN, value):
        raise PydanticCustomError("phone_format", "应为11位手机号或带区号的固定电话（如 0571-87654321）")
    return value


Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_phone),
    Field(
        description="手机号（11位）或带区号的固定电话，如 0571-87654321",
        json_schema_extra={"pattern": PHONE_PATTERN},
    ),
]
ExpertField = ExpertFieldCode
Availability = Literal["available", "busy", "retired"]


class ResourceIn(Strict):
    """应急物资或装备：企业登记本单位的，监管部门登记本部门的（不填 enterprise_id）。"""

    enterprise_id: Id | None = Field(None, description="所属企业；不填为监管部门的物资")
    region_code: RegionCodeText | None = Field(None, description="部门物资所属行政区划，缺省为本人所在区划")
    name: Name = Field(description="物资或装备名称")
    category: Category = Field(description="应急物资 material / 应急装备 equipment")
    storage_place: ShortText = Field(description="存放地点")
    quantity: Quantity
    unit: Unit = Field(description="计量单位，如 件、套、吨")
    expires_on: date | None = Field(None, description="有效期至（无有效期不填）")
    lon: Lon | None = Field(None, description="WGS84 经度，可选（与纬度同时填写）")
    lat: Lat | None = Field(None, description="WGS84 纬度，可选")
    note: Text | None = None


class ResourcePatch(Patch):
    model_config = ConfigDict(extra="forbid")
    clearable: ClassVar[frozenset[str] | None] = frozenset({"expires_on", "lon", "lat", "note"})

    name: Name | None = None
    category: Category | None = None
    storage_place: ShortText | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    expires_on: date | None = None
    lon: Lon | None = Field(None, description="WGS84 经度，可选（与纬度同时填写）")
    lat: Lat | None = Field(None, description="WGS84 纬度，可选")
    note: Text | None = None


class ExpertIn(Strict):
    """专家库：一名应急专家。"""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    field: ExpertField = Field(description="专业领域（固定列表，见 docs/accidents.md）")
    region_code: RegionCodeText | None = Field(None, description="所属行政区划，缺省为本人所在区划")
    organisation: ShortText = Field(description="工作单位")
    phone: Phone
    availability: Availability = Field(
        "available", description="可调用 available / 暂不可调用 busy / 已退出 retired"
    )
    note: Text | None = None


class ExpertPatch(Patch):
    model_config = ConfigDict(extra="forbid")
    clearable: ClassVar[frozenset[str] | None] = frozenset({"note"})

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    field: ExpertField | None = None
    organisation: ShortText | None = None
    phone: Phone | None = None
    availability: Availability | None = None
    note: Text | None = None
