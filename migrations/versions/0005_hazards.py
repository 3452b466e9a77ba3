"""隐患排查治理 — attachments, hazard register, events, extensions, 双报告, 举报, 排查 plans and tasks

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_attachments_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_attachments_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "check_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_check_lists_created_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_check_lists_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_lists")),
    )
    with op.batch_alter_table("check_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_lists_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "check_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("risk_point_id", sa.Integer(), nullable=True),
        sa.Column("control_measure_id", sa.Integer(), nullable=True),
        sa.Column("major_item", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["check_lists.id"],
            name=op.f("fk_check_items_checklist_id_check_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["control_measure_id"],
            ["control_measures.id"],
            name=op.f("fk_check_items_control_measure_id_control_measures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["risk_point_id"],
            ["risk_points.id"],
            name=op.f("fk_check_items_risk_point_id_risk_points"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_items")),
    )
    with op.batch_alter_table("check_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_items_checklist_id"), ["checklist_id"], unique=False)

    op.create_table(
        "check_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_check_plans_assignee_id_users")),
        sa.ForeignKeyConstraint(
            ["checklist_id"], ["check_lists.id"], name=op.f("fk_check_plans_checklist_id_check_lists")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_check_plans_created_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_check_plans_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_plans")),
    )
    with op.batch_alter_table("check_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_plans_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("found_by", sa.Integer(), nullable=True),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("major_item", sa.String(length=40), nullable=True),
        sa.Column("major_citation", sa.JSON(), nullable=True),
        sa.Column("major_rule_set", sa.String(length=80), nullable=True),
        sa.Column("major_trace", sa.JSON(), nullable=True),
        sa.Column("major_reason", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("rectify_mode", sa.String(length=10), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("funds", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("rectifier_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("risk_point_id", sa.Integer(), nullable=True),
        sa.Column("control_measure_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["control_measure_id"],
            ["control_measures.id"],
            name=op.f("fk_hazards_control_measure_id_control_measures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_hazards_created_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_hazards_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["found_by"], ["users.id"], name=op.f("fk_hazards_found_by_users")),
        sa.ForeignKeyConstraint(["rectifier_id"], ["users.id"], name=op.f("fk_hazards_rectifier_id_users")),
        sa.ForeignKeyConstraint(
            ["risk_point_id"],
            ["risk_points.id"],
            name=op.f("fk_hazards_risk_point_id_risk_points"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
        sa.UniqueConstraint("created_by", "idempotency_key", name="uq_hazards_idempotency"),
    )
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hazards_enterprise_found", ["enterprise_id", "found_on", "id"], unique=False
        )
        batch_op.create_index("ix_hazards_found", ["found_on", "id"], unique=False)
        batch_op.create_index("ix_hazards_state_deadline", ["state", "deadline"], unique=False)

    op.create_table(
        "check_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_check_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"], name=op.f("fk_check_tasks_done_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_check_tasks_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["check_plans.id"],
            name=op.f("fk_check_tasks_plan_id_check_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_tasks")),
        sa.UniqueConstraint("plan_id", "period_start", name="uq_check_tasks_period"),
    )
    with op.batch_alter_table("check_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_tasks_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_tasks_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "hazard_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_hazard_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_hazard_events_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_events")),
        comment="append-only; never updated or deleted",
    )
    with op.batch_alter_table("hazard_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_events_hazard_id"), ["hazard_id"], unique=False)

    op.create_table(
        "hazard_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_hazard_extensions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_extensions_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_hazard_extensions_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_extensions")),
    )
    with op.batch_alter_table("hazard_extensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_extensions_hazard_id"), ["hazard_id"], unique=False)

    op.create_table(
        "hazard_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=12), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("status_and_cause", sa.Text(), nullable=False),
        sa.Column("harm_and_difficulty", sa.Text(), nullable=False),
        sa.Column("governance_plan", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_hazard_reports_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_hazard_reports_reported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_reports")),
        sa.UniqueConstraint("hazard_id", "recipient", name="uq_hazard_reports_recipient"),
    )
    with op.batch_alter_table("hazard_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_reports_hazard_id"), ["hazard_id"], unique=False)

    op.create_table(
        "hazard_tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_hazard_tips_decided_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_hazard_tips_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazards.id"], name=op.f("fk_hazard_tips_hazard_id_hazards")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_hazard_tips_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_tips")),
    )
    with op.batch_alter_table("hazard_tips", schema=None) as batch_op:
        batch_op.create_index("ix_hazard_tips_client", ["client_key", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazard_tips_region_path"), ["region_path"], unique=False)

    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_check_results_hazard_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["check_items.id"], name=op.f("fk_check_results_item_id_check_items")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["check_tasks.id"],
            name=op.f("fk_check_results_task_id_check_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_results_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("check_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_results_task_id"))

    op.drop_table("check_results")
    with op.batch_alter_table("hazard_tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_tips_region_path"))
        batch_op.drop_index("ix_hazard_tips_client")

    op.drop_table("hazard_tips")
    with op.batch_alter_table("hazard_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_reports_hazard_id"))

    op.drop_table("hazard_reports")
    with op.batch_alter_table("hazard_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_extensions_hazard_id"))

    op.drop_table("hazard_extensions")
    with op.batch_alter_table("hazard_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_events_hazard_id"))

    op.drop_table("hazard_events")
    with op.batch_alter_table("check_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_tasks_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_check_tasks_due_on"))

    op.drop_table("check_tasks")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_index("ix_hazards_state_deadline")
        batch_op.drop_index("ix_hazards_found")
        batch_op.drop_index("ix_hazards_enterprise_found")

    op.drop_table("hazards")
    with op.batch_alter_table("check_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_plans_enterprise_id"))

    op.drop_table("check_plans")
    with op.batch_alter_table("check_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_items_checklist_id"))

    op.drop_table("check_items")
    with op.batch_alter_table("check_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_lists_enterprise_id"))

    op.drop_table("check_lists")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_enterprise_id"))

    op.drop_table("attachments")
