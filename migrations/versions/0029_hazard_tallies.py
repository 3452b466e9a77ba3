"""Hazard tallies for city and province statistics (app/hazards/tallies.py)

Revision ID: 0029
Revises: 0028

hazard_tallies on both backends; on PostgreSQL two triggers on hazards append a +1 row for a hazard's
new values and a -1 row for its old ones, and the table is filled from the hazards that exist. SQLite
keeps the table empty (its statistics read the hazards). The expressions are a frozen copy of
app/hazards/tallies.FROM_HAZARDS as of this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = (
    "region_path, region_l1, region_l2, region_l3, industry, found_on, grade, state, major_unconfirmed,"
    " deadline"
)
# Columns whose change moves a hazard to another tally key.
WATCHED = (
    "region_path, region_l1, region_l2, region_l3, industry, found_on, grade, state, major_unconfirmed,"
    " deadline, funds"
)


def _key(h: str) -> str:
    state = f"CASE {h}.state WHEN 'closed' THEN 'closed' WHEN 'withdrawn' THEN 'withdrawn' ELSE 'open' END"
    return (
        f"CASE WHEN {h}.region_path IS NOT NULL THEN array_to_string((string_to_array(rtrim({h}.region_path,"
        f" '/'), '/'))[1:3], '/') || '/' END, {h}.region_l1, {h}.region_l2, {h}.region_l3, {h}.industry,"
        f" date_trunc('month', {h}.found_on)::date, {h}.grade, {state},"
        f" ({state}) = 'open' AND {h}.major_unconfirmed, CASE WHEN ({state}) = 'open' THEN {h}.deadline END"
    )


def upgrade() -> None:
    op.create_table(
        "hazard_tallies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("region_path", sa.String(200)),
        sa.Column("region_l1", sa.String(12)),
        sa.Column("region_l2", sa.String(12)),
        sa.Column("region_l3", sa.String(12)),
        sa.Column("industry", sa.String(40)),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(8), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("major_unconfirmed", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date()),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("funds", sa.Numeric(16, 2), nullable=False),
    )
    op.create_index("ix_hazard_tallies_l2", "hazard_tallies", ["region_l2"])
    op.create_index("ix_hazard_tallies_l3", "hazard_tallies", ["region_l3"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION hazard_tally_add(h hazards, sign integer) RETURNS void LANGUAGE sql AS $$"
        f" INSERT INTO hazard_tallies ({KEYS}, n, funds)"
        f" SELECT {_key('h')}, sign, sign * coalesce(h.funds, 0) $$"
    )
    op.execute(
        "CREATE FUNCTION hazard_tally_delta() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF TG_OP <> 'INSERT' THEN PERFORM hazard_tally_add(OLD, -1); END IF;"
        " IF TG_OP <> 'DELETE' THEN PERFORM hazard_tally_add(NEW, 1); END IF;"
        " RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER hazard_tally_write AFTER INSERT OR DELETE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazard_tally_delta()"
    )
    old = ", ".join(f"OLD.{c.strip()}" for c in WATCHED.split(","))
    new = ", ".join(f"NEW.{c.strip()}" for c in WATCHED.split(","))
    op.execute(
        "CREATE TRIGGER hazard_tally_update AFTER UPDATE ON hazards FOR EACH ROW"
        f" WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION hazard_tally_delta()"
    )
    op.execute(
        f"INSERT INTO hazard_tallies ({KEYS}, n, funds)"
        f" SELECT {_key('h')}, count(*), coalesce(sum(h.funds), 0)"
        " FROM hazards h GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER hazard_tally_update ON hazards")
        op.execute("DROP TRIGGER hazard_tally_write ON hazards")
        op.execute("DROP FUNCTION hazard_tally_delta()")
        op.execute("DROP FUNCTION hazard_tally_add(hazards, integer)")
    op.drop_table("hazard_tallies")
