"""Rules engine speed: point methods per second on one core, GB 18218 with 50 substances, loading.

LEC/LS with the full Decision and trace (evaluate_point, as the API and the register call it): ≥ 300,000
per second (issue 16), next to a bare baseline (the product and a band scan) and the ratio of the two."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

from app.rules_engine.engine import evaluate_point, point_method
from app.rules_engine.gb18218 import gb18218_rules
from app.rules_engine.loader import load_rules


def _rate(run: Callable[[], int], seconds: float = 0.5, runs: int = 3) -> float:
    """Evaluations per second, best of `runs` runs of about `seconds` each."""
    best = 0.0
    for _ in range(runs):
        start, done = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            done += run()
        best = max(best, done / (time.perf_counter() - start))
    return best


def _row(name: str, value: float, unit: str, target: str, ok: bool) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "ok": ok}


def _bare(method: Any) -> Callable[[dict[str, float]], tuple[float, str]]:
    """Baseline: the bare product of the factors and a scan of the bands, no checks, no trace."""
    keys = method.keys
    bands = [
        (b.gt, b.ge, b.lt, b.le, b.level or method.model.level_map.map[b.class_]) for b in method.model.bands
    ]

    def bare(inputs: dict[str, float]) -> tuple[float, str]:
        score = 1.0
        for key in keys:
            score *= inputs[key]
        for gt, ge, lt, le, level in bands:
            if (
                (gt is None or score > gt)
                and (ge is None or score >= ge)
                and (lt is None or score < lt)
                and (le is None or score <= le)
            ):
                return score, level
        return score, ""

    return bare


def _point_rows() -> list[dict[str, Any]]:
    rows = []
    rnd = random.Random(2026)
    for kind, label in (("lec", "LEC"), ("ls", "LS")):
        method = point_method(kind)
        choices = [list(method.allowed[k]) for k in method.keys]
        batch = [tuple(rnd.choice(c) for c in choices) for _ in range(10_000)]
        fast = method.score_and_level

        def run_fast(batch: list[tuple[float, ...]] = batch, fast: Callable[..., Any] = fast) -> int:
            for values in batch:
                fast(*values)
            return len(batch)

        rate = _rate(run_fast)
        rows.append(_row(f"{label} evaluations/s (one core)", rate, "1/s", ">= 200000", rate >= 200_000))
        dicts = [dict(zip(method.keys, values, strict=True)) for values in batch]

        def run_full(dicts: list[dict[str, float]] = dicts, kind: str = kind) -> int:
            for inputs in dicts:
                evaluate_point(kind, inputs)
            return len(dicts)

        def run_bare(dicts: list[dict[str, float]] = dicts, bare: Callable[..., Any] = _bare(method)) -> int:
            for inputs in dicts:
                bare(inputs)
            return len(dicts)

        # Interleaved, so that a busy machine slows both alike and the ratio stays meaningful.
        full_rates, bare_rates = [], []
        for _ in range(3):
            full_rates.append(_rate(run_full, runs=1))
            bare_rates.append(_rate(run_bare, runs=1))
        full, bare = max(full_rates), max(bare_rates)
        name = f"{label} evaluations/s with Decision and trace (one core)"
        rows.append(_row(name, full, "1/s", ">= 300000", full >= 300_000))
        rows.append(
            _row(f"{label} baseline: bare product and band scan, no trace", bare, "1/s", "info", True)
        )
        rows.append(_row(f"{label} ratio with Decision and trace / bare", full / bare, "×", "info", True))
    return rows


def _gb18218_row() -> dict[str, Any]:
    rules = gb18218_rules()
    # Every substance needs a β to be graded: Table 3 gases have one, the others get a Table 2 category.
    substances: list[dict[str, Any]] = []
    for i, row in enumerate(rules.model.table1[:50]):
        item: dict[str, Any] = {"name": row.name, "quantity_t": round(row.q * 0.37, 3)}
        if i % 2 == 0:
            item["category"] = ["W2", "J3"]
        elif row.seq not in rules.beta3_by_seq:
            item["category"] = "W5.3"
        substances.append(item)
    inputs = {"substances": substances, "exposed_people": 40}
    decision = rules.evaluate(inputs)
    assert decision.grade is not None
    n, start = 200, time.perf_counter()
    for _ in range(n):
        rules.evaluate(inputs)
    ms = (time.perf_counter() - start) / n * 1000
    return _row("GB 18218 evaluation with 50 substances", ms, "ms", "< 1", ms < 1)


def _load_row() -> dict[str, Any]:
    best = min(_timed(load_rules) for _ in range(3))
    return _row("Load and validate all rule files", best, "s", "< 0.5", best < 0.5)


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> list[dict[str, Any]]:
    load = _row("load average (1 min) at start", os.getloadavg()[0], "", "info", True)
    return [load, *_point_rows(), _gb18218_row(), _load_row()]


if __name__ == "__main__":
    for row in main():
        print(row)
