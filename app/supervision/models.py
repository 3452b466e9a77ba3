"""挂牌督办: supervision cases, their append-only events, notice numbering and public announcements."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, WorkflowEvent
from app.documents.models import DocumentSequence
from app.timeutil import utcnow

STATES = {
    "listed": "已挂牌",
    "rectifying": "整改中",
    "closure_applied": "已申请销号",
    "verifying": "核查中",
    "closed": "已摘牌销号",
    "revoked": "已撤销",
}
FINISHED = ("closed", "revoked")
OPEN_STATES = tuple(s for s in STATES if s not in FINISHED)
# States in which the enterprise still owes the rectification (the deadline runs).
RUNNING = ("listed", "rectifying")
LEVELS = {"county": "县级", "city": "市级", "province": "省级"}
LEVEL_ORDER = ("county", "city", "province")
SUBJECT_TYPES = {"hazard": "重大事故隐患", "accident_investigation": "事故调查"}
_OPEN_SQL = "state NOT IN ('closed', 'revoked')"
ENFORCEMENT_KINDS = {"interview": "约谈", "penalty": "行政处罚", "suspension": "停产整顿"}


class SupervisionCase(Base):
    """One 挂牌督办 item: a subject (a 重大事故隐患 for now) listed at a level by a department."""

    __tablename__ = "supervision_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Generic subject so an accident investigation can be listed later; no FK on purpose.
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # The enterprise's region when listed (copied: boards and counts are one LIKE on the path).
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    issuer_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    issuer_region_path: Mapped[str] = mapped_column(String(200))
    issuer_department: Mapped[str] = mapped_column(String(100))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_prefix: Mapped[str] = mapped_column(String(30))
    notice_year: Mapped[int] = mapped_column(Integer)
    notice_no: Mapped[int] = mapped_column(Integer)
    notice_number: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(500))
    responsible_unit: Mapped[str] = mapped_column(String(200))
    requirements: Mapped[str] = mapped_column(Text)
    listed_on: Mapped[date] = mapped_column(Date)
    original_deadline: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="listed")
    # A pending 延期 request (one at a time).
    extension_until: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_requested_on: Mapped[date | None] = mapped_column(Date)
    closure_applied_on: Mapped[date | None] = mapped_column(Date)
    verification_due: Mapped[date | None] = mapped_column(Date)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overdue_since: Mapped[date | None] = mapped_column(Date)
    escalation_suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # At most one open case per subject; closed/revoked ones stay as history.
        Index(
            "uq_supervision_cases_open_subject",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        UniqueConstraint("issuer_region_code", "notice_number", name="uq_supervision_cases_issuer_number"),
        Index("ix_supervision_cases_region_state", "region_path", "state"),
        Index("ix_supervision_cases_state_deadline", "state", "deadline"),
        Index("ix_supervision_cases_subject", "subject_type", "subject_id"),
    )


class SupervisionEvent(WorkflowEvent, Base):
    """Append-only history of a case: every action with who, when, from, to, why and the documents."""

    __tablename__ = "supervision_events"

    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True)


# The 督办通知书 counter is now the shared 发文字号 counter of the documents module (migration 0015).
NoticeSequence = DocumentSequence


class Announcement(Base):
    """公告 of a listing or a closure. Only public facts: no person names, phones or user ids."""

    __tablename__ = "supervision_announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # listing | closure
    published_on: Mapped[date] = mapped_column(Date)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(12))
    region_name: Mapped[str] = mapped_column(String(100))
    region_path: Mapped[str] = mapped_column(String(200))
    notice_number: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "kind", name="uq_supervision_announcements_case_kind"),
        Index("ix_supervision_announcements_path", "region_path", "id"),
    )
