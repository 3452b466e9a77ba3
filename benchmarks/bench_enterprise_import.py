"""10,000-row .xlsx enterprise import on SQLite and on PostgreSQL (target ≤ 15 s each, memory bounded)."""

import os
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely
from openpyxl import Workbook
from sqlalchemy import select

from app.auth.principal import SYSTEM
from app.enterprises.columns import COLUMNS
from app.enterprises.credit_code import CHARSET, check_digit
from app.regions.models import Region

ROWS = 10_000


def _workbook(path: Path, points: np.ndarray) -> None:
    rng = random.Random(1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([c.header for c in COLUMNS if not c.export_only])
    for i, (lon, lat) in enumerate(points):
        first17 = "91130300" + "".join(rng.choice(CHARSET) for _ in range(9))
        ws.append(
            [
                first17 + check_digit(first17),
                f"基准测试企业{i}",
                "机械",
                "规下",
                "地址",
                float(lon),
                float(lat),
                "WGS84",
                None,
                "应急管理局",
                "联系人",
                "0335-0000000",
                "在营",
            ]
        )
    wb.save(path)


def _points(session, n: int) -> np.ndarray:
    towns = [
        shapely.from_wkb(g)
        for g in session.scalars(select(Region.geometry).where(Region.level == "township"))
    ]
    union = shapely.union_all(towns)
    shapely.prepare(union)
    rng = np.random.default_rng(2)
    minx, miny, maxx, maxy = union.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        xs, ys = rng.uniform(minx, maxx, n * 3), rng.uniform(miny, maxy, n * 3)
        keep = shapely.contains_xy(union, xs, ys)
        out = np.vstack([out, np.column_stack([xs[keep], ys[keep]])])
    return out[:n]


def _run(url: str, workdir: Path, measure_memory: bool) -> tuple[float, float]:
    from alembic import command
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.enterprises.importer import import_file
    from app.regions.demo import load_demo_regions
    from tests.conftest import alembic_config

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo_regions(session)
        session.commit()
        xlsx = workdir / "bench.xlsx"
        if not xlsx.exists():
            _workbook(xlsx, _points(session, ROWS))
    with Session(engine) as session:
        if measure_memory:
            tracemalloc.start()
        started = time.perf_counter()
        report = import_file(session, SYSTEM, xlsx)
        session.commit()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if measure_memory else 0.0
        tracemalloc.stop()
    engine.dispose()
    assert report.created == ROWS, report.summary()
    return elapsed, peak


def main() -> list[dict]:
    from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ.setdefault("SHUANGKONG_MODE", "test")
        elapsed, _ = _run(f"sqlite:///{workdir / 'a.db'}", workdir, False)
        rows.append(
            {
                "name": "enterprise import 10,000-row .xlsx, SQLite",
                "value": elapsed,
                "unit": "s",
                "target": "<= 15",
                "ok": elapsed <= 15,
            }
        )
        _, peak = _run(f"sqlite:///{workdir / 'b.db'}", workdir, True)
        rows.append(
            {
                "name": "enterprise import peak Python memory (tracemalloc)",
                "value": peak,
                "unit": "MiB",
                "target": "<= 200 (bounded)",
                "ok": peak <= 200,
            }
        )
        if _pg_available() is None:
            name, url = _create_pg_database()
            try:
                elapsed, _ = _run(url, workdir, False)
            finally:
                _drop_pg_database(name)
            rows.append(
                {
                    "name": "enterprise import 10,000-row .xlsx, PostgreSQL",
                    "value": elapsed,
                    "unit": "s",
                    "target": "<= 15",
                    "ok": elapsed <= 15,
                }
            )
    return rows
