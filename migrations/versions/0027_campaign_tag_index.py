"""Campaign tag look-up: a GIN index over the enterprise profiles' tags (PostgreSQL)

Revision ID: 0027
Revises: 0026

Campaign and 安全提示 scopes ask which profiles carry a tag (app/campaigns/tags.py): on PostgreSQL a JSONB
containment over `tags::jsonb`. The column stays JSON and the profile stays the one source; this index on
the expression serves a rare tag directly and gives the planner statistics for a common one. SQLite has no
such index and keeps matching the array's text.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_enterprise_profiles_tags ON enterprise_profiles "
            "USING gin ((CAST(tags AS JSONB)) jsonb_path_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_enterprise_profiles_tags")
