"""tips receipt code, photos and an atomic rate limit (issue 15 item 9)

Revision ID: 0012
Revises: 0011

- hazard_tips.receipt_hash: SHA-256 of the receipt code shown to the reporter (the code itself is not kept);
  hazard_tips.photo_ids: the photos sent with the 举报.
- attachments.region_path: set on photos of a public 举报, so inspectors over that region may read them.
- tip_throttle: submissions and status look-ups per client in the current window, bumped by one upsert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazard_tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("photo_ids", sa.JSON(), server_default="[]", nullable=False))
        batch_op.create_index(batch_op.f("ix_hazard_tips_receipt_hash"), ["receipt_hash"], unique=True)
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_path", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachments_region_path"), ["region_path"], unique=False)
    op.create_table(
        "tip_throttle",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_tip_throttle")),
    )


def downgrade() -> None:
    op.drop_table("tip_throttle")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_region_path"))
        batch_op.drop_column("region_path")
    with op.batch_alter_table("hazard_tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_tips_receipt_hash"))
        batch_op.drop_column("photo_ids")
        batch_op.drop_column("receipt_hash")
