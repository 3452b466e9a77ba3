"""APScheduler's job store table, created here so that schedulers starting together do not race to create it

Revision ID: 0011
Revises: 0010

APScheduler still "creates" the table at start (CREATE only if missing), so a database that already has
it from an earlier start is left as it is. Columns as in apscheduler.jobstores.sqlalchemy (3.x).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "apscheduler_jobs"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
    op.create_index(f"ix_{TABLE}_next_run_time", TABLE, ["next_run_time"])


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
