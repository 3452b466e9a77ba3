"""事故 and 应急: accident reports, investigations, 应急预案, 演练

Revision ID: 0018
Revises: 0017

The existing `accidents` rows (input to the enterprise level) stay as they are, with state "recorded"
and source "legacy"; the new columns are the report, its level and the investigation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = [
    "occurred_at",
    "place",
    "direct_loss_yuan",
    "summary",
    "special_kind",
    "photos",
    "source",
    "level",
    "level_rule_set",
    "level_trace",
    "state",
    "reported_by",
    "team",
    "investigation_started_on",
    "investigation_due",
    "extension_days",
    "causes",
    "responsibility",
    "report_submitted_on",
    "reply_authority",
    "closed_on",
    "evaluation_opens_on",
    "evaluation_due",
    "evaluated_on",
    "evaluation_summary",
]


def upgrade() -> None:
    with op.batch_alter_table("accidents", schema=None) as b:
        b.add_column(sa.Column("occurred_at", UTCDateTime(), nullable=True))
        b.add_column(sa.Column("place", sa.String(length=200), nullable=True))
        b.add_column(sa.Column("direct_loss_yuan", sa.BigInteger(), nullable=False, server_default="0"))
        b.add_column(sa.Column("summary", sa.Text(), nullable=True))
        b.add_column(sa.Column("special_kind", sa.String(length=20), nullable=True))
        b.add_column(sa.Column("photos", sa.JSON(), nullable=False, server_default="[]"))
        b.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="legacy"))
        b.add_column(sa.Column("level", sa.String(length=20), nullable=True))
        b.add_column(sa.Column("level_rule_set", sa.String(length=80), nullable=True))
        b.add_column(sa.Column("level_trace", sa.JSON(), nullable=True))
        b.add_column(sa.Column("state", sa.String(length=20), nullable=False, server_default="recorded"))
        b.add_column(sa.Column("reported_by", sa.Integer(), nullable=True))
        b.add_column(sa.Column("team", sa.Text(), nullable=True))
        b.add_column(sa.Column("investigation_started_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("investigation_due", sa.Date(), nullable=True))
        b.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        b.add_column(sa.Column("causes", sa.Text(), nullable=True))
        b.add_column(sa.Column("responsibility", sa.Text(), nullable=True))
        b.add_column(sa.Column("report_submitted_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("reply_authority", sa.String(length=200), nullable=True))
        b.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("evaluation_opens_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("evaluation_due", sa.Date(), nullable=True))
        b.add_column(sa.Column("evaluated_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("evaluation_summary", sa.Text(), nullable=True))
        b.create_foreign_key(op.f("fk_accidents_reported_by_users"), "users", ["reported_by"], ["id"])
        b.create_index(op.f("ix_accidents_state"), ["state"], unique=False)

    op.create_table(
        "accident_report_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accident_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accident_id"],
            ["accidents.id"],
            name=op.f("fk_accident_report_steps_accident_id_accidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_report_steps")),
        sa.UniqueConstraint("accident_id", "tier", name=op.f("uq_accident_report_steps_accident_id")),
    )
    op.create_index(
        op.f("ix_accident_report_steps_accident_id"), "accident_report_steps", ["accident_id"], unique=False
    )

    op.create_table(
        "accident_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accident_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("serious_injuries", sa.Integer(), nullable=False),
        sa.Column("minor_injuries", sa.Integer(), nullable=False),
        sa.Column("direct_loss_yuan", sa.BigInteger(), nullable=False),
        sa.Column("level_before", sa.String(length=20), nullable=True),
        sa.Column("level_after", sa.String(length=20), nullable=False),
        sa.Column("within_window", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accident_id"],
            ["accidents.id"],
            name=op.f("fk_accident_updates_accident_id_accidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_updates")),
    )
    op.create_index(
        op.f("ix_accident_updates_accident_id"), "accident_updates", ["accident_id"], unique=False
    )

    op.create_table(
        "accident_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("evaluation", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["accident_id"],
            ["accidents.id"],
            name=op.f("fk_accident_measures_accident_id_accidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_measures")),
    )
    op.create_index(
        op.f("ix_accident_measures_accident_id"), "accident_measures", ["accident_id"], unique=False
    )

    op.create_table(
        "accident_events",
        sa.Column("accident_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accident_id"],
            ["accidents.id"],
            name=op.f("fk_accident_events_accident_id_accidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_accident_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_events")),
    )
    op.create_index(op.f("ix_accident_events_accident_id"), "accident_events", ["accident_id"], unique=False)

    op.create_table(
        "emergency_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("review_kind", sa.String(length=20), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("filing_due", sa.Date(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("filed_with", sa.String(length=200), nullable=True),
        sa.Column("evaluation_required", sa.Boolean(), nullable=False),
        sa.Column("last_evaluated_on", sa.Date(), nullable=True),
        sa.Column("evaluation_due", sa.Date(), nullable=True),
        sa.Column("evaluation_note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_emergency_plans_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_plans")),
    )
    op.create_index(
        op.f("ix_emergency_plans_enterprise_id"), "emergency_plans", ["enterprise_id"], unique=False
    )
    op.create_index(
        "ix_emergency_plans_enterprise_kind", "emergency_plans", ["enterprise_id", "kind"], unique=False
    )

    op.create_table(
        "emergency_drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("scenario", sa.String(length=500), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("improvements", sa.Text(), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_emergency_drills_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["emergency_plans.id"],
            name=op.f("fk_emergency_drills_plan_id_emergency_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_drills")),
    )
    op.create_index(op.f("ix_emergency_drills_plan_id"), "emergency_drills", ["plan_id"], unique=False)
    op.create_index(
        op.f("ix_emergency_drills_enterprise_id"), "emergency_drills", ["enterprise_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("emergency_drills")
    op.drop_table("emergency_plans")
    op.drop_table("accident_events")
    op.drop_table("accident_measures")
    op.drop_table("accident_updates")
    op.drop_table("accident_report_steps")
    with op.batch_alter_table("accidents", schema=None) as b:
        b.drop_index(op.f("ix_accidents_state"))
        b.drop_constraint(op.f("fk_accidents_reported_by_users"), type_="foreignkey")
        for name in reversed(NEW_COLUMNS):
            b.drop_column(name)
