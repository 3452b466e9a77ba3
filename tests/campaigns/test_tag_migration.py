"""Migration 0025 on both databases: the tags of campaign_enterprise_tags move into the enterprise
profiles (merged into a profile that exists, a profile made where there is none), a 涉粉尘 campaign still
finds the same enterprises, and the downgrade gives the old table its rows back."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from app.campaigns.tags import tagged
from app.db import make_engine
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config
from tests.factories import make_enterprise, make_tree

OLD = sa.table("campaign_enterprise_tags", sa.column("enterprise_id"), sa.column("tag"))
PROFILES = sa.table("enterprise_profiles", sa.column("enterprise_id"), sa.column("tags", sa.JSON))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/m.db"
        return
    request.getfixturevalue("pg_url")  # skips or fails like the other PostgreSQL tests
    name, pg = _create_pg_database()
    yield pg
    _drop_pg_database(name)


def test_tags_move_into_the_profiles_and_back(url: str) -> None:
    cfg = alembic_config(url)
    command.upgrade(cfg, "0023")
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            make_tree(db)
            dusty, both, plain = (make_enterprise(db).id for _ in range(3))
            db.execute(
                sa.text(
                    "INSERT INTO enterprise_profiles (enterprise_id, tags, updated_at, version)"
                    " VALUES (:id, :tags, CURRENT_TIMESTAMP, 1)"
                ),
                [{"id": both, "tags": '["key"]'}, {"id": plain, "tags": '["key"]'}],
            )
            db.execute(
                sa.insert(OLD),
                [
                    {"enterprise_id": dusty, "tag": "涉粉尘"},
                    {"enterprise_id": both, "tag": "涉粉尘"},
                    {"enterprise_id": both, "tag": "有限空间"},
                ],
            )
            db.commit()

        command.upgrade(cfg, "0025")
        with Session(engine) as db:
            rows = db.execute(sa.select(PROFILES.c.enterprise_id, PROFILES.c.tags)).all()
            profiles = {ent_id: sorted(tags) for ent_id, tags in rows}
            assert profiles == {dusty: ["dust"], both: ["confined_space", "dust", "key"], plain: ["key"]}
            assert set(db.scalars(tagged(["涉粉尘"]))) == {dusty, both}
            assert set(db.scalars(tagged(["有限空间", "涉氨制冷"]))) == {both}
            assert not sa.inspect(db.bind).has_table("campaign_enterprise_tags")

        command.downgrade(cfg, "0023")
        with Session(engine) as db:
            old = set(db.execute(sa.select(OLD.c.enterprise_id, OLD.c.tag)).all())
            assert old == {(dusty, "涉粉尘"), (both, "涉粉尘"), (both, "有限空间"), (both, "重点监管"),
                            (plain, "重点监管")}  # fmt: skip
    finally:
        engine.dispose()
