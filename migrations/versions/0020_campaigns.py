"""专项整治 campaigns, 安全提示 with 叫应

Revision ID: 0020
Revises: 0019

- campaigns, campaign_items: a 专项整治 (basis, department, scope, phases, targets) and its checklist.
- campaign_reports, campaign_report_events, campaign_answers: each enterprise's 自查报告, its history and
  its item-by-item answers; campaign_hazards links register hazards to the campaign that found them.
- campaign_enterprise_tags: enterprise tags (涉粉尘 …) the scopes filter on.
- safety_notices, safety_notice_recipients: 安全提示 and each enterprise's 叫应.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("basis_number", sa.String(length=100), nullable=True),
        sa.Column("basis_date", sa.Date(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("scope_regions", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("report_phase", sa.String(length=50), nullable=False),
        sa.Column("report_due", sa.Date(), nullable=False),
        sa.Column("target_coverage", sa.Integer(), nullable=False),
        sa.Column("major_zero_by", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_campaigns_created_by_users")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_campaigns_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_region_path"), "campaigns", ["region_path"], unique=False)
    op.create_table(
        "campaign_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("clause", sa.String(length=100), nullable=True),
        sa.Column("catalogue", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_items_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_items")),
    )
    op.create_index("ix_campaign_items_campaign", "campaign_items", ["campaign_id", "position"], unique=False)
    op.create_table(
        "campaign_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("filed_at", TZ, nullable=True),
        sa.Column("filed_late", sa.Boolean(), nullable=False),
        sa.Column("times_filed", sa.Integer(), nullable=False),
        sa.Column("returned_reason", sa.Text(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_reports_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_campaign_reports_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_reports")),
        sa.UniqueConstraint("campaign_id", "enterprise_id", name="uq_campaign_reports_campaign_id"),
    )
    op.create_index(
        op.f("ix_campaign_reports_enterprise_id"), "campaign_reports", ["enterprise_id"], unique=False
    )
    op.create_table(
        "campaign_report_events",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_campaign_report_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["campaign_reports.id"],
            name=op.f("fk_campaign_report_events_report_id_campaign_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_report_events")),
    )
    op.create_index(
        op.f("ix_campaign_report_events_report_id"), "campaign_report_events", ["report_id"], unique=False
    )
    op.create_table(
        "campaign_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_campaign_answers_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["campaign_items.id"],
            name=op.f("fk_campaign_answers_item_id_campaign_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["campaign_reports.id"],
            name=op.f("fk_campaign_answers_report_id_campaign_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_answers")),
        sa.UniqueConstraint("report_id", "item_id", name="uq_campaign_answers_report_id"),
    )
    op.create_table(
        "campaign_hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_hazards_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_campaign_hazards_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_campaign_hazards_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["campaign_items.id"],
            name=op.f("fk_campaign_hazards_item_id_campaign_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_hazards")),
        sa.UniqueConstraint("hazard_id", name="uq_campaign_hazards_hazard_id"),
    )
    op.create_index(
        "ix_campaign_hazards_campaign", "campaign_hazards", ["campaign_id", "enterprise_id"], unique=False
    )
    op.create_table(
        "campaign_enterprise_tags",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_campaign_enterprise_tags_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "tag", name=op.f("pk_campaign_enterprise_tags")),
    )
    op.create_index("ix_campaign_enterprise_tags_tag", "campaign_enterprise_tags", ["tag"], unique=False)
    op.create_table(
        "safety_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=30), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("ack_deadline", TZ, nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("sent_at", TZ, nullable=False),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_safety_notices_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["sent_by"], ["users.id"], name=op.f("fk_safety_notices_sent_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_notices")),
    )
    op.create_index(
        "ix_safety_notices_deadline", "safety_notices", ["escalated_at", "ack_deadline"], unique=False
    )
    op.create_index(op.f("ix_safety_notices_region_path"), "safety_notices", ["region_path"], unique=False)
    op.create_table(
        "safety_notice_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("read_at", TZ, nullable=True),
        sa.Column("acked_at", TZ, nullable=True),
        sa.Column("acked_by", sa.Integer(), nullable=True),
        sa.Column("acked_by_name", sa.String(length=100), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["acked_by"], ["users.id"], name=op.f("fk_safety_notice_recipients_acked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_safety_notice_recipients_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["safety_notices.id"],
            name=op.f("fk_safety_notice_recipients_notice_id_safety_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_notice_recipients")),
        sa.UniqueConstraint("notice_id", "enterprise_id", name="uq_safety_notice_recipients_notice_id"),
    )
    op.create_index(
        op.f("ix_safety_notice_recipients_enterprise_id"),
        "safety_notice_recipients",
        ["enterprise_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_safety_notice_recipients_enterprise_id"), table_name="safety_notice_recipients")
    op.drop_table("safety_notice_recipients")
    op.drop_index(op.f("ix_safety_notices_region_path"), table_name="safety_notices")
    op.drop_index("ix_safety_notices_deadline", table_name="safety_notices")
    op.drop_table("safety_notices")
    op.drop_index("ix_campaign_enterprise_tags_tag", table_name="campaign_enterprise_tags")
    op.drop_table("campaign_enterprise_tags")
    op.drop_index("ix_campaign_hazards_campaign", table_name="campaign_hazards")
    op.drop_table("campaign_hazards")
    op.drop_table("campaign_answers")
    op.drop_index(op.f("ix_campaign_report_events_report_id"), table_name="campaign_report_events")
    op.drop_table("campaign_report_events")
    op.drop_index(op.f("ix_campaign_reports_enterprise_id"), table_name="campaign_reports")
    op.drop_table("campaign_reports")
    op.drop_index("ix_campaign_items_campaign", table_name="campaign_items")
    op.drop_table("campaign_items")
    op.drop_index(op.f("ix_campaigns_region_path"), table_name="campaigns")
    op.drop_table("campaigns")
