"""Request bodies of 报送 (shared by the API and the pages)."""

from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field, StringConstraints

from app.fields import MULTILINE_FIELDS, Id, Input, QueryDate

PeriodText = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}|-Q[1-4])?$", max_length=7)]
CodeText = Annotated[str, StringConstraints(pattern=r"^\d{6,12}$", max_length=12)]
MAX_TARGETS = 500
MAX_CONTENT = 5000


class TargetIn(Input):
    model_config = ConfigDict(extra="forbid")

    region: CodeText = Field(description="须报送的下级行政区")
    department: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        None, description="须报送的部门（不填：该行政区的任一监管部门）"
    )


class RequirementIn(Input):
    """报送要求：标题、考核期、截止日期和须报送的下级行政区（部门）。"""

    model_config = ConfigDict(extra="forbid")

    region: CodeText | None = Field(None, description="设置要求的行政区（默认：本人所在行政区）")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    period: PeriodText = Field(description="考核期：2026-11（月）、2026-Q4（季度）或 2026（年）")
    due_on: QueryDate = Field(description="报送截止日期（含当日）")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="报送要求说明"
    )
    targets: list[TargetIn] = Field(min_length=1, max_length=MAX_TARGETS)


class FileIn(Input):
    """报送：工作进展情况（文字），系统附上本地区考核数据。"""

    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = MULTILINE_FIELDS | {"content"}

    version: Id = Field(description="报送当前版本（防止并发修改）")
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CONTENT)
    ] = Field(description="工作进展情况")
