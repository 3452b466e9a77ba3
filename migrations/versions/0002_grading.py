"""grading: enterprise and region risk levels with their traces

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:41:04.336660
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('region_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('rule_set', sa.String(length=80), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_region_levels_region_code_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_levels'))
    )
    with op.batch_alter_table('region_levels', schema=None) as batch_op:
        batch_op.create_index('ix_region_levels_current', ['region_code', 'is_current'], unique=False)

    op.create_table('enterprise_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('rule_set', sa.String(length=80), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_levels_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_levels'))
    )
    with op.batch_alter_table('enterprise_levels', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_levels_current', ['enterprise_id', 'is_current'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enterprise_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_levels_current')

    op.drop_table('enterprise_levels')
    with op.batch_alter_table('region_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_region_levels_current')

    op.drop_table('region_levels')
