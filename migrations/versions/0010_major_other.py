"""hazards: 重大 by “其他（依据…）” with the typed-in standard and clause, 未确认 until a regulator decides

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("major_basis_standard", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("major_basis_clause", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("major_unconfirmed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_column("major_unconfirmed")
        batch_op.drop_column("major_basis_clause")
        batch_op.drop_column("major_basis_standard")
