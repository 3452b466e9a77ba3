"""The campaign tag look-up (app.campaigns.tags.tagged) on both databases: it finds exactly the profiles
that carry one of the tags, and on PostgreSQL it can use the GIN index of migration 0027 (a LIKE over the
array's text could not, and left the planner guessing a few rows for a tag 20,000 enterprises carry)."""

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.campaigns.tags import add_tags, tagged
from tests.factories import make_enterprise, make_tree


def test_tagged_finds_exactly_the_profiles_carrying_a_tag(db: Session) -> None:
    make_tree(db)
    dusty, both, ammonia, plain = (make_enterprise(db).id for _ in range(4))
    add_tags(db, dusty, ["涉粉尘"])
    add_tags(db, both, ["重大危险源", "涉粉尘", "有限空间"])
    add_tags(db, ammonia, ["涉氨制冷"])
    make_enterprise(db)  # no profile at all
    add_tags(db, plain, ["重大危险源"])
    mine = {dusty, both, ammonia, plain}
    assert set(db.scalars(tagged(["涉粉尘"]))) & mine == {dusty, both}
    assert set(db.scalars(tagged(["有限空间", "涉氨制冷"]))) & mine == {both, ammonia}
    assert set(db.scalars(tagged(["人员密集场所"]))) & mine == set()
    assert set(db.scalars(tagged([]))) == set()


def _plan(db: Session, stmt: Any) -> str:
    """EXPLAIN of the statement as SQLAlchemy sends it (parameters processed by their types)."""
    conn = db.connection()
    sent: list[tuple[str, Any]] = []

    def capture(conn_: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        db.execute(stmt).all()
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    statement, parameters = sent[-1]
    return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


# PostgreSQL only (SQLite has no GIN index; the look-up there is tested above).
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_look_up_can_use_the_gin_index_on_postgresql(db: Session) -> None:
    make_tree(db)
    add_tags(db, make_enterprise(db).id, ["涉氨制冷"])
    db.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: force the choice
    plan = _plan(db, tagged(["涉氨制冷", "有限空间"]))
    assert "ix_enterprise_profiles_tags" in plan, plan
