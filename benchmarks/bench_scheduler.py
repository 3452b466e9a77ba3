"""Scheduler overheads and the 双随机 draw on a 10,000-enterprise register (SQLite file)."""

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

ENTERPRISES = 10_000
INSPECTORS = 60


def _row(name: str, value: float, unit: str, target: float) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": f"<= {target}", "ok": value <= target}


def main() -> list[dict[str, Any]]:
    os.environ.setdefault("SHUANGKONG_MODE", "test")
    from alembic import command
    from sqlalchemy import insert

    from app.auth.models import User
    from app.config import get_settings
    from app.db import _session_factory, get_engine, session_scope
    from app.enforcement import random_draw
    from app.enterprises.models import Enterprise
    from app.grading.models import EnterpriseLevel
    from app.scheduler import registry, runner
    from tests.conftest import alembic_config
    from tests.factories import make_tree

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        command.upgrade(alembic_config(url), "head")
        os.environ["SHUANGKONG_DATABASE_URL"] = url
        for cached in (get_settings, get_engine, _session_factory):
            cached.cache_clear()
        rng = random.Random(3)
        towns = ["139101001", "139102", "139201"]
        with session_scope() as s:
            make_tree(s)
            s.execute(
                insert(Enterprise),
                [
                    {
                        "credit_code": f"B{i:017d}",
                        "name": f"企业{i}",
                        "industry": "machinery",
                        "region_code": rng.choice(towns),
                    }
                    for i in range(ENTERPRISES)
                ],
            )
            s.execute(
                insert(EnterpriseLevel),
                [
                    {
                        "enterprise_id": i + 1,
                        "level": rng.choice(random_draw.LEVELS),
                        "rule_set": "b@1",
                        "inputs": {},
                        "trace": [],
                    }
                    for i in range(ENTERPRISES)
                ],
            )
            s.execute(
                insert(User),
                [
                    {
                        "username": f"insp{i}",
                        "display_name": f"执法{i}",
                        "password_hash": "x",
                        "role": "inspector",
                        "region_code": rng.choice(["139100", "139200", "139900"]),
                    }
                    for i in range(INSPECTORS)
                ],
            )

        with session_scope() as s:
            started = time.perf_counter()
            plan = random_draw.draw_plan(s, "2026-03")
            drawn = sum(v for k, v in plan.counts.items() if k.endswith("_drawn"))
        rows.append(
            _row(f"双随机 draw + store, {ENTERPRISES} enterprises", time.perf_counter() - started, "s", 10)
        )
        assert drawn

        for i in range(20):
            registry.register(f"bench.noop{i}", lambda s, c: {}, trigger="0 1 * * *", description="bench")
        names = [f"bench.noop{i}" for i in range(20)]
        runner.tick(names=names)
        started = time.perf_counter()
        runner.tick(names=names)  # nothing due: what every APScheduler wake-up costs
        rows.append(_row("tick with 20 jobs, nothing due", (time.perf_counter() - started) * 1000, "ms", 200))
        started = time.perf_counter()
        for _ in range(20):
            runner.run_job("bench.noop0")
        rows.append(
            _row(
                "run_job overhead (claim, lease, run, record)",
                (time.perf_counter() - started) * 50,
                "ms",
                100,
            )
        )
        get_engine().dispose()
    return rows
