"""Request bodies of the 挂牌督办 API (responses are plain dicts built in service.py)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.fields import Id, Input

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Level = Literal["county", "city", "province"]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class CaseIn(Strict):
    """挂牌督办：发出督办通知书。"""

    subject_type: Literal["hazard", "accident_investigation"] = "hazard"
    subject_id: Id = Field(description="被督办对象的编号（重大事故隐患编号）")
    level: Level | None = Field(
        None, description="督办级别；省/市/县，须与发文部门所在行政区级别一致，可省略"
    )
    responsible_unit: ShortText = Field(description="整改责任单位")
    requirements: Text = Field(description="督办要求")
    deadline: date = Field(description="整改期限（上海日期）")


class ActionIn(Strict):
    """One action on a case. Which fields are needed depends on the action (see docs/supervision.md)."""

    version: Id = Field(description="客户端看到的版本号；与当前不符时返回 409")
    note: Text | None = Field(None, description="说明、进展、核查意见、理由、验收报告等")
    attachments: Annotated[list[Id], Field(max_length=20)] = []
    new_deadline: date | None = Field(None, description="申请延期/批准延期/退回整改时的新整改期限")
    verifier_id: Id | None = Field(None, description="指派的核查人员（监管人员用户编号）")
    kind: Literal["interview", "penalty", "suspension"] | None = Field(
        None, description="逾期处置类别：约谈 interview / 处罚 penalty / 停产整顿 suspension"
    )
    level: Level | None = Field(None, description="提级督办的目标级别（管理员执行时必填）")
    department: ShortText | None = Field(None, description="提级后的督办部门（管理员执行时必填）")
