"""Risk register: 2,000-row 风险清单 import (≤ 10 s), re-grading 10,000 enterprises × 20 points on
PostgreSQL (≤ 60 s), notice card render (≤ 100 ms)."""

import os
import random
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM

IMPORT_ROWS = 2_000
ENTERPRISES = 10_000
POINTS_PER_ENTERPRISE = 20


def _workbook(path: Path) -> None:
    from app.risks.register import COLUMNS

    rng = random.Random(3)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([c.header for c in COLUMNS])
    for i in range(IMPORT_ROWS):
        values = {
            "风险点": f"基准风险点{i}",
            "类型": "作业活动",
            "危险有害因素": "2101、2102",
            "事故类型": "机械伤害、物体打击",
            "接触人数": rng.randint(1, 20),
            "评价方法": "LEC",
            "L": rng.choice([1, 3, 6]),
            "E": rng.choice([3, 6]),
            "C": rng.choice([7, 15]),
            "工程技术措施": "加装防护罩",
            "管理措施": "持证上岗；交接班检查",
            "培训教育措施": "岗前培训",
            "责任人": "班长",
            "排查频次": "周",
        }
        ws.append([values.get(c.header) for c in COLUMNS])
    wb.save(path)


def _engine(url: str):  # type: ignore[no-untyped-def]
    from alembic import command

    from app.db import make_engine
    from tests.conftest import alembic_config

    command.upgrade(alembic_config(url), "head")
    return make_engine(url)


def bench_import(workdir: Path) -> dict:
    from app.risks.importer import import_file
    from tests.factories import make_enterprise, make_tree

    xlsx = workdir / "risks.xlsx"
    _workbook(xlsx)
    engine = _engine(f"sqlite:///{workdir / 'import.db'}")
    with Session(engine) as session:
        make_tree(session)
        ent_id = make_enterprise(session).id
        session.commit()
        started = time.perf_counter()
        report = import_file(session, SYSTEM, ent_id, xlsx)
        session.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    assert report.created == IMPORT_ROWS, report.summary()
    return {
        "name": f"风险清单 import {IMPORT_ROWS:,}-row .xlsx, SQLite",
        "value": round(elapsed, 2),
        "unit": "s",
        "target": "<= 10",
        "ok": elapsed <= 10,
    }


def bench_card(workdir: Path) -> dict:
    from app.risks import pages, service
    from tests.factories import make_enterprise, make_tree
    from tests.risks.factories import add_measure, assess, make_point

    engine = _engine(f"sqlite:///{workdir / 'card.db'}")
    with Session(engine) as session:
        make_tree(session)
        point = make_point(session, make_enterprise(session).id)
        assess(session, point)
        for kind in ("工程技术", "管理", "个体防护"):
            add_measure(session, point, kind=kind)
        session.commit()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            full = service.get_point(session, SYSTEM, point.id, full=True)
            html = pages.notice_card(session, full, f"http://127.0.0.1/risks/points/{point.id}")
            times.append(time.perf_counter() - started)
            session.expire_all()
    engine.dispose()
    assert "岗位风险告知卡" in html
    worst = max(times[1:]) * 1000
    return {
        "name": "notice card render (worst of 19 warm)",
        "value": round(worst, 1),
        "unit": "ms",
        "target": "<= 100",
        "ok": worst <= 100,
    }


def bench_recompute() -> dict | None:
    from app.enterprises.models import Enterprise
    from app.grading import enterprise as grading
    from app.risks.models import RiskPoint
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available

    if _pg_available() is not None:
        return None
    name, url = _create_pg_database()
    try:
        engine = _engine(url)
        rng = random.Random(5)
        levels = ["blue"] * 60 + ["yellow"] * 30 + ["orange"] * 9 + ["red"]
        with Session(engine) as session:
            session.execute(
                insert(Enterprise),
                [
                    {"credit_code": f"BENCH{i:013d}", "name": f"基准企业{i}", "industry": "machinery"}
                    for i in range(ENTERPRISES)
                ],
            )
            ids = list(session.scalars(select(Enterprise.id)))
            batch = []
            for ent in ids:
                for j in range(POINTS_PER_ENTERPRISE):
                    batch.append(
                        {
                            "enterprise_id": ent,
                            "name": f"风险点{j}",
                            "point_type": "activity",
                            "responsible_person": "甲",
                            "hazard_factors": [],
                            "accident_types": [],
                            "level": rng.choice(levels),
                        }
                    )
                if len(batch) >= 20_000:
                    session.execute(insert(RiskPoint), batch)
                    batch.clear()
            if batch:
                session.execute(insert(RiskPoint), batch)
            session.commit()
            started = time.perf_counter()
            result = grading.recompute_all(session)
            session.commit()
            elapsed = time.perf_counter() - started
        engine.dispose()
        assert result["changed"] == ENTERPRISES
    finally:
        _drop_pg_database(name)
    return {
        "name": f"recompute levels {ENTERPRISES:,} enterprises × {POINTS_PER_ENTERPRISE} points, PostgreSQL",
        "value": round(elapsed, 2),
        "unit": "s",
        "target": "<= 60",
        "ok": elapsed <= 60,
    }


def main() -> list[dict]:
    os.environ.setdefault("SHUANGKONG_MODE", "test")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(bench_import(Path(tmp)))
        rows.append(bench_card(Path(tmp)))
    recompute = bench_recompute()
    if recompute is not None:
        rows.append(recompute)
    return rows
