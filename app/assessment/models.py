"""考核: 通报 (bulletins drafted from a scorecard, reviewed, issued with a number; visible to the issuing
region's subtree and to the regions they name) and the stored 月调度 reports."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.hazards.models import Hazard
from app.timeutil import utcnow

BULLETIN_STATES = {"draft": "草稿", "reviewed": "已审核", "issued": "已印发"}
TONES = {"praise": "表扬", "criticise": "批评"}


class Bulletin(Base):
    """考核通报 of one region (the issuer) for one period."""

    __tablename__ = "assessment_bulletins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    rule_set: Mapped[str] = mapped_column(String(80))
    scorecard: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the peers' rows when drafted
    number: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BulletinRegion(Base):
    """A region a 通报 names (表扬 or 批评): its users may read the 通报 once issued."""

    __tablename__ = "assessment_bulletin_regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_bulletins.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200))
    region_name: Mapped[str] = mapped_column(String(100))
    tone: Mapped[str] = mapped_column(String(10))
    score: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_assessment_bulletin_regions_path", "region_path"),)


class MonthlyReport(Base):
    """月调度 report of a city or county for a month: the .xlsx and the PDF (a document)."""

    __tablename__ = "assessment_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(7))
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    document_id: Mapped[int | None] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("region_code", "period", name="uq_assessment_reports_region_period"),)


INTERVIEWEE_KINDS = {"region_leader": "地方政府或部门负责人", "enterprise_head": "企业主要负责人"}
INTERVIEW_REASONS = {
    "overdue_case": "挂牌督办逾期",
    "red_enterprise": "红色（重大风险）企业",
    "low_score": "考核得分低",
    "other": "其他",
}
INTERVIEW_STATES = {"open": "待跟踪", "followed_up": "已跟踪"}


class Interview(Base):
    """约谈 record: who held it, whom, why (a linked 督办 case / 通报 / low score), the commitments made and a
    follow-up date the scheduler reminds of (job assessment.interview_followups)."""

    __tablename__ = "assessment_interviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    held_by: Mapped[str] = mapped_column(String(200))
    held_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    interviewee: Mapped[str] = mapped_column(String(200))
    interviewee_kind: Mapped[str] = mapped_column(String(20))
    reason_kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(Integer)
    bulletin_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    commitments: Mapped[str] = mapped_column(Text)
    follow_up_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(12), default="open")
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


SUBMISSION_STATES = {"pending": "未报送", "filed": "已报送"}


class SubmissionRequirement(Base):
    """报送 requirement set by an upper level: which regions (and, optionally, which department of each)
    file their progress report for a period by a due date."""

    __tablename__ = "assessment_submission_requirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(7))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(Base):
    """One region's (or one department's of it) 报送 under a requirement: pending until filed; the filed
    text and a snapshot of the region's scorecard as the filer saw it; late when filed after the due date."""

    __tablename__ = "assessment_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_submission_requirements.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    department: Mapped[str] = mapped_column(String(100), default="")  # "": any department of the region
    state: Mapped[str] = mapped_column(String(10), default="pending")
    content: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_by_name: Mapped[str | None] = mapped_column(String(100))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint(
            "requirement_id", "region_code", "department", name="uq_assessment_submissions_target"
        ),
    )


# 考核 scorecards count hazards of a city's (or the province's) child regions per period, by found_on and by
# deadline (app/assessment/indicators.py). These two covering indexes let both counts read only the
# index entries of the period in the region (index-only on PostgreSQL), not the 10 M-row table; the
# province-wide cards use them through `region_l2 IN (the cities)`. Declared here, on the hazards table,
# because only 考核 needs them (migration 0023).
_CARD_COLUMNS = ["region_l3", "state", "grade", "closed_on", "industry", "enterprise_id"]
Index(
    "ix_hazards_card_found",
    Hazard.region_l2,
    Hazard.found_on,
    postgresql_include=_CARD_COLUMNS,
)
Index(
    "ix_hazards_card_due",
    Hazard.region_l2,
    Hazard.deadline,
    postgresql_include=_CARD_COLUMNS,
)


# ---------------------------------------------------------------- 责任清单 and 包联

# Enterprise categories a 责任清单 entry may be limited to: the registry's 规模 (the only category it holds).
SCALES = {"above": "规上", "below": "规下"}
# The levels an enterprise page shows its responsible parties at, nearest first.
RESPONSIBLE_LEVELS = ("township", "county", "city")


class ResponsibilityEntry(Base):
    """One line of a region's 责任清单: a department's 监管职责 — the industries (and, optionally, the
    enterprise 规模) it supervises in that region. At one region an industry and 规模 has one department."""

    __tablename__ = "assessment_responsibilities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    department: Mapped[str] = mapped_column(String(100))
    industries: Mapped[list[str]] = mapped_column(JSON)
    scales: Mapped[list[str]] = mapped_column(JSON)  # empty: every 规模
    duties: Mapped[str | None] = mapped_column(Text)  # 监管职责 as the list words it
    basis: Mapped[str | None] = mapped_column(String(200))  # e.g. the department's 三定方案
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("region_code", "department", name="uq_assessment_responsibilities_department"),
    )


class LiaisonAssignment(Base):
    """包联: a leader of a region's government (region_code) assigned to a lower region or to an enterprise
    in it (exactly one of target_region_code / target_enterprise_id); target_path is the target region's
    path (or the enterprise's region's), so an enterprise finds its leaders by prefix."""

    __tablename__ = "assessment_liaisons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    leader_name: Mapped[str] = mapped_column(String(50))
    leader_title: Mapped[str] = mapped_column(String(100))
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    target_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    target_path: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class LiaisonVisit(Base):
    """A 包联 leader's visit: when, what was checked, the problems found and, optionally, the hazard
    registered for them."""

    __tablename__ = "assessment_liaison_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_liaisons.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date)
    checked: Mapped[str] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
