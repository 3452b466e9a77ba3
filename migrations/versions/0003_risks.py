"""风险分级管控 — risk points, assessments, control measures, 重大危险源, accidents

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('accidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('accident_type', sa.String(length=20), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('minor_injuries', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_accidents_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accidents'))
    )
    with op.batch_alter_table('accidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accidents_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('major_hazard_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_type', sa.String(length=20), nullable=False),
    sa.Column('substances', sa.JSON(), nullable=False),
    sa.Column('exposed_people', sa.Integer(), nullable=False),
    sa.Column('is_major', sa.Boolean(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('s', sa.Float(), nullable=True),
    sa.Column('r', sa.Float(), nullable=True),
    sa.Column('rule_set', sa.String(length=80), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_major_hazard_units_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major_hazard_units'))
    )
    with op.batch_alter_table('major_hazard_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_major_hazard_units_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('risk_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('point_type', sa.String(length=20), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('post', sa.String(length=100), nullable=True),
    sa.Column('responsible_person', sa.String(length=50), nullable=False),
    sa.Column('hazard_factors', sa.JSON(), nullable=False),
    sa.Column('accident_types', sa.JSON(), nullable=False),
    sa.Column('exposed_people', sa.Integer(), nullable=False),
    sa.Column('emergency_actions', sa.Text(), nullable=True),
    sa.Column('emergency_phone', sa.String(length=30), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_risk_points_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_points'))
    )
    with op.batch_alter_table('risk_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_points_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_points_level'), ['level'], unique=False)

    op.create_table('control_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_point_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('control_level', sa.String(length=20), nullable=False),
    sa.Column('responsible_person', sa.String(length=50), nullable=False),
    sa.Column('check_frequency', sa.String(length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['risk_point_id'], ['risk_points.id'], name=op.f('fk_control_measures_risk_point_id_risk_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_measures'))
    )
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_measures_risk_point_id'), ['risk_point_id'], unique=False)

    op.create_table('risk_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_point_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('rule_set', sa.String(length=80), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('is_major', sa.Boolean(), nullable=False),
    sa.Column('is_direct', sa.Boolean(), nullable=False),
    sa.Column('residual_score', sa.Float(), nullable=True),
    sa.Column('residual_level', sa.String(length=10), nullable=True),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('residual_trace', sa.JSON(), nullable=True),
    sa.Column('assessor', sa.String(length=50), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_risk_assessments_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_point_id'], ['risk_points.id'], name=op.f('fk_risk_assessments_risk_point_id_risk_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessments'))
    )
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.create_index('ix_risk_assessments_current', ['risk_point_id', 'is_current'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessments_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('unit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_major', sa.Boolean(), nullable=True),
    sa.Column('to_major', sa.Boolean(), nullable=True),
    sa.Column('from_grade', sa.Integer(), nullable=True),
    sa.Column('to_grade', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['major_hazard_units.id'], name=op.f('fk_unit_events_unit_id_major_hazard_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_events'))
    )
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_events_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('unit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_events_unit_id'))

    op.drop_table('unit_events')
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_assessments_enterprise_id'))
        batch_op.drop_index('ix_risk_assessments_current')

    op.drop_table('risk_assessments')
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_measures_risk_point_id'))

    op.drop_table('control_measures')
    with op.batch_alter_table('risk_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_points_level'))
        batch_op.drop_index(batch_op.f('ix_risk_points_enterprise_id'))

    op.drop_table('risk_points')
    with op.batch_alter_table('major_hazard_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_major_hazard_units_enterprise_id'))

    op.drop_table('major_hazard_units')
    with op.batch_alter_table('accidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accidents_enterprise_id'))

    op.drop_table('accidents')
