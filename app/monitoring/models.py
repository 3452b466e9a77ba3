"""重大危险源 monitoring tables.

Readings live in `monitoring_readings`: on PostgreSQL a table partitioned by month on `ts` (partitions
`monitoring_readings_pYYYYMM`, made ahead and dropped after retention by the `monitoring.partitions`
job); on SQLite a plain table. The primary key (point_id, ts) makes ingest idempotent.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, WorkflowEvent
from app.timeutil import utcnow

# quantity key -> (Chinese name, engineering unit)
QUANTITIES = {
    "temperature": ("温度", "°C"),
    "pressure": ("压力", "MPa"),
    "level": ("液位", "%"),
    "flammable_gas": ("可燃气体浓度", "%LEL"),
    "toxic_gas": ("有毒气体浓度", "ppm"),
}
# Alarm kinds: the four limit levels and silent data.
ALARM_KINDS = {"hh": "高高报", "h": "高报", "l": "低报", "ll": "低低报", "stale": "数据中断"}
ALARM_STATES = {"open": "报警", "acknowledged": "已确认", "disposed": "已处置", "cleared": "已消警"}
_OPEN_ALARM_SQL = "state <> 'cleared'"
RESPONSIBLE_ROLES = {"main": "主要负责人", "technical": "技术负责人", "operation": "操作负责人"}
# 特殊作业 (GB 30871-2022 的八类)
SPECIAL_WORK = {
    "hot_work": "动火作业",
    "confined_space": "受限空间作业",
    "blind_plate": "盲板抽堵作业",
    "height": "高处作业",
    "lifting": "吊装作业",
    "temporary_power": "临时用电作业",
    "excavation": "动土作业",
    "road_break": "断路作业",
}


class MonitoringPoint(Base):
    """One monitored point (测点) of a 重大危险源 unit: a tag, a quantity, limits and a sampling interval."""

    __tablename__ = "monitoring_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("major_hazard_units.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(50))  # 位号, unique within the enterprise
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(20))  # key of QUANTITIES
    limit_ll: Mapped[float | None] = mapped_column(Float)
    limit_l: Mapped[float | None] = mapped_column(Float)
    limit_h: Mapped[float | None] = mapped_column(Float)
    limit_hh: Mapped[float | None] = mapped_column(Float)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=5)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("enterprise_id", "tag", name="uq_monitoring_points_enterprise_tag"),)


class Reading(Base):
    """One sample. Written only in bulk (app.monitoring.ingest), never as ORM objects."""

    __tablename__ = "monitoring_readings"

    # A monitoring_points id, deliberately without a foreign key (a look-up per inserted reading): ingest
    # admits only the device's enterprise's active points, and a trigger on monitoring_points deletes a
    # point's readings with the point (migration 0028).
    point_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    value: Mapped[float] = mapped_column(Float)

    __table_args__ = {"postgresql_partition_by": "RANGE (ts)"}


class DeviceToken(Base):
    """A per-enterprise token for data collectors (采集网关). Only the SHA-256 digest is stored."""

    __tablename__ = "monitoring_device_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, shown to tell tokens apart
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alarm(Base):
    """An alarm of a point: a limit crossing (level, start, peak) or silent data; a TransitionTable
    (app.monitoring.transitions) takes it 报警 → 确认 → 处置 → 消警."""

    __tablename__ = "monitoring_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("major_hazard_units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # key of ALARM_KINDS
    state: Mapped[str] = mapped_column(String(20), default="open")
    limit_value: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    peak_value: Mapped[float | None] = mapped_column(Float)
    peak_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the signal came back within the limit (or data resumed), if it did.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_late: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposal_note: Mapped[str | None] = mapped_column(Text)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # No duplicate open alarm per point and kind.
        Index(
            "uq_monitoring_alarms_open",
            "point_id",
            "kind",
            unique=True,
            sqlite_where=text(_OPEN_ALARM_SQL),
            postgresql_where=text(_OPEN_ALARM_SQL),
        ),
        Index("ix_monitoring_alarms_enterprise_state", "enterprise_id", "state"),
    )


class AlarmEvent(WorkflowEvent, Base):
    """Append-only history of an alarm."""

    __tablename__ = "monitoring_alarm_events"

    alarm_id: Mapped[int] = mapped_column(ForeignKey("monitoring_alarms.id", ondelete="CASCADE"), index=True)


class UnitResponsible(Base):
    """包保责任人 of a 重大危险源 (应急厅〔2021〕12号《包保责任制办法》第三条): one per role and unit."""

    __tablename__ = "monitoring_unit_responsibles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("major_hazard_units.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # key of RESPONSIBLE_ROLES
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[str | None] = mapped_column(String(100))  # 职务
    phone: Mapped[str | None] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("unit_id", "role", name="uq_monitoring_unit_responsibles_unit_role"),)


class Commitment(Base):
    """安全风险研判与承诺公告 of an enterprise for one day, signed by the 主要负责人."""

    __tablename__ = "monitoring_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    units_total: Mapped[int] = mapped_column(Integer)
    units_running: Mapped[int] = mapped_column(Integer)  # 处于正常运行状态的重大危险源
    units_stopped: Mapped[int] = mapped_column(Integer)  # 停产、检修
    special_work: Mapped[dict[str, Any]] = mapped_column(JSON)  # key of SPECIAL_WORK -> count
    normal_operation: Mapped[bool] = mapped_column(Boolean)
    risk_summary: Mapped[str] = mapped_column(Text)  # 研判结论
    signed_by: Mapped[str] = mapped_column(String(50))  # 主要负责人 name
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("enterprise_id", "day", name="uq_monitoring_commitments_enterprise_day"),
    )
