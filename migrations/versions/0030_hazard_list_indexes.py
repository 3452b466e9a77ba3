"""Ledger indexes for industry-limited city and county inspectors and for 重大 in a busy township

Revision ID: 0030
Revises: 0029

(region_lN, industry, found_on, id, state, grade, source) for the city (N = 2) and the county (N = 3):
an inspector limited to one industry reads only that industry's hazards in the region, newest first.
(region_l4, grade, found_on, id, state, source, industry): a township's 重大 hazards, newest first, so a
busy township's 重大 ledger with further filters does not read all of the township's hazards.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["industry", "found_on", "id", "state", "grade", "source"]


def upgrade() -> None:
    for d in (2, 3):
        op.create_index(f"ix_hazards_l{d}_industry_found", "hazards", [f"region_l{d}", *COLUMNS])
    op.create_index(
        "ix_hazards_l4_grade_found",
        "hazards",
        ["region_l4", "grade", "found_on", "id", "state", "source", "industry"],
    )


def downgrade() -> None:
    op.drop_index("ix_hazards_l4_grade_found", table_name="hazards")
    for d in (2, 3):
        op.drop_index(f"ix_hazards_l{d}_industry_found", table_name="hazards")
