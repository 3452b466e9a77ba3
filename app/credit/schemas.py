"""Request bodies of the 信用 API (responses are plain dicts built in service.py)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.fields import Id, Input

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Tag = Literal["dust", "ammonia", "confined_space", "major_hazard_source", "key", "crowded"]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class ListingIn(Strict):
    """拟列入严重失信主体名单：依据一份行政处罚决定和它符合的列入情形。"""

    enterprise_id: Id = Field(description="被列入的生产经营单位（企业编号）")
    condition_code: Code = Field(description="符合的列入情形编号（见规则文件 rules/credit/，如 A1、V1）")
    facts: Text = Field(description="事实：何时、何事、何处罚")
    penalty_decision_number: Number = Field(description="行政处罚决定书文号")
    penalty_decision_date: date = Field(description="行政处罚决定日期（上海日期）")
    penalty_case_id: Id | None = Field(None, description="执法模块中的处罚案件编号（可省略）")


class ListingActionIn(Strict):
    version: Id = Field(description="客户端看到的版本号；与当前不符时返回 409")
    note: Text | None = Field(None, description="说明、陈述申辩或异议内容、审查意见、理由")
    conditions_met: Annotated[list[Code], Field(max_length=20)] = Field(
        [], description="决定提前移出时逐项确认的条件编号（须包括规则文件中的全部条件）"
    )


class ProfileIn(Strict):
    """分类分级监管的企业档案。"""

    version: Id | None = Field(None, description="修改已有档案时的版本号")
    standardization_grade: Literal["1", "2", "3"] | None = Field(None, description="安全生产标准化等级")
    standardization_valid_until: date | None = None
    insurer: ShortText | None = Field(None, description="安全生产责任保险承保机构")
    insurance_policy_no: Number | None = Field(None, description="安责险保单号")
    insurance_valid_until: date | None = None
    tags: Annotated[list[Tag], Field(max_length=6)] = Field(
        [], description="涉粉尘、涉氨制冷、有限空间等标签"
    )


class LicenceIn(Strict):
    kind: ShortText = Field(
        description="证照类别（如 安全生产许可证、主要负责人安全生产知识和管理能力考核合格证）"
    )
    number: Number = Field(description="证照编号")
    scope: Text | None = Field(None, description="许可范围")
    valid_until: date = Field(description="有效期至")
