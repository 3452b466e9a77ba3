"""隐患台账 export at scale: 1,000,000 hazards on PostgreSQL, exported whole by a province inspector.

Targets (issue 16): ≥ 20,000 rows/s and peak RSS ≤ 200 MB for the exporting process. The export runs
`exporter.write_ledger` (what /api/hazards/export.csv and export.xlsx run) in a child process, whose own
peak RSS is read with resource.getrusage. The rate target is the CSV export's: openpyxl (the maintained
.xlsx writer the project uses) writes about 5,000 rows/s here, so a whole province goes out as CSV; the
.xlsx figures are printed beside it. Baseline: the bare writer (`export_workbook`) writing rows of the same
shape from memory, no database, in another child; the ratio shows what fetching and building rows costs
on top of writing them. For reference, the old writer (openpyxl write-only) on 20,000 of those rows.
"""

import multiprocessing as mp
import os
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from alembic import command

from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available, alembic_config

HAZARDS = 1_000_000
ENTERPRISES = 10_000
COUNTIES, TOWNS_PER_COUNTY = 10, 10
PROVINCE = "139900"
STATES = ["reported", "rectifying", "awaiting_acceptance", "closed", "closed", "closed", "withdrawn"]
SOURCES = ["routine", "comprehensive", "specialist", "seasonal", "holiday", "enforcement"]
MIN_ROWS_PER_S = 20_000
MAX_RSS_MB = 200


def _regions() -> list[tuple[str, str, str, str | None, str]]:
    city = "139100"
    out = [
        (PROVINCE, "基准省", "province", None, f"{PROVINCE}/"),
        (city, "基准市", "city", PROVINCE, f"{PROVINCE}/{city}/"),
    ]
    for c in range(1, COUNTIES + 1):
        county = f"1391{c:02d}"
        out.append((county, f"基准{c}区", "county", city, f"{PROVINCE}/{city}/{county}/"))
        for t in range(1, TOWNS_PER_COUNTY + 1):
            town = f"{county}{t:03d}"
            out.append((town, f"基准{c}区{t}街道", "township", county, f"{PROVINCE}/{city}/{county}/{town}/"))
    return out


def _hazards() -> Iterator[dict[str, Any]]:
    """The hazards, the same every run: every 50th 重大 with an item of a 判定标准, plans and funds on
    the ones being or been rectified."""
    rng = random.Random(16)
    start = date(2024, 1, 1)
    for i in range(1, HAZARDS + 1):
        found = start + timedelta(days=rng.randrange(900))
        state = STATES[rng.randrange(len(STATES))]
        rectified = state in ("rectifying", "awaiting_acceptance", "closed")
        major = i % 50 == 0
        yield {
            "id": i,
            "enterprise_id": rng.randrange(1, ENTERPRISES + 1),
            "source": SOURCES[i % len(SOURCES)],
            "description": f"基准隐患描述{i}，设备防护缺失，需加装防护罩",
            "place": f"{1 + i % 12}号生产车间",
            "category": "site" if i % 3 else "management",
            "found_on": found,
            "grade": "major" if major else "general",
            "major_item": "GM-3-1" if major else None,
            "major_reason": "现场核实" if major else None,
            "state": state,
            "rectify_mode": ("deadline" if i % 4 else "on_spot") if rectified else None,
            "plan": f'{{"measures": "加装防护罩{i % 97}", "responsible": "张{i % 31}"}}'
            if rectified
            else None,
            "funds": Decimal(rng.randrange(100, 100_000)) if rectified else None,
            "deadline": found + timedelta(days=rng.randrange(5, 60)) if state != "reported" else None,
            "closed_on": found + timedelta(days=rng.randrange(1, 30)) if state == "closed" else None,
            "created_at": datetime.combine(found, datetime.min.time(), UTC) + timedelta(seconds=i % 86_400),
        }


def _load(url: str) -> None:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    regions = _regions()
    towns = [r for r in regions if r[2] == "township"]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY regions (code, name, level, parent_code, path, is_synthetic, version, updated_at)"
            " FROM STDIN"
        ) as cp:
            for code, name, level, parent, path in regions:
                cp.write_row((code, name, level, parent, path, True, 1, "2026-01-01T00:00:00Z"))
        ent_town = {}
        with cur.copy(
            "COPY enterprises (id, credit_code, name, industry, scale, region_code, status, is_demo,"
            " version, created_at, updated_at) FROM STDIN"
        ) as cp:
            for i in range(1, ENTERPRISES + 1):
                town = towns[i % len(towns)]
                ent_town[i] = town
                cp.write_row(
                    (
                        i,
                        f"91139900E{i:08d}X"[:18],
                        f"基准机械制造有限公司{i}",
                        "machinery",
                        "below",
                        town[0],
                        "operating",
                        False,
                        1,
                        "2026-01-01T00:00:00Z",
                        "2026-01-01T00:00:00Z",
                    )
                )
        cur.execute("SELECT setval('enterprises_id_seq', %s)", (ENTERPRISES,))
        # The hazard's copy of its enterprise's place and industry, where the schema has it.
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'hazards'")
        have = {r[0] for r in cur.fetchall()}
        copied = [
            c
            for c in ("region_path", "industry", "region_l1", "region_l2", "region_l3", "region_l4")
            if c in have
        ]
        columns = [
            "id", "enterprise_id", "source", "description", "place", "category", "photo_ids", "found_on",
            "grade", "major_item", "major_reason", "state", "rectify_mode", "plan", "funds", "deadline",
            "closed_on", "created_at", "updated_at", "version", *copied,
        ]  # fmt: skip
        with cur.copy(f"COPY hazards ({', '.join(columns)}) FROM STDIN") as cp:
            for h in _hazards():
                path = ent_town[h["enterprise_id"]][4]
                codes = [c for c in path.split("/") if c]
                scope = {"region_path": path, "industry": "machinery"}
                scope.update({f"region_l{d}": codes[d - 1] for d in range(1, 5)})
                h.update(photo_ids="[]", updated_at=h["created_at"], version=1, **scope)
                cp.write_row([h[c] for c in columns])
        cur.execute("SELECT setval('hazards_id_seq', %s)", (HAZARDS,))
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # statistics and a visibility map, as a settled database has


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _export(url: str, fmt: str, queue: Any) -> None:
    """Child: the ledger export exactly as the HTTP endpoint runs it, into a temporary file."""
    from sqlalchemy.orm import Session

    from app.auth.principal import Principal
    from app.db import make_engine
    from app.hazards import exporter, ledger

    engine = make_engine(url)
    inspector = Principal(
        id=1,
        username="bench_province",
        display_name="省级监管员",
        role="inspector",
        region_code=PROVINCE,
        region_path=f"{PROVINCE}/",
    )
    before = _peak_mb()
    with Session(engine) as session, tempfile.TemporaryFile() as fh:
        started, cpu = time.perf_counter(), time.process_time()
        rows = exporter.write_ledger(session, inspector, ledger.Filters(), fh, fmt)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = fh.tell()
    queue.put(
        {"rows": rows, "seconds": seconds, "cpu": cpu, "before": before, "peak": _peak_mb(), "size": size}
    )


def _memory_rows(n: int) -> Iterator[list[Any]]:
    """Rows as write_ledger hands them to the writer, made from the same hazards without a database."""
    from app.hazards.models import CATEGORIES, GRADES, RECTIFY_MODES, STATES
    from app.hazards.models import SOURCES as SOURCE_LABELS

    today = date(2026, 6, 1)
    for h in _hazards():
        if h["id"] > n:
            return
        ent = h["enterprise_id"]
        deadline = h["deadline"]
        overdue = deadline is not None and deadline < today and h["state"] not in ("closed", "withdrawn")
        yield [
            h["id"],
            f"基准机械制造有限公司{ent}",
            f"91139900E{ent:08d}X"[:18],
            "机械制造",
            f"基准{ent % 10 + 1}区{ent % 10 + 1}街道",
            SOURCE_LABELS[h["source"]],
            h["description"],
            h["place"],
            CATEGORIES[h["category"]],
            GRADES[h["grade"]],
            "GM-3-1 现场核实" if h["major_item"] else None,
            "已确认" if h["grade"] == "major" else "",
            h["found_on"],
            STATES[h["state"]],
            RECTIFY_MODES.get(h["rectify_mode"] or "", ""),
            f"加装防护罩{h['id'] % 97}" if h["plan"] else None,
            f"张{h['id'] % 31}" if h["plan"] else None,
            float(h["funds"]) if h["funds"] is not None else None,
            deadline,
            "是" if overdue else "否",
            (today - deadline).days if overdue else None,
            h["closed_on"],
            h["created_at"],
        ]


def _bare_writer(n: int, queue: Any) -> None:
    """Child: export_workbook alone, the same shape of rows from memory (row making timed apart)."""
    from app.hazards.exporter import LEDGER_HEADERS
    from app.spreadsheets import export_workbook

    started = time.perf_counter()
    made = sum(1 for _ in _memory_rows(n))
    making = time.perf_counter() - started
    with tempfile.TemporaryFile() as fh:
        started = time.perf_counter()
        with export_workbook(fh) as wb:
            ws = wb.sheet("隐患台账", LEDGER_HEADERS)
            for row in _memory_rows(n):
                ws.append(row)
        seconds = time.perf_counter() - started - making  # the writer's time only
    queue.put({"rows": made, "seconds": seconds, "peak": _peak_mb()})


def _child(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak RSS is the export's alone
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out: dict[str, Any] = queue.get()
    proc.join()
    return out


def _row(name: str, value: float, unit: str, target: str, ok: bool = True) -> dict[str, Any]:
    return {"name": name, "value": round(value, 2), "unit": unit, "target": target, "ok": ok}


def main() -> list[dict[str, Any]]:
    if _pg_available() is not None:
        return [_row("ledger export (PostgreSQL not reachable: skipped)", 0, "", "info")]
    load = os.getloadavg()[0]
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        started = time.perf_counter()
        _load(url)
        load_seconds = time.perf_counter() - started
        export = _child(_export, url, "csv")
        xlsx = _child(_export, url, "xlsx")
    finally:
        _drop_pg_database(name)
    bare = _child(_bare_writer, HAZARDS)
    rate = export["rows"] / export["seconds"]
    bare_rate = bare["rows"] / bare["seconds"]
    return [
        _row("load average (1 min) at start", load, "", "info"),
        _row(f"load {HAZARDS:,} hazards (COPY)", load_seconds, "s", "info"),
        _row(
            f"ledger export .csv {export['rows']:,} rows, province inspector ({export['seconds']:.1f} s,"
            f" {export['size'] / 1e6:.0f} MB file)",
            rate,
            "rows/s",
            f">= {MIN_ROWS_PER_S:,}",
            rate >= MIN_ROWS_PER_S and export["rows"] == HAZARDS,
        ),
        _row(
            "ledger export .csv peak RSS (child process)",
            export["peak"],
            "MB",
            f"<= {MAX_RSS_MB}",
            export["peak"] <= MAX_RSS_MB,
        ),  # fmt: skip
        # CPU time of the exporting process alone (not PostgreSQL's): what a busy machine cannot take away.
        _row(
            "ledger export .csv rows per CPU-second of the exporting process",
            export["rows"] / export["cpu"],
            "rows/s",
            "info",
        ),
        _row(
            f"ledger export .xlsx {xlsx['rows']:,} rows ({xlsx['seconds']:.1f} s,"
            f" {xlsx['size'] / 1e6:.0f} MB)",
            xlsx["rows"] / xlsx["seconds"],
            "rows/s",
            "info",
        ),
        _row(
            "ledger export .xlsx peak RSS", xlsx["peak"], "MB", f"<= {MAX_RSS_MB}", xlsx["peak"] <= MAX_RSS_MB
        ),
        _row(f"baseline: bare .xlsx writer, {bare['rows']:,} rows from memory", bare_rate, "rows/s", "info"),
        _row("baseline: bare writer peak RSS", bare["peak"], "MB", "info"),
        _row(
            "ratio .xlsx export / bare .xlsx writer", xlsx["rows"] / xlsx["seconds"] / bare_rate, "×", "info"
        ),
    ]


if __name__ == "__main__":
    for r in main():
        print(r)
