"""执法: inspections (检查) with their checklist items, and 行政处罚 cases with their append-only events."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, WorkflowEvent
from app.enterprises.scope_copy import DEPTHS, ScopeCopy
from app.timeutil import utcnow

INSPECTION_KINDS = {
    "random": "双随机抽查",
    "planned": "计划检查",
    "special": "专项检查",
    "complaint": "举报核查",
    "covert": "暗访",
    "review": "复查",
    "grid": "网格巡查",
}
# Kinds a 监管人员 records (行政执法检查); a township/village 网格员 records 网格巡查 only.
INSPECTOR_KINDS = tuple(k for k in INSPECTION_KINDS if k != "grid")
GRID_KINDS = ("grid",)
INSPECTION_STATES = {"open": "检查中", "completed": "已完成"}
ITEM_ORIGINS = {"major": "重大事故隐患判定标准", "measure": "企业管控措施", "free": "自定检查项"}
RESULTS = {"pass": "符合", "fail": "不符合", "na": "不适用"}
# 责令限期整改: issued with the record, reported done by the enterprise, closed by the 复查.
ORDER_STATES = {
    "ordered": "限期整改中",
    "reported": "企业已报告整改完成",
    "passed": "复查合格",
    "failed": "复查不合格",
}
ORDER_OPEN = ("ordered", "reported")

PENALTY_STATES = {
    "filed": "已立案",
    "investigating": "调查取证",
    "notified": "已告知（陈述申辩期）",
    "hearing": "听证",
    "legal_review": "法制审核",
    "decided": "已作出决定",
    "executing": "执行中",
    "closed": "已结案",
    "withdrawn": "已撤销立案",
}
PENALTY_FINISHED = ("closed", "withdrawn")
EXECUTION_KINDS = {
    "paid": "罚款已缴纳",
    "instalments": "分期缴纳",
    "enforced": "申请强制执行",
    "none": "无罚款",
}


class Inspection(ScopeCopy, Base):
    """One 检查 of one enterprise: who, when, which kind, the checklist results, the 责令限期整改."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="open")
    inspected_on: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(100))
    # The inspecting department's region (the 文书 number sequence is per issuing region).
    issuer_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    inspector_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    inspector_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_plan_items.id", ondelete="SET NULL"), index=True
    )
    # A 复查 names the inspection whose 责令限期整改 it checks.
    review_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str | None] = mapped_column(Text)
    # 签名: name, time, device note of each signer.
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    record_number: Mapped[str | None] = mapped_column(String(60))
    order_state: Mapped[str | None] = mapped_column(String(12))
    order_number: Mapped[str | None] = mapped_column(String(60))
    order_requirements: Mapped[str | None] = mapped_column(Text)
    order_deadline: Mapped[date | None] = mapped_column(Date)
    order_reported_on: Mapped[date | None] = mapped_column(Date)
    order_report_note: Mapped[str | None] = mapped_column(Text)
    review_number: Mapped[str | None] = mapped_column(String(60))
    # Published on the public 双随机 results page (only public facts are shown there).
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_inspections_enterprise_on", "enterprise_id", "inspected_on"),
        Index("ix_inspections_order", "order_state", "order_deadline"),
        # 执法统计 per region: one equality on the copied region code, then the period.
        *(Index(f"ix_inspections_l{d}_on", f"region_l{d}", "inspected_on") for d in range(1, DEPTHS + 1)),
    )


class InspectionItem(Base):
    """One line of an inspection's checklist and its result."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(40))
    clause: Mapped[str | None] = mapped_column(String(100))
    rule_set: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    control_measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("control_measures.id", ondelete="SET NULL")
    )
    result: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id", ondelete="SET NULL"), index=True)

    __table_args__ = (Index("ix_inspection_items_inspection_position", "inspection_id", "position"),)


class PenaltyCase(ScopeCopy, Base):
    """One 行政处罚 case against an enterprise, from 立案 to 结案 (app/enforcement/penalty.py)."""

    __tablename__ = "penalty_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id", ondelete="SET NULL"))
    department: Mapped[str] = mapped_column(String(100))
    issuer_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    case_number: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), default="filed")
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    proposed_fine: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    fine: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    hearing_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    filed_on: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date] = mapped_column(Date)
    # The deadline of the current step (from rules/policies/enforcement.yaml); None when it has none.
    step_due: Mapped[date | None] = mapped_column(Date)
    # The state whose overdue step was last notified (one notice per step).
    overdue_notified: Mapped[str | None] = mapped_column(String(20))
    notified_on: Mapped[date | None] = mapped_column(Date)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decided_on: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    execution: Mapped[str | None] = mapped_column(String(12))
    closed_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_penalty_cases_state_due", "state", "step_due"),)


class PenaltyEvent(WorkflowEvent, Base):
    """执法全过程记录 of a case: every step with who, when, from, to, note and evidence."""

    __tablename__ = "penalty_events"

    case_id: Mapped[int] = mapped_column(ForeignKey("penalty_cases.id", ondelete="CASCADE"), index=True)
