"""责任清单 and 包联

Revision ID: 0026
Revises: 0025

- assessment_responsibilities: a region's 责任清单 — per department the industries (and 规模) it supervises.
- assessment_liaisons: 包联 assignments of a region's leaders to a lower region or an enterprise.
- assessment_liaison_visits: the leaders' visits (what was checked, problems found, an optional hazard).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
RESP = "assessment_responsibilities"
LIA = "assessment_liaisons"
VIS = "assessment_liaison_visits"


def _fk(table: str, col: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    ref_table, ref_col = target.split(".")
    return sa.ForeignKeyConstraint(
        [col], [target], name=op.f(f"fk_{table}_{col}_{ref_table}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        RESP,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("duties", sa.Text(), nullable=True),
        sa.Column("basis", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk(RESP, "created_by", "users.id"),
        _fk(RESP, "region_code", "regions.code"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{RESP}")),
        sa.UniqueConstraint("region_code", "department", name="uq_assessment_responsibilities_department"),
    )
    op.create_index(op.f(f"ix_{RESP}_region_path"), RESP, ["region_path"], unique=False)
    op.create_table(
        LIA,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("leader_name", sa.String(length=50), nullable=False),
        sa.Column("leader_title", sa.String(length=100), nullable=False),
        sa.Column("leader_user_id", sa.Integer(), nullable=True),
        sa.Column("target_region_code", sa.String(length=12), nullable=True),
        sa.Column("target_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("target_path", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk(LIA, "created_by", "users.id"),
        _fk(LIA, "leader_user_id", "users.id"),
        _fk(LIA, "region_code", "regions.code"),
        _fk(LIA, "target_enterprise_id", "enterprises.id"),
        _fk(LIA, "target_region_code", "regions.code"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{LIA}")),
    )
    for col in ("region_code", "region_path", "target_enterprise_id"):
        op.create_index(op.f(f"ix_{LIA}_{col}"), LIA, [col], unique=False)
    op.create_table(
        VIS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("checked", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", TZ, nullable=False),
        _fk(VIS, "assignment_id", f"{LIA}.id", ondelete="CASCADE"),
        _fk(VIS, "hazard_id", "hazards.id"),
        _fk(VIS, "recorded_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{VIS}")),
    )
    op.create_index(op.f(f"ix_{VIS}_assignment_id"), VIS, ["assignment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{VIS}_assignment_id"), table_name=VIS)
    op.drop_table(VIS)
    for col in ("region_code", "region_path", "target_enterprise_id"):
        op.drop_index(op.f(f"ix_{LIA}_{col}"), table_name=LIA)
    op.drop_table(LIA)
    op.drop_index(op.f(f"ix_{RESP}_region_path"), table_name=RESP)
    op.drop_table(RESP)
