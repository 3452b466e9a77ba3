"""Computed risk levels of enterprises (企业整体安全风险等级) and regions (区域安全风险等级).

Each recomputation that changes a level adds a row; the newest row per subject has is_current=True,
so the history of why a level was given is never overwritten.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.timeutil import utcnow

LEVEL_ORDER = ("blue", "yellow", "orange", "red")
LEVEL_LABELS = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险"}
LEVEL_COLOURS = {"red": "#e02020", "orange": "#f7931e", "yellow": "#f5d800", "blue": "#1f6fd1"}


class EnterpriseLevel(Base):
    __tablename__ = "enterprise_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    rule_set: Mapped[str] = mapped_column(String(80))  # "id@version" of the policy used
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # the facts given to the engine
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_enterprise_levels_current", "enterprise_id", "is_current"),)


class RegionLevel(Base):
    __tablename__ = "region_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="CASCADE"))
    # None when the region has no graded enterprise: drawn uncoloured, not blue.
    level: Mapped[str | None] = mapped_column(String(10))
    counts: Mapped[dict[str, int]] = mapped_column(JSON)  # enterprises per level
    rule_set: Mapped[str] = mapped_column(String(80))
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_region_levels_current", "region_code", "is_current"),)


class HcDiagnosis(Base):
    """One 安全风险评估诊断分级 of a 危险化学品 enterprise (应急〔2018〕19号): the scored items as recorded,
    and the score, level and trace the engine gave them. Append-only; the newest by assessed_on counts."""

    __tablename__ = "hc_diagnoses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    assessed_on: Mapped[date] = mapped_column(Date)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"code", "count"}]
    direct_red: Mapped[list[str]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    rule_set: Mapped[str] = mapped_column(String(80))
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    assessor: Mapped[str | None] = mapped_column(String(200))  # 评估诊断单位或人员
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_hc_diagnoses_enterprise_assessed", "enterprise_id", "assessed_on"),)
