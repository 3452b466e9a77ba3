"""重大危险源 monitoring: points, readings, alarms, 包保, 承诺公告

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On PostgreSQL the readings table is partitioned by month; the migration makes the partitions of the
# previous, current and next two months (by the real clock); the monitoring.partitions job keeps making
# them ahead and drops those past retention.
MONTHS_AROUND = (-1, 0, 1, 2)


def _month(year: int, month: int, shift: int) -> tuple[int, int]:
    y, m = divmod(year * 12 + month - 1 + shift, 12)
    return y, m + 1


def upgrade() -> None:
    op.create_table(
        "monitoring_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.String(length=20), nullable=False),
        sa.Column("limit_ll", sa.Float(), nullable=True),
        sa.Column("limit_l", sa.Float(), nullable=True),
        sa.Column("limit_h", sa.Float(), nullable=True),
        sa.Column("limit_hh", sa.Float(), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_monitoring_points_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["major_hazard_units.id"],
            name=op.f("fk_monitoring_points_unit_id_major_hazard_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_points")),
        sa.UniqueConstraint("enterprise_id", "tag", name="uq_monitoring_points_enterprise_tag"),
    )
    op.create_index(op.f("ix_monitoring_points_enterprise_id"), "monitoring_points", ["enterprise_id"])
    op.create_index(op.f("ix_monitoring_points_unit_id"), "monitoring_points", ["unit_id"])

    op.create_table(
        "monitoring_readings",
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["monitoring_points.id"],
            name=op.f("fk_monitoring_readings_point_id_monitoring_points"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("point_id", "ts", name=op.f("pk_monitoring_readings")),
        postgresql_partition_by="RANGE (ts)",
    )
    if op.get_bind().dialect.name == "postgresql":
        now = datetime.now(UTC)
        for shift in MONTHS_AROUND:
            y, m = _month(now.year, now.month, shift)
            ny, nm = _month(y, m, 1)
            op.execute(
                f"CREATE TABLE IF NOT EXISTS monitoring_readings_p{y:04d}{m:02d} PARTITION OF "
                f"monitoring_readings FOR VALUES FROM ('{y:04d}-{m:02d}-01 00:00:00+00') "
                f"TO ('{ny:04d}-{nm:02d}-01 00:00:00+00')"
            )

    op.create_table(
        "monitoring_device_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_monitoring_device_tokens_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_monitoring_device_tokens_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_device_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_monitoring_device_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_monitoring_device_tokens_enterprise_id"), "monitoring_device_tokens", ["enterprise_id"]
    )

    op.create_table(
        "monitoring_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("peak_value", sa.Float(), nullable=True),
        sa.Column("peak_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_late", sa.Boolean(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposal_note", sa.Text(), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_monitoring_alarms_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_monitoring_alarms_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["monitoring_points.id"],
            name=op.f("fk_monitoring_alarms_point_id_monitoring_points"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["major_hazard_units.id"],
            name=op.f("fk_monitoring_alarms_unit_id_major_hazard_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alarms")),
    )
    op.create_index(op.f("ix_monitoring_alarms_enterprise_id"), "monitoring_alarms", ["enterprise_id"])
    op.create_index(op.f("ix_monitoring_alarms_point_id"), "monitoring_alarms", ["point_id"])
    op.create_index("ix_monitoring_alarms_enterprise_state", "monitoring_alarms", ["enterprise_id", "state"])
    op.create_index(
        "uq_monitoring_alarms_open",
        "monitoring_alarms",
        ["point_id", "kind"],
        unique=True,
        sqlite_where=sa.text("state <> 'cleared'"),
        postgresql_where=sa.text("state <> 'cleared'"),
    )

    op.create_table(
        "monitoring_alarm_events",
        sa.Column("alarm_id", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_monitoring_alarm_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["monitoring_alarms.id"],
            name=op.f("fk_monitoring_alarm_events_alarm_id_monitoring_alarms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alarm_events")),
    )
    op.create_index(op.f("ix_monitoring_alarm_events_alarm_id"), "monitoring_alarm_events", ["alarm_id"])

    op.create_table(
        "monitoring_unit_responsibles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_monitoring_unit_responsibles_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["major_hazard_units.id"],
            name=op.f("fk_monitoring_unit_responsibles_unit_id_major_hazard_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_monitoring_unit_responsibles_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_unit_responsibles")),
        sa.UniqueConstraint("unit_id", "role", name="uq_monitoring_unit_responsibles_unit_role"),
    )
    op.create_index(
        op.f("ix_monitoring_unit_responsibles_enterprise_id"),
        "monitoring_unit_responsibles",
        ["enterprise_id"],
    )

    op.create_table(
        "monitoring_commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units_total", sa.Integer(), nullable=False),
        sa.Column("units_running", sa.Integer(), nullable=False),
        sa.Column("units_stopped", sa.Integer(), nullable=False),
        sa.Column("special_work", sa.JSON(), nullable=False),
        sa.Column("normal_operation", sa.Boolean(), nullable=False),
        sa.Column("risk_summary", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.String(length=50), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_monitoring_commitments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_monitoring_commitments_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_commitments")),
        sa.UniqueConstraint("enterprise_id", "day", name="uq_monitoring_commitments_enterprise_day"),
    )


def downgrade() -> None:
    op.drop_table("monitoring_commitments")
    op.drop_table("monitoring_unit_responsibles")
    op.drop_table("monitoring_alarm_events")
    op.drop_table("monitoring_alarms")
    op.drop_table("monitoring_device_tokens")
    # On PostgreSQL this drops every partition with the parent.
    op.drop_table("monitoring_readings")
    op.drop_table("monitoring_points")
