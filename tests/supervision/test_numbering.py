"""督办通知书 numbers: format, prefixes, and no duplicates when departments number concurrently."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_scope
from app.supervision import numbering
from app.supervision.models import NoticeSequence
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config


def test_prefixes_and_format() -> None:
    assert numbering.notice_prefix("130300", "秦皇岛市", "city", "秦皇岛市应急管理局") == "秦应急督"
    assert numbering.notice_prefix("130000", "河北省", "province", "河北省应急管理厅") == "冀应急督"
    assert numbering.notice_prefix("130302", "海港区", "county", "海港区住房和城乡建设局") == "海港住房督"
    assert numbering.format_number("秦应急督", 2026, 3) == "秦应急督〔2026〕3号"


def test_sequence_per_key_and_year(db: Session) -> None:
    assert [numbering.next_number(db, "130300:秦应急督", 2026) for _ in range(3)] == [1, 2, 3]
    assert numbering.next_number(db, "130300:秦应急督", 2027) == 1
    assert numbering.next_number(db, "130302:海港应急督", 2026) == 1


@pytest.fixture(scope="module")
def fresh_pg(pg_url: str) -> Iterator[Engine]:
    """A fresh PostgreSQL database with committed transactions (not the rolled-back test session).
    Depends on pg_url so that it skips, or fails under CI=true, like every PostgreSQL test."""
    name, url = _create_pg_database()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    _drop_pg_database(name)


def test_concurrent_numbering_has_no_duplicates(fresh_pg: Engine) -> None:
    factory = sessionmaker(bind=fresh_pg, expire_on_commit=False)
    threads, per_thread = 8, 10
    start = Barrier(threads)

    def worker(i: int) -> list[int]:
        start.wait()  # all threads race for the first (row-creating) number
        got = []
        for _ in range(per_thread):
            with session_scope(factory) as session:
                got.append(numbering.next_number(session, "139100:甲应急督", 2026))
        return got

    with ThreadPoolExecutor(threads) as pool:
        numbers = [n for chunk in pool.map(worker, range(threads)) for n in chunk]
    assert sorted(numbers) == list(range(1, threads * per_thread + 1))
    with session_scope(factory) as session:
        assert session.scalar(select(NoticeSequence.last_no)) == threads * per_thread
