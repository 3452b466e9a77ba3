"""official documents: one renderer (HTML + PDF), content hash, numbering

Revision ID: 0015
Revises: 0014

The 督办通知书 counter (supervision_notice_sequences) becomes the shared 发文字号 counter
(document_sequences): its rows are copied over, so numbers already given are never given again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sequence_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("sequence_key", sa.String(length=150), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sequence_key", "year", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _sequence_table("document_sequences")
    op.execute(
        "INSERT INTO document_sequences (sequence_key, year, last_no) "
        "SELECT sequence_key, year, last_no FROM supervision_notice_sequences"
    )
    op.drop_table("supervision_notice_sequences")
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=True),
        sa.Column("number_key", sa.String(length=150), nullable=True),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number_no", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=200), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("region_path", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_documents_created_by_users")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_documents_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_documents_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("number_key", "number_year", "number_no", name="uq_documents_number"),
    )
    op.create_index("ix_documents_enterprise_id", "documents", ["enterprise_id"])
    op.create_index("ix_documents_subject", "documents", ["subject_type", "subject_id"])
    op.create_index("ix_documents_region_path", "documents", ["region_path"])


def downgrade() -> None:
    op.drop_index("ix_documents_region_path", table_name="documents")
    op.drop_index("ix_documents_subject", table_name="documents")
    op.drop_index("ix_documents_enterprise_id", table_name="documents")
    op.drop_table("documents")
    _sequence_table("supervision_notice_sequences")
    op.execute(
        "INSERT INTO supervision_notice_sequences (sequence_key, year, last_no) "
        "SELECT sequence_key, year, last_no FROM document_sequences"
    )
    op.drop_table("document_sequences")
