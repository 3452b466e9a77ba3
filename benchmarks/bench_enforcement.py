"""执法: the PDF of a 行政处罚决定书 from its real template (≤ 1 s, no database), the phone inspection page
with a 150-item checklist (≤ 150 ms) and 执法统计 for a city with 100,000 inspections (≤ 500 ms), on a
fresh, bulk-loaded PostgreSQL database."""

import os
import random
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.principal import SYSTEM, Principal
from app.db import get_read_session, get_session, make_engine
from app.documents import render
from app.enforcement import stats
from app.enforcement.models import Inspection, InspectionItem
from app.enterprises.models import Enterprise
from app.enterprises.scope_copy import values
from app.regions.models import Region
from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available, alembic_config

INSPECTIONS = 100_000
ENTERPRISES = 2_000
ITEMS = 150


def _load(session: Session) -> dict[str, str]:
    rng = random.Random(17)
    regions = [dict(code="139900", name="基准省", level="province", parent_code=None, path="139900/")]
    counties = []
    for c in ("139100", "139200"):
        regions.append(
            dict(code=c, name=f"基准市{c}", level="city", parent_code="139900", path=f"139900/{c}/")
        )
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
        dict(id=i, credit_code=f"91{i:016d}", name=f"基准企业{i}", industry="machinery",
             region_code=rng.choice(counties), lon=118.5, lat=39.5)
        for i in range(1, ENTERPRISES + 1)
    ]  # fmt: skip
    session.execute(insert(Enterprise), ents)
    kinds = ["random", "planned", "special", "complaint", "covert", "review"]
    start = date(2026, 1, 1)
    rows = []
    # Two cities: about INSPECTIONS in the benchmark city 139100.
    for i in range(1, 2 * INSPECTIONS + 1):
        ent = ents[i % ENTERPRISES]
        rows.append(
            dict(
                id=i, enterprise_id=ent["id"], **values(paths[ent["region_code"]], "machinery"),
                kind=rng.choice(kinds), state="open" if i == 1 else "completed",
                inspected_on=start + timedelta(days=i % 330),
                department="应急管理局", inspector_ids=[], inspector_names=[], signatures=[],
                order_state=rng.choice([None, None, "ordered", "passed"]), version=1,
            )
        )  # fmt: skip
        if len(rows) == 20_000:
            session.execute(insert(Inspection), rows)
            rows = []
    if rows:
        session.execute(insert(Inspection), rows)
    session.execute(
        insert(InspectionItem),
        [dict(inspection_id=1, position=n, origin="major" if n < 100 else "measure", code=f"GM-{n}",
              text=f"检查项 {n}：设备设施的安全防护装置齐全有效，作业场所符合规定" * 2, photo_ids=[],
              result=None) for n in range(ITEMS)],
    )  # fmt: skip
    return paths


def _time(fn: Any, repeat: int = 5) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def _decision_pdf() -> None:
    """What documents.issue renders for the 决定 step of app/enforcement/penalty.py (the template of the
    real 文书, its base and fonts), without the database."""
    facts = "经查，该单位未按规定建立双重预防工作机制，未如实记录事故隐患排查治理情况。"
    context = {
        "enterprise": {"name": "基准机械制造有限公司", "credit_code": "91130100000000001X",
                       "address": "基准市一路1号"},
        "facts": facts * 6,
        "legal_basis": "《中华人民共和国安全生产法》第一百零一条第（五）项",
        "fine": "50000.00",
        "payment_days": 15,
        "case_number": "基应急立〔2026〕18号",
        "filed_on": date(2026, 3, 2),
        "doc": {"kind": "enforcement.penalty_decision", "title": "行政处罚决定书",
                "number": "基应急罚〔2026〕18号", "issuer": "基准市应急管理局", "issued_on": "2026-03-20"},
    }  # fmt: skip
    pdf, refused = render.render_pdf(render.render_html("enforcement/penalty_decision.html", context))
    assert pdf.startswith(b"%PDF") and not refused, refused


def main() -> list[dict[str, Any]]:
    pdf_ms = _time(_decision_pdf)
    decision = {
        "name": "行政处罚决定书 PDF from its template (best of 5)",
        "value": round(pdf_ms, 1),
        "unit": "ms",
        "target": "≤ 1000",
        "ok": pdf_ms <= 1000,
    }
    problem = _pg_available()
    if problem:
        return [
            decision,
            {
                "name": "enforcement (PostgreSQL unreachable)",
                "value": 0,
                "unit": "",
                "target": "",
                "ok": False,
            },
        ]
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            _load(session)
            user = auth.create_user(
                session,
                SYSTEM,
                username="bench",
                password="Passw0rd!bench",
                role="admin",
                display_name="基准",
            )
            session.commit()
            session.execute(text("ANALYZE"))
            inspector = Principal(
                id=user.id, username="b", display_name="b", role="inspector", region_code="139100",
                region_path="139900/139100/", department="应急管理局",
            )  # fmt: skip
            stats_ms = _time(lambda: stats.summary(session, inspector, year=2026))
            count = stats.summary(session, inspector, year=2026)["inspections"]

            from app.config import get_settings
            from app.main import create_app

            os.environ.setdefault("SHUANGKONG_MODE", "test")
            get_settings.cache_clear()
            app = create_app()

            def _session() -> Iterator[Session]:
                yield session

            app.dependency_overrides[get_session] = _session
            app.dependency_overrides[get_read_session] = _session
            with TestClient(app, base_url="https://testserver") as client:
                token = client.post(
                    "/api/auth/login", json={"username": "bench", "password": "Passw0rd!bench"}
                )
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

                def page() -> None:
                    res = client.get("/enforcement/inspections/1", headers=headers)
                    assert res.status_code == 200 and res.text.count('name="result_') == ITEMS, (
                        res.status_code
                    )

                page_ms = _time(page)
        engine.dispose()
    finally:
        _drop_pg_database(name)
    return [
        decision,
        {
            "name": f"inspection page, {ITEMS}-item checklist (PostgreSQL)",
            "value": round(page_ms, 1),
            "unit": "ms",
            "target": "≤ 150",
            "ok": page_ms <= 150,
        },
        {
            "name": f"执法统计, city with {count} inspections (PostgreSQL)",
            "value": round(stats_ms, 1),
            "unit": "ms",
            "target": "≤ 500",
            "ok": stats_ms <= 500,
        },
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
