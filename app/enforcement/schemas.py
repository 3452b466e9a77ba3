"""Request bodies of 执法 (every text, number, id and list has a limit) and the public 双随机 plan."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.fields import MULTILINE_FIELDS, Flag, Id, Input

MAX_TEXT = 2000
MAX_ITEMS = 300
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Photos = Annotated[list[Id], Field(max_length=20)]
Kind = Literal["random", "planned", "special", "complaint", "covert", "review", "grid"]
Result = Literal["pass", "fail", "na"]
Money = Annotated[Decimal, Field(ge=0, le=10**10, max_digits=14, decimal_places=2)]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = MULTILINE_FIELDS | {"summary", "facts", "legal_basis", "text"}


class InspectionIn(Strict):
    enterprise_id: Id
    kind: Kind
    inspected_on: date | None = Field(default=None, description="默认今天（上海时间）")
    inspector_ids: Annotated[list[Id], Field(max_length=10)] = Field(
        default=[], description="参加检查的人员（用户 id）；本人自动加入。双随机检查默认为抽中的检查人员"
    )
    plan_item_id: Id | None = Field(default=None, description="双随机：抽查计划中的条目")
    review_of_id: Id | None = Field(default=None, description="复查：被复查的检查（其责令限期整改）")
    free_items: Annotated[list[Text], Field(max_length=50)] = Field(default=[], description="自定检查项")


class InspectionItemResult(Strict):
    item_id: Id
    result: Result
    note: Text | None = None
    photos: Photos = []


class InspectionResultsIn(Strict):
    results: Annotated[list[InspectionItemResult], Field(min_length=1, max_length=MAX_ITEMS)]
    free_items: Annotated[list[Text], Field(max_length=50)] = []


class InspectionHazardIn(Strict):
    description: Text
    place: ShortText
    category: Literal["management", "site"] = "site"
    grade: Literal["general", "major"] = "general"
    major_reason: Text | None = None


class InspectionSignature(Strict):
    name: Name
    device: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class RectificationOrderIn(Strict):
    deadline: date = Field(description="整改期限（上海时间的日期）")
    requirements: Text


class InspectionCompleteIn(Strict):
    summary: Text | None = None
    signatures: Annotated[list[InspectionSignature], Field(max_length=10)] = []
    order: RectificationOrderIn | None = Field(default=None, description="责令限期整改（有不符合项时）")
    review_passed: Flag | None = Field(default=None, description="复查：整改是否合格（复查必填）")


class RectificationReportIn(Strict):
    note: Text


class PenaltyCaseIn(Strict):
    enterprise_id: Id
    inspection_id: Id | None = None
    facts: Text
    legal_basis: Text | None = None


class PenaltyActionIn(Strict):
    note: Text | None = None
    legal_basis: Text | None = None
    proposed_fine: Money | None = None
    fine: Money | None = None
    waived: Flag = Field(default=False, description="告知后：当事人明确放弃陈述、申辩")
    execution: Literal["paid", "instalments", "enforced", "none"] | None = None
    attachments: Photos = []


class PublicPlanItem(BaseModel):
    enterprise: str
    region: str | None
    inspectors: list[str]


class PublicPlan(BaseModel):
    month: str
    published_at: datetime
    seed: int
    rule_set: str
    items: list[PublicPlanItem]
