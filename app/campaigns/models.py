"""专项整治 campaigns (scope, phases, checklist, targets), the enterprises' 自查报告 with their answers and
history, hazards found in a campaign, and 安全提示 with their 叫应 (acknowledgement) rows."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.credit.models import EnterpriseProfile
from app.db import Base, UTCDateTime, WorkflowEvent
from app.timeutil import utcnow

MAX_TEXT = 2000
REPORT_STATES = {
    "not_started": "未开始",
    "draft": "自查中",
    "filed": "已报送",
    "returned": "已退回",
    "accepted": "已审核通过",
}
# States in which the enterprise still works the checklist.
EDITABLE = ("draft", "returned")
# States in which the report counts as filed.
FILED = ("filed", "accepted")
RESULTS = {"ok": "符合", "problem": "发现问题", "na": "不适用"}
ITEM_SOURCES = {"catalogue": "重大事故隐患判定标准", "own": "本次整治自定"}


class Campaign(Base):
    """One 专项整治: basis document, issuing department and region, scope, phases, checklist, targets."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    basis_number: Mapped[str | None] = mapped_column(String(100))
    basis_date: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    # Scope: empty lists mean "all" (every industry, the whole issuing region, no tag filter).
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # [{"name": "动员部署", "ends_on": "2026-03-31"}, …], in order.
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report_phase: Mapped[str] = mapped_column(String(50))
    report_due: Mapped[date] = mapped_column(Date)
    target_coverage: Mapped[int] = mapped_column(Integer, default=100)
    major_zero_by: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CampaignItem(Base):
    """One checklist item: from a 重大事故隐患判定标准 (for the industries it applies to) or the campaign's
    own."""

    __tablename__ = "campaign_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # catalogue | own
    code: Mapped[str | None] = mapped_column(String(40))
    clause: Mapped[str | None] = mapped_column(String(100))
    catalogue: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Industries the item applies to (empty: every enterprise in scope).
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_campaign_items_campaign", "campaign_id", "position"),)


class CampaignReport(Base):
    """An enterprise's 自查报告 for a campaign: made when it first answers an item."""

    __tablename__ = "campaign_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    summary: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_late: Mapped[bool] = mapped_column(default=False)
    times_filed: Mapped[int] = mapped_column(Integer, default=0)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("campaign_id", "enterprise_id", name="uq_campaign_reports_campaign_id"),
    )


class CampaignReportEvent(WorkflowEvent, Base):
    __tablename__ = "campaign_report_events"

    report_id: Mapped[int] = mapped_column(ForeignKey("campaign_reports.id", ondelete="CASCADE"), index=True)


class CampaignAnswer(Base):
    """The enterprise's result for one checklist item (photos are app.attachments ids)."""

    __tablename__ = "campaign_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("campaign_reports.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("campaign_items.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "item_id", name="uq_campaign_answers_report_id"),)


class CampaignHazard(Base):
    """A hazard of the register found in a campaign (and, where it came from one, its checklist item)."""

    __tablename__ = "campaign_hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_items.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("hazard_id", name="uq_campaign_hazards_hazard_id"),
        Index("ix_campaign_hazards_campaign", "campaign_id", "enterprise_id"),
    )


class SafetyNotice(Base):
    """安全提示: sent by a department to the enterprises in a scope, to be acknowledged (叫应) by a time."""

    __tablename__ = "safety_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(30))
    department: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    ack_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_safety_notices_deadline", "escalated_at", "ack_deadline"),)


class NoticeRecipient(Base):
    """One enterprise's copy of a 安全提示: read, acknowledged (who, when, what it did), escalated."""

    __tablename__ = "safety_notice_recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("safety_notices.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acked_by_name: Mapped[str | None] = mapped_column(String(100))
    reply: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("notice_id", "enterprise_id", name="uq_safety_notice_recipients_notice_id"),
    )


# The campaign tag look-up's index on the enterprise profile (the profile stays the one source of the tags;
# app/campaigns/tags.py asks `tags::jsonb @> '["dust"]'`). PostgreSQL only (migration 0027): SQLite has no
# GIN, and autogenerate skips an expression index it cannot reflect there.
Index(
    "ix_enterprise_profiles_tags",
    cast(EnterpriseProfile.tags, JSONB).label("tags_jsonb"),
    postgresql_using="gin",
    postgresql_ops={"tags_jsonb": "jsonb_path_ops"},
)
