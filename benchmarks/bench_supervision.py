"""挂牌督办: a city board with 5,000 open cases (≤ 300 ms) and a province's public feed (≤ 200 ms),
on a fresh, bulk-loaded PostgreSQL database."""

import random
import time
from datetime import date, timedelta
from typing import Any

from alembic import command
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.db import make_engine
from app.enterprises.models import Enterprise
from app.regions.models import Region
from app.supervision import service
from app.supervision.models import OPEN_STATES, Announcement, SupervisionCase
from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available, alembic_config

CASES = 5_000
ENTERPRISES = 2_000


def _load(session: Session) -> None:
    rng = random.Random(6)
    regions = [dict(code="139900", name="基准省", level="province", parent_code=None, path="139900/")]
    cities = ["139100", "139200"]
    for c in cities:
        regions.append(
            dict(code=c, name=f"基准市{c}", level="city", parent_code="139900", path=f"139900/{c}/")
        )
    counties = []
    for c in cities:
        for k in range(1, 9):
            code = f"{c[:4]}{k:02d}"
            counties.append(code)
            regions.append(
                dict(code=code, name=f"区{code}", level="county", parent_code=c, path=f"139900/{c}/{code}/")
            )
    session.execute(
        insert(Region), [{**r, "source": "bench", "is_synthetic": True, "version": 1} for r in regions]
    )
    paths = {r["code"]: r["path"] for r in regions}
    ents = [
        dict(
            id=i,
            credit_code=f"91{i:016d}",
            name=f"基准企业{i}",
            industry="machinery",
            region_code=rng.choice(counties),
            lon=118.5,
            lat=39.5,
        )
        for i in range(1, ENTERPRISES + 1)
    ]
    session.execute(insert(Enterprise), ents)
    today = date.today()
    cases, anns = [], []
    # Half in the benchmark city, half elsewhere; 1 in 5 closed: about CASES open cases in the city.
    for i in range(1, int(2 * CASES / 0.8) + 1):
        ent = ents[i % ENTERPRISES]
        state = rng.choice(OPEN_STATES) if i % 5 else "closed"
        cases.append(
            dict(
                id=i,
                subject_type="hazard",
                subject_id=i,
                enterprise_id=ent["id"],
                region_code=ent["region_code"],
                region_path=paths[ent["region_code"]],
                level="county",
                issuer_region_code=ent["region_code"],
                issuer_region_path=paths[ent["region_code"]],
                issuer_department="应急管理局",
                notice_prefix="基应急督",
                notice_year=2026,
                notice_no=i,
                notice_number=f"基应急督〔2026〕{i}号",
                summary="重大事故隐患",
                responsible_unit="企业",
                requirements="整改",
                listed_on=today - timedelta(days=60),
                original_deadline=today + timedelta(days=rng.randint(-30, 90)),
                deadline=today + timedelta(days=rng.randint(-30, 90)),
                state=state,
                escalation_suggested=False,
                verification_due=today + timedelta(days=5)
                if state in ("closure_applied", "verifying")
                else None,
                version=1,
            )
        )
        anns.append(
            dict(
                case_id=i,
                kind="listing",
                published_on=today - timedelta(days=i % 365),
                enterprise_name=ent["name"],
                summary="重大事故隐患",
                level="county",
                region_code=ent["region_code"],
                region_name="区",
                region_path=paths[ent["region_code"]],
                notice_number=f"基应急督〔2026〕{i}号",
            )
        )
    session.execute(insert(SupervisionCase), cases)
    session.execute(insert(Announcement), anns)


def _time(fn: Any, repeat: int = 5) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> list[dict[str, Any]]:
    problem = _pg_available()
    if problem:
        return [
            {
                "name": "supervision (PostgreSQL unreachable)",
                "value": 0,
                "unit": "",
                "target": "",
                "ok": False,
            }
        ]
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with Session(engine) as session:
            _load(session)
            session.commit()
            session.execute(__import__("sqlalchemy").text("ANALYZE"))
            inspector = Principal(
                id=1,
                username="b",
                display_name="b",
                role="inspector",
                region_code="139100",
                region_path="139900/139100/",
                department="应急管理局",
            )
            board_ms = _time(lambda: service.board(session, inspector))
            feed_ms = _time(lambda: service.announcements(session, region="139900"))
        engine.dispose()
    finally:
        _drop_pg_database(name)
    return [
        {
            "name": f"city board, {CASES} open cases (PostgreSQL)",
            "value": round(board_ms, 1),
            "unit": "ms",
            "target": "≤ 300",
            "ok": board_ms <= 300,
        },
        {
            "name": "public feed, province (PostgreSQL)",
            "value": round(feed_ms, 1),
            "unit": "ms",
            "target": "≤ 200",
            "ok": feed_ms <= 200,
        },
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
