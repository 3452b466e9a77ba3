"""考核, 月调度 and 通报: scorecards, monthly reports, 约谈, 责任清单, 包联, 报送

Revision ID: 0021
Revises: 0020

- assessment_bulletins, assessment_bulletin_regions: 考核通报 (draft → reviewed → issued with a number) and
  the regions it names (表扬/批评), who may read it.
- assessment_reports: the 月调度 report of a city or county for a month (.xlsx, PDF document id, figures).
- assessment_interviews: 约谈 records (whom, why, commitments) with a follow-up date the scheduler reminds of.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assessment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_assessment_reports_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_reports")),
        sa.UniqueConstraint("region_code", "period", name="uq_assessment_reports_region_period"),
    )
    op.create_index(
        op.f("ix_assessment_reports_region_path"), "assessment_reports", ["region_path"], unique=False
    )
    op.create_table(
        "assessment_bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("rule_set", sa.String(length=80), nullable=False),
        sa.Column("scorecard", sa.JSON(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", TZ, nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_assessment_bulletins_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_assessment_bulletins_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_assessment_bulletins_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_assessment_bulletins_reviewed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_bulletins")),
    )
    op.create_index(
        op.f("ix_assessment_bulletins_region_path"), "assessment_bulletins", ["region_path"], unique=False
    )
    op.create_table(
        "assessment_bulletin_regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("tone", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["assessment_bulletins.id"],
            name=op.f("fk_assessment_bulletin_regions_bulletin_id_assessment_bulletins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_assessment_bulletin_regions_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_bulletin_regions")),
    )
    op.create_index(
        op.f("ix_assessment_bulletin_regions_bulletin_id"),
        "assessment_bulletin_regions",
        ["bulletin_id"],
        unique=False,
    )
    op.create_index(
        "ix_assessment_bulletin_regions_path", "assessment_bulletin_regions", ["region_path"], unique=False
    )

    op.create_table(
        "assessment_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("held_by", sa.String(length=200), nullable=False),
        sa.Column("held_by_user", sa.Integer(), nullable=True),
        sa.Column("interviewee", sa.String(length=200), nullable=False),
        sa.Column("interviewee_kind", sa.String(length=20), nullable=False),
        sa.Column("reason_kind", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("bulletin_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("commitments", sa.Text(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.Column("followed_up_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_assessment_interviews_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["held_by_user"], ["users.id"], name=op.f("fk_assessment_interviews_held_by_user_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_assessment_interviews_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_interviews")),
    )
    for col in ("enterprise_id", "follow_up_on", "region_path"):
        op.create_index(op.f(f"ix_assessment_interviews_{col}"), "assessment_interviews", [col], unique=False)


def downgrade() -> None:
    for col in ("enterprise_id", "follow_up_on", "region_path"):
        op.drop_index(op.f(f"ix_assessment_interviews_{col}"), table_name="assessment_interviews")
    op.drop_table("assessment_interviews")
    op.drop_index("ix_assessment_bulletin_regions_path", table_name="assessment_bulletin_regions")
    op.drop_index(
        op.f("ix_assessment_bulletin_regions_bulletin_id"), table_name="assessment_bulletin_regions"
    )
    op.drop_table("assessment_bulletin_regions")
    op.drop_index(op.f("ix_assessment_bulletins_region_path"), table_name="assessment_bulletins")
    op.drop_table("assessment_bulletins")
    op.drop_index(op.f("ix_assessment_reports_region_path"), table_name="assessment_reports")
    op.drop_table("assessment_reports")
