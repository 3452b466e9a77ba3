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


# ---------------------------------------------------------------- 责任清单 and 包联

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Para = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
IndustryCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class ResponsibilityIn(Input):
    """责任清单的一条：部门及其监管的行业（和企业规模）。"""

    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = MULTILINE_FIELDS | {"duties"}

    region: CodeText = Field(description="责任清单所属行政区")
    department: Name = Field(description="部门名称，与监管人员账号的“部门”一致，如 某区应急管理局")
    industries: list[IndustryCode] = Field(
        min_length=1, max_length=100, description="监管的行业代码（GET /api/enterprises/industries）"
    )
    scales: list[Annotated[str, StringConstraints(pattern=r"^(above|below)$")]] = Field(
        default_factory=list, max_length=2, description="限定企业规模：above 规上、below 规下；不填为全部"
    )
    duties: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="监管职责"
    )
    basis: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        None, description="依据（如部门“三定”方案）"
    )


class ResponsibilityChange(ResponsibilityIn):
    version: Id = Field(description="当前版本（防止并发修改）")


class LiaisonIn(Input):
    """包联：某级党政领导包联下级行政区或企业。"""

    model_config = ConfigDict(extra="forbid")

    region: CodeText = Field(description="领导所在的行政区（哪一级党委政府）")
    leader_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    leader_title: Name = Field(description="职务，如 副区长")
    leader_user_id: Id | None = Field(None, description="领导本人的账号（可登记走访）")
    target_region: CodeText | None = Field(None, description="包联的下级行政区")
    target_enterprise_id: Id | None = Field(None, description="包联的企业")
    starts_on: QueryDate
    ends_on: QueryDate | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class LiaisonEnd(Input):
    model_config = ConfigDict(extra="forbid")

    version: Id
    ends_on: QueryDate = Field(description="包联结束日期")


class VisitIn(Input):
    """包联走访：日期、检查内容、发现的问题，可关联登记的隐患。"""

    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = MULTILINE_FIELDS | {"checked", "problems"}

    visited_on: QueryDate
    checked: Para = Field(description="检查内容")
    problems: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="发现的问题"
    )
    hazard_id: Id | None = Field(None, description="就发现的问题登记的隐患")
