"""危化企业安全风险评估诊断分级 (应急〔2018〕19号) assessments

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hc_diagnoses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("direct_red", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("rule_set", sa.String(length=80), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_hc_diagnoses_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_hc_diagnoses_recorded_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hc_diagnoses")),
    )
    with op.batch_alter_table("hc_diagnoses", schema=None) as batch_op:
        batch_op.create_index("ix_hc_diagnoses_enterprise_assessed", ["enterprise_id", "assessed_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hc_diagnoses", schema=None) as batch_op:
        batch_op.drop_index("ix_hc_diagnoses_enterprise_assessed")
    op.drop_table("hc_diagnoses")
