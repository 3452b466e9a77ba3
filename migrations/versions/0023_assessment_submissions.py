"""考核 报送: required periodic submissions and their receipts

Revision ID: 0023
Revises: 0022

- assessment_submission_requirements: a 报送 requirement of an upper level (title, period, due date).
- assessment_submissions: one row per region (and department) that must file: pending until filed, the
  text and the scorecard snapshot, late when filed after the due date.
- ix_hazards_card_found, ix_hazards_card_due: covering indexes of the scorecards' hazard counts (a city's
  or the province's child regions per period, by found_on / by deadline).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
REQ = "assessment_submission_requirements"
SUB = "assessment_submissions"
CARD_COLUMNS = ["region_l3", "state", "grade", "closed_on", "industry", "enterprise_id"]
CARD_INDEXES = {"ix_hazards_card_found": "found_on", "ix_hazards_card_due": "deadline"}


def upgrade() -> None:
    op.create_table(
        REQ,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f(f"fk_{REQ}_created_by_users")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f(f"fk_{REQ}_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{REQ}")),
    )
    for col in ("due_on", "region_path"):
        op.create_index(op.f(f"ix_{REQ}_{col}"), REQ, [col], unique=False)
    op.create_table(
        SUB,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("filed_at", TZ, nullable=True),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("filed_by_name", sa.String(length=100), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["filed_by"], ["users.id"], name=op.f(f"fk_{SUB}_filed_by_users")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f(f"fk_{SUB}_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            [f"{REQ}.id"],
            name=op.f(f"fk_{SUB}_requirement_id_{REQ}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{SUB}")),
        sa.UniqueConstraint(
            "requirement_id", "region_code", "department", name="uq_assessment_submissions_target"
        ),
    )
    for col in ("region_path", "requirement_id"):
        op.create_index(op.f(f"ix_{SUB}_{col}"), SUB, [col], unique=False)
    for name, col in CARD_INDEXES.items():
        op.create_index(name, "hazards", ["region_l2", col], unique=False, postgresql_include=CARD_COLUMNS)


def downgrade() -> None:
    for name in CARD_INDEXES:
        op.drop_index(name, table_name="hazards")
    for col in ("region_path", "requirement_id"):
        op.drop_index(op.f(f"ix_{SUB}_{col}"), table_name=SUB)
    op.drop_table(SUB)
    for col in ("due_on", "region_path"):
        op.drop_index(op.f(f"ix_{REQ}_{col}"), table_name=REQ)
    op.drop_table(REQ)
