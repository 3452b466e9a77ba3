"""notification groups and daily digests (issue 15 item 14)

Revision ID: 0013
Revises: 0012

Notices of one kind about one enterprise for one recipient on one (Asia/Shanghai) day become one inbox
entry (notification_groups); existing notices are grouped the same way. Deliveries become per-recipient
daily digests (user_id, window_end); rows queued earlier keep their notification_id.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHANGHAI = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact


def _local_day(value: object) -> str:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).date().isoformat()


def _group_existing() -> None:
    conn = op.get_bind()
    names: dict[int, str] = {i: n for i, n in conn.execute(sa.text("SELECT id, name FROM enterprises"))}
    rows = conn.execute(
        sa.text(
            "SELECT id, user_id, kind, enterprise_id, title, created_at, read_at"
            " FROM notifications ORDER BY id"
        )
    ).all()
    groups: dict[tuple[int, str], list[sa.Row[tuple[object, ...]]]] = {}
    for r in rows:
        key = f"{r.kind}|{r.enterprise_id or '-'}|{_local_day(r.created_at)}"
        groups.setdefault((r.user_id, key), []).append(r)
    table = sa.table(
        "notification_groups",
        *(sa.column(c) for c in ("user_id", "kind", "enterprise_id", "day", "group_key", "title")),
        *(sa.column(c) for c in ("count", "last_item_id", "created_at", "last_at", "read_at")),
    )
    for (user_id, key), items in groups.items():
        first, last = items[0], items[-1]
        unread = any(i.read_at is None for i in items)
        name = names.get(first.enterprise_id)
        title = first.title if len(items) == 1 else f"{name + '：' if name else ''}{len(items)} 条消息"
        conn.execute(
            table.insert().values(
                user_id=user_id,
                kind=first.kind,
                enterprise_id=first.enterprise_id,
                day=datetime.fromisoformat(key.rsplit("|", 1)[1]).date(),
                group_key=key,
                title=title[:200],
                count=len(items),
                last_item_id=last.id,
                created_at=first.created_at,
                last_at=last.created_at,
                read_at=None if unread else max(i.read_at for i in items),
            )
        )
        group_id = conn.execute(
            sa.text("SELECT id FROM notification_groups WHERE user_id = :u AND group_key = :k"),
            {"u": user_id, "k": key},
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE notifications SET group_id = :g WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"g": group_id, "ids": [i.id for i in items]},
        )


def upgrade() -> None:
    op.create_table(
        "notification_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_notification_groups_enterprise_id_enterprises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_groups_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_groups")),
        sa.UniqueConstraint("user_id", "group_key", name="uq_notification_groups_user_id"),
    )
    op.create_index("ix_notification_groups_inbox", "notification_groups", ["user_id", "last_item_id"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_notifications_group_id_notification_groups"),
            "notification_groups",
            ["group_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(op.f("ix_notifications_group_id"), ["group_id"], unique=False)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("notification_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_deliveries_user_id_users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_unique_constraint(
            "uq_deliveries_user_id", ["user_id", "channel", "target", "window_end"]
        )
    _group_existing()


def downgrade() -> None:
    # Digest deliveries name no notification and cannot be kept.
    op.execute("DELETE FROM deliveries WHERE notification_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_deliveries_user_id", type_="unique")
        batch_op.drop_constraint(op.f("fk_deliveries_user_id_users"), type_="foreignkey")
        batch_op.drop_column("window_end")
        batch_op.drop_column("user_id")
        batch_op.alter_column("notification_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_notifications_group_id"))
        batch_op.drop_constraint(op.f("fk_notifications_group_id_notification_groups"), type_="foreignkey")
        batch_op.drop_column("group_id")
    op.drop_index("ix_notification_groups_inbox", table_name="notification_groups")
    op.drop_table("notification_groups")
