"""挂牌督办 — supervision cases, events, notice numbering, announcements

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervision_notice_sequences",
        sa.Column("sequence_key", sa.String(length=150), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sequence_key", "year", name=op.f("pk_supervision_notice_sequences")),
    )
    op.create_table(
        "supervision_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("issuer_region_code", sa.String(length=12), nullable=False),
        sa.Column("issuer_region_path", sa.String(length=200), nullable=False),
        sa.Column("issuer_department", sa.String(length=100), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("notice_prefix", sa.String(length=30), nullable=False),
        sa.Column("notice_year", sa.Integer(), nullable=False),
        sa.Column("notice_no", sa.Integer(), nullable=False),
        sa.Column("notice_number", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("original_deadline", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("extension_until", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extension_requested_on", sa.Date(), nullable=True),
        sa.Column("closure_applied_on", sa.Date(), nullable=True),
        sa.Column("verification_due", sa.Date(), nullable=True),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("escalation_suggested", sa.Boolean(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_supervision_cases_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_supervision_cases_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_region_code"],
            ["regions.code"],
            name=op.f("fk_supervision_cases_issuer_region_code_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_supervision_cases_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"], ["users.id"], name=op.f("fk_supervision_cases_verifier_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_cases")),
        sa.UniqueConstraint("issuer_region_code", "notice_number", name="uq_supervision_cases_issuer_number"),
    )
    op.create_index(
        op.f("ix_supervision_cases_enterprise_id"), "supervision_cases", ["enterprise_id"], unique=False
    )
    op.create_index(
        "ix_supervision_cases_region_state", "supervision_cases", ["region_path", "state"], unique=False
    )
    op.create_index(
        "ix_supervision_cases_state_deadline", "supervision_cases", ["state", "deadline"], unique=False
    )
    op.create_index(
        "ix_supervision_cases_subject", "supervision_cases", ["subject_type", "subject_id"], unique=False
    )
    op.create_index(
        "uq_supervision_cases_open_subject",
        "supervision_cases",
        ["subject_type", "subject_id"],
        unique=True,
        sqlite_where=sa.text("state NOT IN ('closed', 'revoked')"),
        postgresql_where=sa.text("state NOT IN ('closed', 'revoked')"),
    )
    op.create_table(
        "supervision_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("notice_number", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["supervision_cases.id"],
            name=op.f("fk_supervision_announcements_case_id_supervision_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_announcements")),
        sa.UniqueConstraint("case_id", "kind", name="uq_supervision_announcements_case_kind"),
    )
    op.create_index(
        "ix_supervision_announcements_path", "supervision_announcements", ["region_path", "id"], unique=False
    )
    op.create_table(
        "supervision_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_supervision_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["supervision_cases.id"],
            name=op.f("fk_supervision_events_case_id_supervision_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_events")),
    )
    op.create_index(op.f("ix_supervision_events_case_id"), "supervision_events", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_events_case_id"), table_name="supervision_events")
    op.drop_table("supervision_events")
    op.drop_index("ix_supervision_announcements_path", table_name="supervision_announcements")
    op.drop_table("supervision_announcements")
    op.drop_index(
        "uq_supervision_cases_open_subject",
        table_name="supervision_cases",
        sqlite_where=sa.text("state NOT IN ('closed', 'revoked')"),
        postgresql_where=sa.text("state NOT IN ('closed', 'revoked')"),
    )
    op.drop_index("ix_supervision_cases_subject", table_name="supervision_cases")
    op.drop_index("ix_supervision_cases_state_deadline", table_name="supervision_cases")
    op.drop_index("ix_supervision_cases_region_state", table_name="supervision_cases")
    op.drop_index(op.f("ix_supervision_cases_enterprise_id"), table_name="supervision_cases")
    op.drop_table("supervision_cases")
    op.drop_table("supervision_notice_sequences")
