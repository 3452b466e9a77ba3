"""考核 scorecards at province scale on PostgreSQL, on the data of bench_hazard_lists (河北: 11 cities, 167
districts, 14 synthetic townships each; 10,000,000 hazards of 100,000 enterprises).

Targets (issue 21): the province-wide scorecards — the 11 cities ranked in the province and the 167 counties
ranked in their cities, for a month — compute in ≤ 60 s; one county's scorecard (the page's data) ≤ 300 ms.

SHUANGKONG_BENCH_KEEP=1 reuses bench_hazard_lists' kept database. SHUANGKONG_BENCH_HAZARDS=200000 makes a
smaller data set for a quick look (the targets are for the full 10 M).
"""

import os
import statistics
import time
from typing import Any

import psycopg
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment import service
from app.auth.principal import SYSTEM
from app.db import make_engine
from app.regions.models import Region
from benchmarks import bench_hazard_lists as lists
from tests.conftest import PG_ADMIN_DSN, alembic_config

PERIOD = "2026-06"


def _load() -> str:
    """The 1-minute load average: the machine is shared, so every figure carries it."""
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main() -> list[dict[str, Any]]:
    if os.environ.get("SHUANGKONG_BENCH_HAZARDS"):
        lists.HAZARDS = int(os.environ["SHUANGKONG_BENCH_HAZARDS"])
    name, url, fresh = lists._database()
    rows: list[dict[str, Any]] = []
    try:
        if fresh:
            command.upgrade(alembic_config(url), "head")
            lists._load(url.replace("postgresql+psycopg://", "postgresql://"))
        engine = make_engine(url)
        with Session(engine) as session:
            province = session.scalar(select(Region).where(Region.level == "province"))
            assert province is not None
            cities = list(session.scalars(select(Region).where(Region.parent_code == province.code)))
            started = time.perf_counter()
            cards = service.scorecards(session, SYSTEM, province.code, PERIOD)
            counties = 0
            for city in cities:
                counties += len(service.scorecards(session, SYSTEM, city.code, PERIOD)["rows"])
            whole = time.perf_counter() - started
            rows.append(
                {
                    "name": f"province-wide scorecards: {len(cards['rows'])} cities + {counties} counties,"
                    f" {lists.HAZARDS:,} hazards, month {PERIOD} (load {_load()})",
                    "value": whole,
                    "unit": "s",
                    "target": "≤ 60",
                    "ok": whole <= 60,
                }
            )
            county = session.scalar(select(Region).where(Region.level == "county").order_by(Region.code))
            assert county is not None
            samples = []
            for _ in range(11):
                t0 = time.perf_counter()
                service.scorecard(session, SYSTEM, county.code, PERIOD)
                samples.append(time.perf_counter() - t0)
            ms = statistics.median(samples) * 1000
            rows.append(
                {
                    "name": f"one county's scorecard among its peers ({county.name}, median of 11,"
                    f" load {_load()})",
                    "value": ms,
                    "unit": "ms",
                    "target": "≤ 300",
                    "ok": ms <= 300,
                }
            )
        engine.dispose()
    finally:
        if os.environ.get("SHUANGKONG_BENCH_KEEP") != "1":
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
