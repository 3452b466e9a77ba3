"""事故 and 应急: accident reports (the `accidents` table, also read by enterprise grading), their
reporting chain, 续报, investigation history and 整改措施; 应急预案 and 演练; 应急物资/装备 and 专家库."""

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, WorkflowEvent
from app.timeutil import utcnow

STATES = {
    "recorded": "已登记（历史记录）",
    "reported": "已报告",
    "investigating": "调查中",
    "report_submitted": "已提交调查报告",
    "closed": "已批复结案",
    "evaluation_due": "待整改评估",
    "evaluated": "已完成整改评估",
}
# States in which the investigation still runs (挂牌督办 may be issued).
OPEN_INVESTIGATION = ("reported", "investigating", "report_submitted")
SPECIAL_KINDS = {"road_traffic": "道路交通事故", "fire": "火灾事故"}
SOURCES = {"enterprise": "企业报告", "inspector": "监管部门登记", "legacy": "历史记录"}
PLAN_KINDS = {"comprehensive": "综合应急预案", "special": "专项应急预案", "onsite": "现场处置方案"}
REVIEW_KINDS = {"review": "评审", "argument": "论证"}
DRILL_FORMS = {"field": "实战演练", "tabletop": "桌面演练"}
RESOURCE_CATEGORIES = {"material": "应急物资", "equipment": "应急装备"}
ExpertFieldCode = Literal[
    "hazardous_chemicals",
    "mining",
    "industry_trade",
    "fireworks",
    "construction",
    "special_equipment",
    "fire",
    "road_traffic",
    "gas",
    "rescue",
    "medical",
    "geology",
    "environment",
    "electric",
]
# 专家库 fields: the 应急管理 business lines an expert is called on for (a fixed list, project choice).
EXPERT_FIELDS: dict[str, str] = {  # the labels of ExpertFieldCode
    "hazardous_chemicals": "危险化学品",
    "mining": "矿山",
    "industry_trade": "工贸",
    "fireworks": "烟花爆竹",
    "construction": "建筑施工",
    "special_equipment": "特种设备",
    "fire": "消防",
    "road_traffic": "道路交通",
    "gas": "城镇燃气",
    "rescue": "应急救援",
    "medical": "医疗救护",
    "geology": "地质灾害",
    "environment": "生态环境",
    "electric": "电力",
}
AVAILABILITY = {"available": "可调用", "busy": "暂不可调用", "retired": "已退出"}


class Accident(Base):
    """生产安全事故: reported by the enterprise (or recorded by an inspector); level by 第三条 with trace.
    Direct determination and the enterprise level policy read occurred_on, deaths and serious_injuries."""

    __tablename__ = "accidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    accident_type: Mapped[str] = mapped_column(String(20))  # GB 6441-1986 name
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    minor_injuries: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ---- 事故报告 (0018); rows from before keep state "recorded" and no chain.
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    direct_loss_yuan: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    special_kind: Mapped[str | None] = mapped_column(String(20))  # road_traffic | fire
    photos: Mapped[list[int]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20), default="legacy")
    level: Mapped[str | None] = mapped_column(String(20))
    level_rule_set: Mapped[str | None] = mapped_column(String(80))
    level_trace: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="recorded", index=True)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # ---- 事故调查
    team: Mapped[str | None] = mapped_column(Text)
    investigation_started_on: Mapped[date | None] = mapped_column(Date)
    investigation_due: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    causes: Mapped[str | None] = mapped_column(Text)
    responsibility: Mapped[str | None] = mapped_column(Text)
    report_submitted_on: Mapped[date | None] = mapped_column(Date)
    reply_authority: Mapped[str | None] = mapped_column(String(200))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # ---- 整改评估 (安委办〔2021〕4号 第三条: 结案后10个月至1年内)
    evaluation_opens_on: Mapped[date | None] = mapped_column(Date)
    evaluation_due: Mapped[date | None] = mapped_column(Date)
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    evaluation_summary: Mapped[str | None] = mapped_column(Text)


class AccidentReportStep(Base):
    """One authority of the reporting chain that has been reached: tier county (the unit's report),
    city, province, ministry. Due times are derived (occurred_at + 1 h, then + 2 h per tier)."""

    __tablename__ = "accident_report_steps"
    __table_args__ = (UniqueConstraint("accident_id", "tier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("accidents.id", ondelete="CASCADE"), index=True)
    tier: Mapped[str] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class AccidentUpdate(Base):
    """续报/补报 (第十三条): casualties or loss changed after the first report."""

    __tablename__ = "accident_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("accidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(100))
    deaths: Mapped[int] = mapped_column(Integer)
    serious_injuries: Mapped[int] = mapped_column(Integer)
    minor_injuries: Mapped[int] = mapped_column(Integer)
    direct_loss_yuan: Mapped[int] = mapped_column(BigInteger)
    level_before: Mapped[str | None] = mapped_column(String(20))
    level_after: Mapped[str] = mapped_column(String(20))
    within_window: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class AccidentMeasure(Base):
    """一项事故防范和整改措施 of the investigation report, tracked by the enterprise until evaluated."""

    __tablename__ = "accident_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("accidents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(String(20))  # done | partly | not_done


class AccidentEvent(WorkflowEvent, Base):
    __tablename__ = "accident_events"

    accident_id: Mapped[int] = mapped_column(ForeignKey("accidents.id", ondelete="CASCADE"), index=True)


class EmergencyPlan(Base):
    """应急预案 (综合/专项) or 现场处置方案 of an enterprise, one row per version."""

    __tablename__ = "emergency_plans"
    __table_args__ = (Index("ix_emergency_plans_enterprise_kind", "enterprise_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    review_kind: Mapped[str | None] = mapped_column(String(20))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    filing_due: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    filed_with: Mapped[str | None] = mapped_column(String(200))
    evaluation_required: Mapped[bool] = mapped_column(Boolean, default=False)
    last_evaluated_on: Mapped[date | None] = mapped_column(Date)
    evaluation_due: Mapped[date | None] = mapped_column(Date)
    evaluation_note: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmergencyDrill(Base):
    """应急演练 of one plan: date, form, scenario, participants, photos, 评估 and improvements."""

    __tablename__ = "emergency_drills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plans.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(20))
    scenario: Mapped[str] = mapped_column(String(500))
    participants: Mapped[int] = mapped_column(Integer)
    evaluation: Mapped[str | None] = mapped_column(Text)
    improvements: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmergencyResource(Base):
    """应急物资 or 装备: owned by an enterprise (enterprise_id set) or by a department of a region
    (enterprise_id empty). region_code is the owner's region either way, so scoping reads one column."""

    __tablename__ = "emergency_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    department: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))  # RESOURCE_CATEGORIES
    storage_place: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EmergencyExpert(Base):
    """专家库: one expert of a department's register, searchable by field and region."""

    __tablename__ = "emergency_experts"
    __table_args__ = (Index("ix_emergency_experts_field_region", "field", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(30))  # EXPERT_FIELDS
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    availability: Mapped[str] = mapped_column(String(20), default="available")  # AVAILABILITY
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
