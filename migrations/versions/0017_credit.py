"""信用: 严重失信主体名单, 信用修复, enterprise profile

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, remote: str, **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{remote}"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "credit_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("issuer_region_code", sa.String(length=12), nullable=False),
        sa.Column("issuer_department", sa.String(length=100), nullable=False),
        sa.Column("rule_set", sa.String(length=80), nullable=False),
        sa.Column("condition_code", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("basis", sa.String(length=500), nullable=False),
        sa.Column("penalty_case_id", sa.Integer(), nullable=True),
        sa.Column("penalty_decision_number", sa.String(length=60), nullable=False),
        sa.Column("penalty_decision_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("objection_due", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("early_removal_from", sa.Date(), nullable=True),
        sa.Column("removal_applied_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("credit_listings", "enterprise_id", "enterprises", "id"),
        _fk("credit_listings", "region_code", "regions", "code"),
        _fk("credit_listings", "issuer_region_code", "regions", "code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listings")),
    )
    op.create_index("ix_credit_listings_enterprise_id", "credit_listings", ["enterprise_id"])
    op.create_index("ix_credit_listings_state_term", "credit_listings", ["state", "term_end"])
    op.create_index("ix_credit_listings_credit_code", "credit_listings", ["credit_code"])
    op.create_table(
        "credit_listing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        _fk("credit_listing_events", "actor_id", "users", "id"),
        _fk("credit_listing_events", "listing_id", "credit_listings", "id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listing_events")),
    )
    op.create_index("ix_credit_listing_events_listing_id", "credit_listing_events", ["listing_id"])
    op.create_table(
        "enterprise_profiles",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("standardization_grade", sa.String(length=1), nullable=True),
        sa.Column("standardization_valid_until", sa.Date(), nullable=True),
        sa.Column("insurer", sa.String(length=200), nullable=True),
        sa.Column("insurance_policy_no", sa.String(length=60), nullable=True),
        sa.Column("insurance_valid_until", sa.Date(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("enterprise_profiles", "enterprise_id", "enterprises", "id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_enterprise_profiles")),
    )
    op.create_table(
        "enterprise_licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("enterprise_licences", "enterprise_id", "enterprises", "id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_licences")),
    )
    op.create_index("ix_enterprise_licences_enterprise_id", "enterprise_licences", ["enterprise_id"])
    op.create_index("ix_enterprise_licences_valid_until", "enterprise_licences", ["valid_until"])

    op.create_table(
        "credit_external_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("basis", sa.String(length=500), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_external_listings")),
        sa.UniqueConstraint("credit_code", "source", "listed_on", name="uq_credit_external_listings_key"),
    )
    op.create_index("ix_credit_external_listings_credit_code", "credit_external_listings", ["credit_code"])


def downgrade() -> None:
    op.drop_index("ix_credit_external_listings_credit_code", table_name="credit_external_listings")
    op.drop_table("credit_external_listings")
    op.drop_index("ix_enterprise_licences_valid_until", table_name="enterprise_licences")
    op.drop_index("ix_enterprise_licences_enterprise_id", table_name="enterprise_licences")
    op.drop_table("enterprise_licences")
    op.drop_table("enterprise_profiles")
    op.drop_index("ix_credit_listing_events_listing_id", table_name="credit_listing_events")
    op.drop_table("credit_listing_events")
    op.drop_index("ix_credit_listings_credit_code", table_name="credit_listings")
    op.drop_index("ix_credit_listings_state_term", table_name="credit_listings")
    op.drop_index("ix_credit_listings_enterprise_id", table_name="credit_listings")
    op.drop_table("credit_listings")
