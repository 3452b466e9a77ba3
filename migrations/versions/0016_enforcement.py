"""执法: inspections and their checklist items, 行政处罚 cases and their events

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEPTHS = 4


def _scope_copy() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("region_path", sa.String(length=200), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        *(sa.Column(f"region_l{d}", sa.String(length=12), nullable=True) for d in range(1, DEPTHS + 1)),
    ]


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("issuer_region_code", sa.String(length=12), nullable=True),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column("inspector_names", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("plan_item_id", sa.Integer(), nullable=True),
        sa.Column("review_of_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("record_number", sa.String(length=60), nullable=True),
        sa.Column("order_state", sa.String(length=12), nullable=True),
        sa.Column("order_number", sa.String(length=60), nullable=True),
        sa.Column("order_requirements", sa.Text(), nullable=True),
        sa.Column("order_deadline", sa.Date(), nullable=True),
        sa.Column("order_reported_on", sa.Date(), nullable=True),
        sa.Column("order_report_note", sa.Text(), nullable=True),
        sa.Column("review_number", sa.String(length=60), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        *_stamps(),
        *_scope_copy(),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_inspections_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_region_code"], ["regions.code"], name=op.f("fk_inspections_issuer_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_inspections_created_by_users")),
        sa.ForeignKeyConstraint(
            ["plan_item_id"],
            ["inspection_plan_items.id"],
            name=op.f("fk_inspections_plan_item_id_inspection_plan_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["review_of_id"],
            ["inspections.id"],
            name=op.f("fk_inspections_review_of_id_inspections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index("ix_inspections_enterprise_on", "inspections", ["enterprise_id", "inspected_on"])
    op.create_index("ix_inspections_order", "inspections", ["order_state", "order_deadline"])
    op.create_index(op.f("ix_inspections_plan_item_id"), "inspections", ["plan_item_id"])
    op.create_index(op.f("ix_inspections_review_of_id"), "inspections", ["review_of_id"])
    for d in range(1, DEPTHS + 1):
        op.create_index(f"ix_inspections_l{d}_on", "inspections", [f"region_l{d}", "inspected_on"])

    op.create_table(
        "inspection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("clause", sa.String(length=100), nullable=True),
        sa.Column("rule_set", sa.String(length=80), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("control_measure_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_items_inspection_id_inspections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["control_measure_id"],
            ["control_measures.id"],
            name=op.f("fk_inspection_items_control_measure_id_control_measures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_inspection_items_hazard_id_hazards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
    )
    op.create_index(
        "ix_inspection_items_inspection_position", "inspection_items", ["inspection_id", "position"]
    )
    op.create_index(op.f("ix_inspection_items_hazard_id"), "inspection_items", ["hazard_id"])

    op.create_table(
        "penalty_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("issuer_region_code", sa.String(length=12), nullable=True),
        sa.Column("case_number", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("proposed_fine", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("fine", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("hearing_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=False),
        sa.Column("step_due", sa.Date(), nullable=True),
        sa.Column("overdue_notified", sa.String(length=20), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("execution", sa.String(length=12), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        *_stamps(),
        *_scope_copy(),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_penalty_cases_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_penalty_cases_inspection_id_inspections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_region_code"], ["regions.code"], name=op.f("fk_penalty_cases_issuer_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_penalty_cases_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_cases")),
    )
    op.create_index(op.f("ix_penalty_cases_enterprise_id"), "penalty_cases", ["enterprise_id"])
    op.create_index("ix_penalty_cases_state_due", "penalty_cases", ["state", "step_due"])

    op.create_table(
        "penalty_events",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_penalty_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["penalty_cases.id"],
            name=op.f("fk_penalty_events_case_id_penalty_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_events")),
    )
    op.create_index(op.f("ix_penalty_events_case_id"), "penalty_events", ["case_id"])


def downgrade() -> None:
    op.drop_table("penalty_events")
    op.drop_table("penalty_cases")
    op.drop_table("inspection_items")
    op.drop_table("inspections")
