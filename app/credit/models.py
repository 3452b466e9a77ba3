"""严重失信主体名单: listings, their append-only events; the enterprise profile and licences."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, WorkflowEvent
from app.timeutil import utcnow

STATES = {
    "proposed": "拟列入",
    "notified": "已告知",
    "objected": "已提出异议",
    "decided": "已决定列入",
    "published": "公示中",
    "removal_applied": "已申请提前移出",
    "expired": "期满移出",
    "removed_early": "提前移出",
    "withdrawn": "不予列入",
}
# On the list: the decision is made and the term runs (public only once published).
LISTED = ("decided", "published", "removal_applied")
PUBLIC = ("published", "removal_applied")
FINISHED = ("expired", "removed_early", "withdrawn")


class CreditListing(Base):
    """One subject put (or proposed to be put) on the 严重失信主体名单 after an administrative penalty."""

    __tablename__ = "credit_listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # Copied when proposed: the public list shows what was decided, not today's register.
    subject_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200))
    # 谁处罚、谁决定: the department that imposed the penalty decides the listing.
    issuer_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    issuer_department: Mapped[str] = mapped_column(String(100))
    rule_set: Mapped[str] = mapped_column(String(80))
    condition_code: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))  # 列入事由 (the condition's text + facts)
    basis: Mapped[str] = mapped_column(String(500))  # 依据 (the rule's article)
    # The 行政处罚 decision: a case of the 执法 module when present (no FK: built in parallel), or by hand.
    penalty_case_id: Mapped[int | None] = mapped_column(Integer)
    penalty_decision_number: Mapped[str] = mapped_column(String(60))
    penalty_decision_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    notified_on: Mapped[date | None] = mapped_column(Date)
    objection_due: Mapped[date | None] = mapped_column(Date)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decided_on: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(Integer)  # the 列入决定书 (app.documents)
    published_on: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)  # the day it leaves the list
    early_removal_from: Mapped[date | None] = mapped_column(Date)  # first day an application is accepted
    removal_applied_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_document_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_credit_listings_state_term", "state", "term_end"),
        Index("ix_credit_listings_credit_code", "credit_code"),
    )


class CreditListingEvent(WorkflowEvent, Base):
    __tablename__ = "credit_listing_events"

    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id", ondelete="CASCADE"), index=True)


GRADES = {"1": "一级", "2": "二级", "3": "三级"}
TAGS = {
    "dust": "涉粉尘",
    "ammonia": "涉氨制冷",
    "confined_space": "有限空间",
    "major_hazard_source": "重大危险源",
    "key": "重点监管",
    "crowded": "人员密集场所",
}


class EnterpriseProfile(Base):
    """What the regulator knows of an enterprise for 分类分级监管 (kept beside the register, one row each)."""

    __tablename__ = "enterprise_profiles"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    standardization_grade: Mapped[str | None] = mapped_column(String(1))
    standardization_valid_until: Mapped[date | None] = mapped_column(Date)
    insurer: Mapped[str | None] = mapped_column(String(200))
    insurance_policy_no: Mapped[str | None] = mapped_column(String(60))
    insurance_valid_until: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class EnterpriseLicence(Base):
    """A licence (安全生产许可证 …) or a key person's certificate, with its expiry."""

    __tablename__ = "enterprise_licences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExternalListing(Base):
    """An entry of another department's list (e.g. 市场监管 严重违法失信名单), imported so inspectors see it.
    Keyed by 统一社会信用代码 + source + the listing date: a re-import of the same file changes nothing."""

    __tablename__ = "credit_external_listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))  # the department whose list it is
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    basis: Mapped[str | None] = mapped_column(String(500))
    decision_number: Mapped[str | None] = mapped_column(String(60))
    listed_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("credit_code", "source", "listed_on", name="uq_credit_external_listings_key"),
    )
