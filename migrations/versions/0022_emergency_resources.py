"""应急资源: 应急物资/装备 and 专家库

Revision ID: 0022
Revises: 0021

- emergency_resources: 应急物资 and 装备 of an enterprise (enterprise_id) or of a department (enterprise_id
  empty; region_code and department name the owner), with storage place, quantity, expiry and lon/lat.
- emergency_experts: the departments' 专家库 (field from a fixed list, region, organisation, phone).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "emergency_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("storage_place", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_emergency_resources_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_emergency_resources_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_resources")),
    )
    for column in ("enterprise_id", "region_code", "expires_on"):
        op.create_index(
            op.f(f"ix_emergency_resources_{column}"), "emergency_resources", [column], unique=False
        )
    op.create_table(
        "emergency_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("availability", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_emergency_experts_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_experts")),
    )
    op.create_index(
        op.f("ix_emergency_experts_region_code"), "emergency_experts", ["region_code"], unique=False
    )
    op.create_index(
        "ix_emergency_experts_field_region", "emergency_experts", ["field", "region_code"], unique=False
    )


def downgrade() -> None:
    op.drop_table("emergency_experts")
    op.drop_table("emergency_resources")
