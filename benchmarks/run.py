"""Runs every benchmarks/bench_*.py and prints one table.

    .venv/bin/python -m benchmarks.run            # all
    .venv/bin/python -m benchmarks.run regions    # only bench_regions.py

Each module has main() -> list of {"name", "value", "unit", "target", "ok"}.
Exit status 1 if any target is missed.
"""

import importlib
import sys
import time
import warnings
from pathlib import Path

# Benchmarks reuse the test suite's database helpers, which import the test client.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    missed = 0
    for name in names:
        started = time.perf_counter()
        rows = importlib.import_module(f"benchmarks.{name}").main()
        print(f"\n## {name} ({time.perf_counter() - started:.1f} s)")
        for row in rows:
            mark = "ok " if row["ok"] else "MISS"
            missed += not row["ok"]
            line = f"  [{mark}] {row['name']}: {row['value']:.4g} {row['unit']} (target {row['target']})"
            if "baseline" in row:  # the same figure for a baseline build, and project / baseline
                line += f"; baseline {row['baseline']:.4g} {row['unit']}, ratio {row['ratio']:.2f}"
            print(line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
