"""Monitoring readings without the point FK; a point's readings go with the point (trigger)

Revision ID: 0028
Revises: 0027

The foreign key monitoring_readings.point_id → monitoring_points.id cost every inserted reading a look-up
into monitoring_points (a row trigger on PostgreSQL): ~17,400 readings/s from 4 connections with it,
~21,000/s without (docs/monitoring.md). Ingest already admits only the device's enterprise's active points
(app/monitoring/ingest.py), and the application never deletes a point (it deactivates it); what the FK
still did, ON DELETE CASCADE when a point goes (by hand, or with its enterprise or unit), a trigger on
monitoring_points now does in the same transaction, costing nothing per reading.

PostgreSQL 15: the FK was declared on the partitioned parent, so each partition has an inherited copy;
dropping it on the parent drops those too (and re-adding it on the parent adds them to every partition).
SQLite: the plain table is rebuilt without the FK (batch mode; nothing references monitoring_readings).
A later batch rebuild of monitoring_points on SQLite would drop the trigger with the table: make it again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_monitoring_readings_point_id_monitoring_points"
TRIGGER = "trg_monitoring_points_delete_readings"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(FK, "monitoring_readings", type_="foreignkey")
        op.execute(
            f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN DELETE FROM monitoring_readings WHERE point_id = OLD.id; RETURN OLD; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON monitoring_points "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )
        return
    with op.batch_alter_table("monitoring_readings") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON monitoring_points FOR EACH ROW "
        "BEGIN DELETE FROM monitoring_readings WHERE point_id = OLD.id; END"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(f"DROP TRIGGER {TRIGGER}" + (" ON monitoring_points" if postgresql else ""))
    if postgresql:
        op.execute(f"DROP FUNCTION {TRIGGER}()")
        op.create_foreign_key(
            FK, "monitoring_readings", "monitoring_points", ["point_id"], ["id"], ondelete="CASCADE"
        )
        return
    with op.batch_alter_table("monitoring_readings") as batch:
        batch.create_foreign_key(FK, "monitoring_points", ["point_id"], ["id"], ondelete="CASCADE")
