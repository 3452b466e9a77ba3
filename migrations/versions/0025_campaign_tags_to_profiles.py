"""Campaign tags merged into enterprise_profiles.tags

Revision ID: 0025
Revises: 0023

Campaign and 安全提示 scopes read the enterprise profile's tags (app/campaigns/tags.py). Each row of
campaign_enterprise_tags becomes a code in its enterprise's profile (a profile row is made where there is
none); then the table goes. Downgrade recreates the table from the profiles' tags and leaves the profiles
as they are (which profile rows the upgrade made is not recorded, and they are valid profiles).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of app.credit.models.TAGS as of this revision (label of the old table → profile code).
CODES = {
    "涉粉尘": "dust",
    "涉氨制冷": "ammonia",
    "有限空间": "confined_space",
    "重大危险源": "major_hazard_source",
    "重点监管": "key",
    "人员密集场所": "crowded",
}
LABELS = {code: label for label, code in CODES.items()}

profiles = sa.table(
    "enterprise_profiles",
    sa.column("enterprise_id", sa.Integer),
    sa.column("tags", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer),
)
old_tags = sa.table(
    "campaign_enterprise_tags", sa.column("enterprise_id", sa.Integer), sa.column("tag", sa.String)
)


def upgrade() -> None:
    bind = op.get_bind()
    wanted: dict[int, list[str]] = {}
    for ent_id, tag in bind.execute(
        sa.select(old_tags.c.enterprise_id, old_tags.c.tag).order_by(old_tags.c.tag)
    ):
        if tag in CODES:  # a label no scope could ever select is dropped with the table
            wanted.setdefault(ent_id, []).append(CODES[tag])
    have = {
        ent_id: tags for ent_id, tags in bind.execute(sa.select(profiles.c.enterprise_id, profiles.c.tags))
    }
    now = datetime.now(UTC)
    for ent_id, codes in wanted.items():
        if ent_id in have:
            merged = list(dict.fromkeys([*(have[ent_id] or []), *codes]))
            if merged != have[ent_id]:
                bind.execute(
                    profiles.update()
                    .where(profiles.c.enterprise_id == ent_id)
                    .values(tags=merged, updated_at=now, version=profiles.c.version + 1)
                )
        else:
            bind.execute(
                profiles.insert().values(enterprise_id=ent_id, tags=codes, updated_at=now, version=1)
            )
    op.drop_index("ix_campaign_enterprise_tags_tag", table_name="campaign_enterprise_tags")
    op.drop_table("campaign_enterprise_tags")


def downgrade() -> None:
    op.create_table(
        "campaign_enterprise_tags",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_campaign_enterprise_tags_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "tag", name=op.f("pk_campaign_enterprise_tags")),
    )
    op.create_index("ix_campaign_enterprise_tags_tag", "campaign_enterprise_tags", ["tag"], unique=False)
    bind = op.get_bind()
    rows = [
        {"enterprise_id": ent_id, "tag": LABELS[code]}
        for ent_id, codes in bind.execute(sa.select(profiles.c.enterprise_id, profiles.c.tags))
        for code in dict.fromkeys(codes or [])
        if code in LABELS
    ]
    if rows:
        bind.execute(old_tags.insert(), rows)
