"""风险分级管控 tables.

A risk point (风险点) belongs to one enterprise; its assessments are history rows (the newest is
current); its control measures (管控措施) become items of the hazard-investigation checklist.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accidents.models import Accident  # noqa: F401  (moved in 0018; re-exported)
from app.db import Base, UTCDateTime
from app.timeutil import utcnow

POINT_TYPES = {"equipment": "设备设施", "activity": "作业活动", "area": "场所区域", "process": "工艺"}
MEASURE_KINDS = {
    "engineering": "工程技术",
    "management": "管理",
    "training": "培训教育",
    "ppe": "个体防护",
    "emergency": "应急处置",
}
CONTROL_LEVELS = {"company": "公司", "workshop": "车间", "team": "班组", "post": "岗位"}
CHECK_FREQUENCIES = {"daily": "日", "weekly": "周", "monthly": "月", "quarterly": "季", "yearly": "年"}


class RiskPoint(Base):
    """风险点: a place, piece of equipment, activity or process where harm can arise."""

    __tablename__ = "risk_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    point_type: Mapped[str] = mapped_column(String(20))  # key of POINT_TYPES
    location: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)  # WGS84
    lat: Mapped[float | None] = mapped_column(Float)
    department: Mapped[str | None] = mapped_column(String(100))
    post: Mapped[str | None] = mapped_column(String(100))
    responsible_person: Mapped[str] = mapped_column(String(50))
    hazard_factors: Mapped[list[str]] = mapped_column(JSON, default=list)  # GB/T 13861 codes
    accident_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # GB 6441 names
    exposed_people: Mapped[int] = mapped_column(Integer, default=0)
    emergency_actions: Mapped[str | None] = mapped_column(Text)
    emergency_phone: Mapped[str | None] = mapped_column(String(30))
    # The 重大危险源 辨识单元 the point belongs to (same enterprise); feeds 直接判定 "涉及重大危险源".
    major_hazard_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("major_hazard_units.id", ondelete="SET NULL"), index=True
    )
    # Denormalised from the current assessment (residual if any, else inherent) for fast grading.
    level: Mapped[str | None] = mapped_column(String(10), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    measures: Mapped[list["ControlMeasure"]] = relationship(
        back_populates="risk_point", cascade="all, delete-orphan", order_by="ControlMeasure.id"
    )

    __mapper_args__ = {"version_id_col": version}


class ControlMeasure(Base):
    """管控措施; each is checked at its frequency as an item of the 隐患排查 checklist."""

    __tablename__ = "control_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # key of MEASURE_KINDS
    description: Mapped[str] = mapped_column(Text)
    control_level: Mapped[str] = mapped_column(String(20))  # key of CONTROL_LEVELS
    responsible_person: Mapped[str] = mapped_column(String(50))
    check_frequency: Mapped[str] = mapped_column(String(20))  # key of CHECK_FREQUENCIES
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    risk_point: Mapped[RiskPoint] = relationship(back_populates="measures")


class RiskAssessment(Base):
    """One assessment of a risk point (LEC / LS / MES through the rules engine).

    Re-assessing adds a row; the newest has is_current=True. Inherent and residual results are both kept.
    """

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(10))  # lec | ls | mes
    rule_set: Mapped[str] = mapped_column(String(80))  # "id@version"
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # as given to evaluate_point (with direct/residual)
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))  # inherent level (after direct determination)
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    is_direct: Mapped[bool] = mapped_column(Boolean, default=False)  # 直接判定 applied
    residual_score: Mapped[float | None] = mapped_column(Float)
    residual_level: Mapped[str | None] = mapped_column(String(10))
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    residual_trace: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    assessor: Mapped[str] = mapped_column(String(50))
    assessed_on: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_risk_assessments_current", "risk_point_id", "is_current"),)

    @property
    def effective_level(self) -> str:
        """The level that counts for the enterprise: residual when assessed, else inherent."""
        return self.residual_level or self.level


UNIT_TYPES = {"production": "生产单元", "storage": "储存单元"}


class MajorHazardUnit(Base):
    """重大危险源辨识单元 with its substances and the GB 18218-2018 result."""

    __tablename__ = "major_hazard_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_type: Mapped[str] = mapped_column(String(20))  # key of UNIT_TYPES
    # [{"name"|"cas"|"category": ..., "quantity_t": design maximum}]
    substances: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    exposed_people: Mapped[int] = mapped_column(Integer, default=0)
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[int | None] = mapped_column(Integer)  # 1 (most serious) … 4
    s: Mapped[float | None] = mapped_column(Float)
    r: Mapped[float | None] = mapped_column(Float)
    rule_set: Mapped[str] = mapped_column(String(80))
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once the unit is retired
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class UnitEvent(Base):
    """Append-only: a 重大危险源 unit was identified, changed status or grade, or was retired."""

    __tablename__ = "unit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("major_hazard_units.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # identified | status_changed | grade_changed | retired
    from_major: Mapped[bool | None] = mapped_column(Boolean)
    to_major: Mapped[bool | None] = mapped_column(Boolean)
    from_grade: Mapped[int | None] = mapped_column(Integer)
    to_grade: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
