from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    false,
    func,
    literal,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from app.db import Base, UTCDateTime, WorkflowEvent
from app.enterprises.scope_copy import ScopeCopy
from app.timeutil import local_today, utcnow

STATES = {
    "reported": "待整改",
    "rectifying": "整改中",
    "awaiting_acceptance": "待验收",
    "closed": "已销号",
    "withdrawn": "已撤销",
}
FINISHED = ("closed", "withdrawn")
GRADES = {"general": "一般", "major": "重大"}
# The 重大 item to pick when no item of an applicable 判定标准 fits: the standard and clause are typed in,
# and the hazard counts as 重大 (flagged 未确认) until a regulator confirms or downgrades it.
OTHER_ITEM = "OTHER"
OTHER_ITEM_LABEL = "其他（依据…）"
CATEGORIES = {"management": "基础管理", "site": "现场管理"}
SOURCES = {
    "routine": "日常排查",
    "comprehensive": "综合排查",
    "specialist": "专业排查",
    "seasonal": "季节性排查",
    "holiday": "节假日前排查",
    "restart": "复产复工前排查",
    "accident_analogy": "事故类比排查",
    "external_expert": "外聘专家排查",
    "enforcement": "监管执法检查",
    "tip": "举报",
    "self_check_task": "自查任务",
}
# Sources only a regulator may record.
INSPECTOR_SOURCES = {"enforcement", "tip"}
RECTIFY_MODES = {"on_spot": "即查即改", "deadline": "限期整改"}
REPORT_RECIPIENTS = {"supervisor": "负有安全生产监督管理职责的部门", "workers": "职工大会或职工代表大会"}
MAX_TEXT = 2000


LIST_ORDER_AND_FILTERS = ("found_on", "id", "state", "grade", "source", "industry")


class Hazard(ScopeCopy, Base):
    """One 事故隐患 in an enterprise's register, from finding to 销号."""

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    source: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(12))
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    found_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    found_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[str] = mapped_column(String(8), default="general")
    # 重大: an item of a 判定标准 confirmed by the rules engine, or an inspector's determination.
    major_item: Mapped[str | None] = mapped_column(String(40))
    major_citation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    major_rule_set: Mapped[str | None] = mapped_column(String(80))
    major_trace: Mapped[list[Any] | None] = mapped_column(JSON)
    major_reason: Mapped[str | None] = mapped_column(Text)
    major_basis_standard: Mapped[str | None] = mapped_column(String(200))  # with major_item OTHER
    major_basis_clause: Mapped[str | None] = mapped_column(String(100))
    major_unconfirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(20), default="reported")
    rectify_mode: Mapped[str | None] = mapped_column(String(10))
    # 五落实 (measures, responsible, funds, deadline, emergency plan) and for 重大 the 治理方案.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    funds: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    deadline: Mapped[date | None] = mapped_column(Date)
    rectifier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The risk point / control measure whose check found it (排查), when known.
    risk_point_id: Mapped[int | None] = mapped_column(ForeignKey("risk_points.id", ondelete="SET NULL"))
    control_measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("control_measures.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("created_by", "idempotency_key", name="uq_hazards_idempotency"),
        # Ledgers: scope by enterprise, newest first (keyset on found_on, id).
        Index("ix_hazards_enterprise_found", "enterprise_id", *LIST_ORDER_AND_FILTERS),
        Index("ix_hazards_found", *LIST_ORDER_AND_FILTERS),
        # Scoped ledgers (copied region codes by depth, see app/enterprises/scope_copy.py): one equality,
        # then newest first, so a township's page stops after the page. The trailing columns are the
        # list filters: checked inside the index, so a rare combination reads no table rows it drops.
        *(Index(f"ix_hazards_l{d}_found", f"region_l{d}", *LIST_ORDER_AND_FILTERS) for d in range(1, 5)),
        # Industry-limited inspectors of a city or a county (a 危化 section): their range is their
        # industry's hazards in their region, so a rare filter combination does not read the whole region.
        *(
            Index(f"ix_hazards_l{d}_industry_found", f"region_l{d}", "industry", *LIST_ORDER_AND_FILTERS[:-1])
            for d in (2, 3)
        ),
        # 重大 only in a busy township (hundreds of thousands of hazards, 2 % of them 重大): the range is
        # the township's 重大 hazards, not all of them read to find the few that match the other filters.
        Index(
            "ix_hazards_l4_grade_found", "region_l4", "grade", "found_on", "id", "state", "source", "industry"
        ),
        # Overdue scans and reminders.
        Index("ix_hazards_state_deadline", "state", "deadline"),
    )

    @hybrid_property
    def is_overdue(self) -> bool:
        return self.deadline is not None and self.deadline < local_today() and self.state not in FINISHED

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expr(cls) -> ColumnElement[bool]:
        return and_(
            cls.deadline.is_not(None), cls.deadline < literal(local_today()), cls.state.not_in(FINISHED)
        )

    @property
    def days_overdue(self) -> int:
        return (local_today() - self.deadline).days if self.is_overdue and self.deadline else 0

    @staticmethod
    def overdue_sum() -> ColumnElement[int]:
        return func.sum(case((Hazard.is_overdue, 1), else_=0))


class HazardEvent(WorkflowEvent, Base):
    """Append-only history of a hazard: every transition, with who, when, why and the photos."""

    __tablename__ = "hazard_events"

    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)

    __table_args__ = ({"comment": "append-only; never updated or deleted"},)


class HazardExtension(Base):
    """整改延期申请 and its decision; every request is kept."""

    __tablename__ = "hazard_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    old_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|approved|rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class HazardReport(Base):
    """双报告 of a 重大事故隐患 (16号令 第十四条): to the regulator and to the 职工大会/职代会."""

    __tablename__ = "hazard_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(12))  # supervisor | workers
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_and_cause: Mapped[str] = mapped_column(Text)
    harm_and_difficulty: Mapped[str] = mapped_column(Text)
    governance_plan: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("hazard_id", "recipient", name="uq_hazard_reports_recipient"),)


class Tip(Base):
    """A public 举报 (no login), waiting in the responsible regulator's triage inbox."""

    __tablename__ = "hazard_tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    # Copied so the inbox is one LIKE on the path.
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the client address: enough for the rate limit, no address kept.
    client_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|accepted|dismissed
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # SHA-256 of the receipt code the reporter was shown (the code is not kept): the status look-up key.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_hazard_tips_client", "client_key", "created_at"),)


class TipThrottle(Base):
    """Public 举报 submissions / status look-ups per client key in the current window, bumped by one
    atomic upsert, so parallel requests cannot slip past the limit. Keys: "submit:<client>",
    "lookup:<client>"."""

    __tablename__ = "tip_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------- 排查: checklists, plans, tasks

FREQUENCIES = {"day": "每日", "week": "每周", "month": "每月", "quarter": "每季", "year": "每年"}
OUTCOMES = {"ok": "合格", "fail": "不合格", "na": "不适用"}
ITEM_KINDS = {"measure": "管控措施", "major_item": "重大事故隐患判定条目", "free": "自定义"}


class CheckList(Base):
    """排查清单 of one enterprise: control measures of its risk points, 重大隐患 items, free items."""

    __tablename__ = "check_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckItem(Base):
    __tablename__ = "check_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("check_lists.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    content: Mapped[str] = mapped_column(Text)
    risk_point_id: Mapped[int | None] = mapped_column(ForeignKey("risk_points.id", ondelete="SET NULL"))
    control_measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("control_measures.id", ondelete="SET NULL")
    )
    major_item: Mapped[str | None] = mapped_column(String(40))


class CheckPlan(Base):
    """Who checks which list how often; tasks are generated per period."""

    __tablename__ = "check_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("check_lists.id"))
    name: Mapped[str] = mapped_column(String(200))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    frequency: Mapped[str] = mapped_column(String(10))
    start_on: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckTask(Base):
    """One period of a plan. Missed = still open after due_on (derived, never stored)."""

    __tablename__ = "check_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("check_plans.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("plan_id", "period_start", name="uq_check_tasks_period"),)

    @property
    def is_missed(self) -> bool:
        return self.status == "open" and self.due_on < local_today()


class CheckResult(Base):
    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("check_tasks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("check_items.id"))
    outcome: Mapped[str] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id", ondelete="SET NULL"))


class HazardTally(Base):
    """Counts of hazards by county, industry, month found, grade and state class, for statistics over a
    city or a province without reading every hazard (app/hazards/tallies.py).

    PostgreSQL only: a trigger on hazards appends a row of +1 for a hazard's new values and -1 for its
    old ones (no row is updated in place, so concurrent writers never wait on one another); the job
    hazards.compact_tallies folds them. The columns are named as on Hazard so that one set of
    aggregates (ledger._counts) reads either table: found_on is the first day of the month, state is
    closed / withdrawn / open, deadline and major_unconfirmed are kept for open hazards only."""

    __tablename__ = "hazard_tallies"

    # 64-bit: compaction re-inserts the folded rows, so ids run ahead of the row count.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    region_path: Mapped[str | None] = mapped_column(String(200))  # cut to the county
    region_l1: Mapped[str | None] = mapped_column(String(12))
    region_l2: Mapped[str | None] = mapped_column(String(12))
    region_l3: Mapped[str | None] = mapped_column(String(12))
    industry: Mapped[str | None] = mapped_column(String(40))
    found_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(20))
    major_unconfirmed: Mapped[bool] = mapped_column(Boolean)
    deadline: Mapped[date | None] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer)
    funds: Mapped[Decimal] = mapped_column(Numeric(16, 2))

    __table_args__ = (
        Index("ix_hazard_tallies_l2", "region_l2"),
        Index("ix_hazard_tallies_l3", "region_l3"),
    )
