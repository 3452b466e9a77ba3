"""The public 举报 limits hold under parallel requests from one address (issue #15 item 9): submissions
and receipt look-ups are each counted by one atomic upsert, so no burst gets past the limit."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
from sqlalchemy import func, select

from app.hazards import tips
from app.hazards.models import Tip
from tests.factories import make_tree

PARALLEL = 16


def _burst(base: str, path: str, bodies: list[dict]) -> list[int]:  # type: ignore[type-arg]
    start = Barrier(len(bodies))

    def send(body: dict) -> int:  # type: ignore[type-arg]
        with httpx.Client(base_url=base, timeout=60) as c:
            start.wait()  # all requests leave together
            return c.post(path, json=body).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_parallel_submissions_from_one_address_stop_at_the_limit(served):
    with served.session() as s:
        make_tree(s)
    bodies = [
        {"description": f"并发举报 {i}", "place": "仓库", "region_code": "139101001"} for i in range(PARALLEL)
    ]
    codes = _burst(served.url, "/api/public/reports", bodies)
    assert codes.count(201) == tips.TIPS_PER_HOUR, codes
    assert codes.count(429) == PARALLEL - tips.TIPS_PER_HOUR, codes
    with served.session() as s:
        assert s.scalar(select(func.count()).select_from(Tip)) == tips.TIPS_PER_HOUR


def test_parallel_receipt_guesses_stop_at_the_limit(served):
    guesses = [{"code": f"2222-2222-{i:0>4}".replace("0", "A")} for i in range(tips.LOOKUPS_PER_HOUR + 10)]
    codes = _burst(served.url, "/api/public/reports/status", guesses)
    assert codes.count(404) == tips.LOOKUPS_PER_HOUR, codes
    assert codes.count(429) == 10, codes
