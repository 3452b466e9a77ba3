"""Request and response bodies of the hazard API."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.fields import Flag, Id, Input
from app.hazards.models import MAX_TEXT

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Photos = Annotated[list[Id], Field(max_length=20)]
Source = Literal[
    "routine",
    "comprehensive",
    "specialist",
    "seasonal",
    "holiday",
    "restart",
    "accident_analogy",
    "external_expert",
    "enforcement",
    "tip",
    "self_check_task",
]
Grade = Literal["general", "major"]
State = Literal["reported", "rectifying", "awaiting_acceptance", "closed", "withdrawn"]
Category = Literal["management", "site"]


# “其他（依据…）”: the standard and the clause a 重大 call rests on when no encoded item fits.
BasisStandard = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
BasisClause = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class HazardIn(Strict):
    enterprise_id: Id | None = Field(default=None, description="企业用户可省略（默认本企业）")
    source: Source
    description: Text
    place: ShortText
    category: Category
    photos: Photos = []
    found_on: date | None = Field(default=None, description="默认今天（上海时间）")
    grade: Grade = "general"
    major_item: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = Field(
        default=None,
        description="重大事故隐患判定标准条目编号，如 GM-3-2（按发现日期施行的版本）；没有适用条目时填 OTHER",
    )
    major_reason: Text | None = Field(default=None, description="监管人员认定重大事故隐患的理由")
    major_basis_standard: BasisStandard | None = Field(
        default=None, description="major_item 为 OTHER 时必填：依据的标准或规定名称（≤200 字）"
    )
    major_basis_clause: BasisClause | None = Field(
        default=None, description="major_item 为 OTHER 时必填：依据的条款（≤100 字）"
    )
    risk_point_id: Id | None = None
    control_measure_id: Id | None = None


class GovernancePlan(Strict):
    """重大事故隐患治理方案（16号令 第十五条）的六项内容。"""

    goals: Text = Field(description="治理的目标和任务")
    methods: Text = Field(description="采取的方法和措施")
    funds_and_materials: Text = Field(description="经费和物资的落实")
    organisation: Text = Field(description="负责治理的机构和人员")
    timeline: Text = Field(description="治理的时限和要求")
    safety_measures: Text = Field(description="安全措施和应急预案")


class PlanIn(Strict):
    """整改方案：五落实（措施、责任人、资金、时限、应急预案）。"""

    measures: Text
    responsible: Name | None = None
    funds: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None
    deadline: date
    emergency_plan: Text | None = None
    governance: GovernancePlan | None = None


class Versioned(Strict):
    version: Id


class StartRectification(Versioned):
    action: Literal["start_rectification"]
    plan: PlanIn
    note: Text | None = None


class FixOnSpot(Versioned):
    action: Literal["fix_on_spot"]
    measures: Text
    attachments: Annotated[list[Id], Field(min_length=1, max_length=20)]
    note: Text | None = None


class RequestExtension(Versioned):
    action: Literal["request_extension"]
    reason: Text
    new_deadline: date


class DecideExtension(Versioned):
    action: Literal["decide_extension"]
    approve: Flag
    note: Text | None = None


class AddProgress(Versioned):
    action: Literal["add_progress"]
    note: Text
    attachments: Photos = []


class SubmitForAcceptance(Versioned):
    action: Literal["submit_for_acceptance"]
    note: Text
    attachments: Photos = []


class Accept(Versioned):
    action: Literal["accept"]
    note: Text | None = None
    attachments: Photos = []


class Reject(Versioned):
    action: Literal["reject"]
    reason: Text
    deadline: date | None = Field(default=None, description="即查即改未通过验收时须给出整改期限")
    attachments: Photos = []


class Withdraw(Versioned):
    action: Literal["withdraw"]
    reason: Text


class Reopen(Versioned):
    action: Literal["reopen"]
    reason: Text
    deadline: date | None = None


class ChangeGrade(Versioned):
    action: Literal["change_grade"]
    grade: Grade
    major_item: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    reason: Text | None = None
    major_basis_standard: BasisStandard | None = None
    major_basis_clause: BasisClause | None = None


class ReviewMajor(Versioned):
    """监管部门确认“其他（依据…）”认定的重大事故隐患，或降为一般隐患（须写明理由）。"""

    action: Literal["review_major"]
    confirm: Flag
    reason: Text | None = None


class FileReport(Versioned):
    """双报告之一（16号令 第十四条的内容）。"""

    action: Literal["file_report"]
    recipient: Literal["supervisor", "workers"]
    status_and_cause: Text = Field(description="隐患的现状及其产生原因")
    harm_and_difficulty: Text = Field(description="隐患的危害程度和整改难易程度分析")
    governance_plan: Text = Field(description="隐患的治理方案")


class RegulatorClose(Versioned):
    action: Literal["regulator_close"]
    note: Text
    attachments: Photos = []


TransitionIn = Annotated[
    StartRectification
    | FixOnSpot
    | RequestExtension
    | DecideExtension
    | AddProgress
    | SubmitForAcceptance
    | Accept
    | Reject
    | Withdraw
    | Reopen
    | ChangeGrade
    | ReviewMajor
    | FileReport
    | RegulatorClose,
    Field(discriminator="action"),
]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: Id | None
    actor_name: str
    action: str
    from_state: str | None
    to_state: str
    note: str | None
    attachments: list[Id]
    data: dict[str, Any] | None


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    requested_by: int | None
    requested_at: datetime
    reason: str
    old_deadline: date
    new_deadline: date
    status: str
    decided_by: int | None
    decided_at: datetime | None
    decision_note: str | None


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    recipient: str
    reported_at: datetime
    reported_by: int | None
    status_and_cause: str
    harm_and_difficulty: str
    governance_plan: str


class HazardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: Id
    enterprise_name: str | None = None
    source: str
    source_label: str
    description: str
    place: str
    category: str
    photo_ids: list[Id]
    found_by: int | None
    found_on: date
    grade: str
    grade_label: str
    major_item: str | None
    major_citation: dict[str, Any] | None
    major_rule_set: str | None
    major_reason: str | None
    major_basis_standard: str | None
    major_basis_clause: str | None
    major_unconfirmed: bool
    state: str
    state_label: str
    rectify_mode: str | None
    plan: dict[str, Any] | None
    deadline: date | None
    rectifier_id: Id | None
    closed_on: date | None
    risk_point_id: Id | None
    control_measure_id: Id | None
    is_overdue: bool
    days_overdue: int
    version: Id
    created_at: datetime


class HazardDetail(HazardOut):
    major_trace: list[Any] | None
    allowed_actions: list[str]
    events: list[EventOut]
    extensions: list[ExtensionOut]
    reports: list[ReportOut]


class HazardPage(BaseModel):
    items: list[HazardOut]
    next_cursor: str | None


class MajorItemOut(BaseModel):
    code: str
    clause: str
    text: str
    catalogue: str
    title: str
    rule_set: str


class TipIn(Strict):
    description: Text
    place: ShortText
    region_code: Annotated[str, StringConstraints(max_length=12)] | None = None
    enterprise_name: ShortText | None = None
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=18)] | None = None
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class TipReceipt(BaseModel):
    id: Id
    receipt: str = Field(description="回执码：只显示这一次，凭它查询处理结果（/api/public/reports/status）")
    detail: str


class TipStatusIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = Field(
        description="提交举报时得到的回执码（大小写、空格和连字符不计）"
    )


class TipStatusOut(BaseModel):
    status: Literal["pending", "accepted", "dismissed"]
    status_text: str = Field(description="待受理 / 已受理（转为隐患） / 不予受理")
    reason: str | None = Field(description="不予受理的理由")
    submitted_on: date
    decided_on: date | None


class TipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_code: str
    enterprise_id: Id | None
    enterprise_name: str | None
    credit_code: str | None
    description: str
    place: str
    contact: str | None
    created_at: datetime
    status: str
    hazard_id: Id | None
    decision_note: str | None
    version: Id


class TipAccept(Strict):
    version: Id
    enterprise_id: Id
    category: Category
    description: Text | None = Field(default=None, description="默认取举报内容")
    place: ShortText | None = None
    grade: Grade = "general"
    major_item: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    major_reason: Text | None = None
    major_basis_standard: BasisStandard | None = None
    major_basis_clause: BasisClause | None = None


class TipDismiss(Strict):
    version: Id
    reason: Text
