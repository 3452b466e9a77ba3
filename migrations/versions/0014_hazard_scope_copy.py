"""hazards: a copy of the enterprise's region codes by depth and industry, with one list index per depth

Revision ID: 0014
Revises: 0013

A scoped ledger page then reads one index range that stops after the page (app/enterprises/scope_copy.py).
Existing rows are filled from their enterprise.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEPTHS = range(1, 5)
# The list order, then the list filters, checked inside the index (app/hazards/models.py).
ORDER_AND_FILTERS = ["found_on", "id", "state", "grade", "source", "industry"]


def upgrade() -> None:
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_path", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("industry", sa.String(length=40), nullable=True))
        for d in DEPTHS:
            batch_op.add_column(sa.Column(f"region_l{d}", sa.String(length=12), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        levels = ", ".join(f"region_l{d} = NULLIF(split_part(r.path, '/', {d}), '')" for d in DEPTHS)
        op.execute(
            "UPDATE hazards h SET industry = e.industry, region_path = r.path, "
            + levels
            + " FROM enterprises e LEFT JOIN regions r ON r.code = e.region_code WHERE e.id = h.enterprise_id"
        )
    else:
        rows = bind.execute(
            sa.text(
                "SELECT e.id, e.industry, r.path FROM enterprises e LEFT JOIN regions r ON r.code = e.region_code"
            )
        ).all()
        for ent_id, industry, path in rows:
            codes = [c for c in (path or "").split("/") if c]
            values = {"id": ent_id, "industry": industry, "path": path}
            values.update({f"l{d}": codes[d - 1] if len(codes) >= d else None for d in DEPTHS})
            bind.execute(
                sa.text(
                    "UPDATE hazards SET industry = :industry, region_path = :path, "
                    + ", ".join(f"region_l{d} = :l{d}" for d in DEPTHS)
                    + " WHERE enterprise_id = :id"
                ),
                values,
            )
    for d in DEPTHS:
        op.create_index(f"ix_hazards_l{d}_found", "hazards", [f"region_l{d}", *ORDER_AND_FILTERS])
    op.drop_index("ix_hazards_enterprise_found", table_name="hazards")
    op.create_index("ix_hazards_enterprise_found", "hazards", ["enterprise_id", *ORDER_AND_FILTERS])
    op.drop_index("ix_hazards_found", table_name="hazards")
    op.create_index("ix_hazards_found", "hazards", ORDER_AND_FILTERS)


def downgrade() -> None:
    op.drop_index("ix_hazards_found", table_name="hazards")
    op.create_index("ix_hazards_found", "hazards", ["found_on", "id"])
    op.drop_index("ix_hazards_enterprise_found", table_name="hazards")
    op.create_index("ix_hazards_enterprise_found", "hazards", ["enterprise_id", "found_on", "id"])
    for d in DEPTHS:
        op.drop_index(f"ix_hazards_l{d}_found", table_name="hazards")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        for d in reversed(DEPTHS):
            batch_op.drop_column(f"region_l{d}")
        batch_op.drop_column("industry")
        batch_op.drop_column("region_path")
