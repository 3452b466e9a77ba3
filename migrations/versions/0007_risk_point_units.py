"""risk points linked to the 重大危险源 unit they belong to

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_risk_points_major_hazard_unit_id_major_hazard_units"
INDEX_NAME = "ix_risk_points_major_hazard_unit_id"


def _column() -> sa.Column[int]:
    return sa.Column(
        "major_hazard_unit_id",
        sa.Integer(),
        sa.ForeignKey("major_hazard_units.id", name=FK_NAME, ondelete="SET NULL"),
        nullable=True,
    )


def upgrade() -> None:
    with op.batch_alter_table("risk_points", schema=None) as batch_op:
        batch_op.add_column(_column())
        batch_op.create_index(INDEX_NAME, ["major_hazard_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_points", schema=None) as batch_op:
        batch_op.drop_index(INDEX_NAME)
        batch_op.drop_column("major_hazard_unit_id")
