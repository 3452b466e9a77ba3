"""Request bodies of the campaigns and 安全提示 API (limits on every field)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.campaigns.models import MAX_TEXT
from app.fields import Id, Input
from app.hazards.schemas import HazardIn

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^(\d{6}|\d{9}|\d{12})$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Industry = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class PhaseIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    ends_on: date


class OwnItemIn(Strict):
    text: Text
    industries: Annotated[list[Industry], Field(max_length=50)] = []


class Scope(Strict):
    industries: Annotated[list[Industry], Field(max_length=50)] = []
    regions: Annotated[list[RegionCode], Field(max_length=200, description="默认：发文部门所在行政区")] = []
    tags: Annotated[list[Tag], Field(max_length=20)] = []


class CampaignIn(Strict):
    title: Title
    basis_number: Short | None = Field(default=None, description="依据文件文号")
    basis_date: date | None = None
    scope: Scope = Scope()
    starts_on: date
    ends_on: date
    phases: Annotated[list[PhaseIn], Field(max_length=10)] | None = Field(
        default=None, description="省略：按 rules/policies/campaigns.yaml 的默认阶段和比例划分"
    )
    report_phase: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        default=None, description="自查报告截止所在阶段；省略用政策默认（自查自改）"
    )
    include_catalogue: bool = Field(
        default=True, description="检查清单纳入适用行业的重大事故隐患判定标准条目"
    )
    catalogue_codes: Annotated[list[Code], Field(max_length=500)] | None = Field(
        default=None, description="只纳入这些判定标准条目（省略：全部适用条目）"
    )
    own_items: Annotated[list[OwnItemIn], Field(max_length=200)] = []
    target_coverage: Annotated[int, Field(ge=1, le=100)] | None = None
    major_zero_by: date | None = None


class ProblemHazard(HazardIn):
    """The hazard a problem becomes (the enterprise is the report's; the source defaults to 专业排查)."""

    source: Literal["routine", "comprehensive", "specialist", "seasonal", "holiday", "restart"] = "specialist"  # type: ignore[assignment]


class AnswerIn(Strict):
    result: Literal["ok", "problem", "na"]
    note: Text | None = None
    photos: Annotated[list[Id], Field(max_length=20)] = []
    hazard: ProblemHazard | None = Field(
        default=None, description="发现问题时登记为隐患（进入本企业隐患台账）"
    )


class ReportAction(Strict):
    note: Text | None = Field(default=None, description="退回时必填：退回原因")
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class NoticeIn(Strict):
    title: Title | None = Field(default=None, description="省略时用模板标题")
    body: Text | None = Field(default=None, description="省略时用模板正文")
    template: Annotated[str, StringConstraints(max_length=30)] | None = None
    scope: Scope = Scope()
    enterprise_ids: Annotated[list[Id], Field(max_length=5000)] = Field(
        default=[], description="指定企业（与范围条件取交集；省略则按范围）"
    )
    attachments: Annotated[list[Id], Field(max_length=10)] = []
    ack_deadline: datetime | None = Field(
        default=None, description="叫应截止时间；省略按模板或政策默认小时数"
    )


class AckIn(Strict):
    reply: Text | None = Field(default=None, description="回复落实情况（可选）")
