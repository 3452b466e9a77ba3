"""Migration 0015 moves the 督办通知书 counter into the shared 发文字号 counter and back, numbers kept."""

from alembic import command
from sqlalchemy import text

from app.db import make_engine
from tests.conftest import alembic_config
from tests.test_migrations import empty_url  # noqa: F401 - the fixture (SQLite and PostgreSQL)


def test_numbers_given_before_0015_are_not_given_again(empty_url: str) -> None:  # noqa: F811
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0014")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO supervision_notice_sequences VALUES ('130300:秦应急督', 2026, 7)"))
        command.upgrade(cfg, "0015")
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT sequence_key, year, last_no FROM document_sequences")).all()
            assert [tuple(r) for r in rows] == [("130300:秦应急督", 2026, 7)]
            conn.execute(text("UPDATE document_sequences SET last_no = 8"))
        command.downgrade(cfg, "0014")
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT last_no FROM supervision_notice_sequences")).all()
            assert [r[0] for r in rows] == [8]
    finally:
        engine.dispose()
