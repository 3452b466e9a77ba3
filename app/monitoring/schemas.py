"""Request bodies of the monitoring API (responses are plain dicts built in service.py)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.fields import SINGLE_LINE_PATTERN, Flag, Id, Input, Patch

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Limit = Annotated[float, Field(ge=-1e9, le=1e9)]
Quantity = Literal["temperature", "pressure", "level", "flammable_gas", "toxic_gas"]
Interval = Annotated[int, Field(ge=1, le=86400, description="采样周期（秒）")]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class MonitoringPointIn(Strict):
    """新增监测点。"""

    unit_id: Id = Field(description="所属重大危险源（辨识单元编号）")
    tag: Tag = Field(description="位号，企业内唯一，如 TI-101")
    name: ShortText = Field(description="名称，如 1#液氯储罐温度")
    quantity: Quantity = Field(description="监测量：温度、压力、液位、可燃气体、有毒气体")
    limit_ll: Limit | None = Field(None, description="低低报警值")
    limit_l: Limit | None = Field(None, description="低报警值")
    limit_h: Limit | None = Field(None, description="高报警值")
    limit_hh: Limit | None = Field(None, description="高高报警值")
    interval_seconds: Interval = 5


class MonitoringPointPatch(Patch, Strict):
    clearable = frozenset({"limit_ll", "limit_l", "limit_h", "limit_hh"})

    version: Id = Field(description="客户端看到的版本号；与当前不符时返回 409")
    name: ShortText | None = None
    limit_ll: Limit | None = None
    limit_l: Limit | None = None
    limit_h: Limit | None = None
    limit_hh: Limit | None = None
    interval_seconds: Interval | None = None
    is_active: Flag | None = None


# The ingest hot path: a reading is checked entirely inside pydantic-core (no Python validator per field,
# which cost ~17 ms a batch of 500); the tag's control-character rule is a pattern instead.
SingleLineTag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=SINGLE_LINE_PATTERN)
]


class MonitoringReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    tag: SingleLineTag | None = Field(None, description="测点位号（与 point_id 二选一）")
    point_id: Id | None = Field(None, description="测点编号（与 tag 二选一）")
    ts: AwareDatetime = Field(description="采样时间，ISO 8601，须带时区")
    value: Limit


# A plain model too: Input's validator would walk the 500 readings again in Python (~0.5 ms a batch) to
# find what MonitoringReadingIn's own rules already refuse.
class ReadingBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: Annotated[list[MonitoringReadingIn], Field(min_length=1, max_length=5000)]


class DeviceTokenIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = "采集网关"


class AlarmActionIn(Strict):
    action: Literal["acknowledge", "dispose", "clear"]
    version: Id
    note: Text | None = Field(None, description="处置措施（记录处置时必填）")


class ResponsiblePersonIn(Strict):
    name: Name
    position: ShortText | None = None
    phone: Phone | None = None
    user_id: Id | None = Field(None, description="对应的企业用户（接收报警通知）")


class UnitResponsiblesIn(Strict):
    main: ResponsiblePersonIn = Field(description="主要负责人")
    technical: ResponsiblePersonIn = Field(description="技术负责人")
    operation: ResponsiblePersonIn = Field(description="操作负责人")


Count = Annotated[int, Field(ge=0, le=10000)]


class DailyCommitmentIn(Strict):
    """安全风险研判与承诺公告（每日一份）。"""

    day: date | None = Field(None, description="公告日期（上海日期），默认今日")
    units_running: Count
    units_stopped: Count
    special_work: dict[
        Literal[
            "hot_work",
            "confined_space",
            "blind_plate",
            "height",
            "lifting",
            "temporary_power",
            "excavation",
            "road_break",
        ],
        Count,
    ] = Field(default_factory=dict, description="当日特殊作业数量（按 GB 30871 八类）")
    normal_operation: Flag = Field(description="重大危险源是否处于正常运行状态（安全可控）")
    risk_summary: Text = Field(description="研判结论")
    signed_by: Name = Field(description="承诺人（主要负责人）姓名")
