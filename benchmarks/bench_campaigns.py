"""专项整治 progress: a city campaign for 涉粉尘 enterprises with 20,000 of them in scope (the tag read from
their enterprise profiles, 2,000 more enterprises tagged otherwise; reports and campaign hazards for many
of them), progress by region and industry for the city inspector ≤ 300 ms, on a fresh, bulk-loaded
PostgreSQL database. The 重大隐患动态清零 list is its own call (the progress data counts only); its time is
reported for information."""

import random
import time
from datetime import date, timedelta
from typing import Any

from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.campaigns import service
from app.campaigns.models import Campaign, CampaignHazard, CampaignReport
from app.credit.models import EnterpriseProfile
from app.db import make_engine
from app.enterprises.models import Enterprise
from app.hazards.models import Hazard
from app.regions.models import Region
from tests.conftest import _create_pg_database, _drop_pg_database, _pg_available, alembic_config

ENTERPRISES = 20_000
OTHERS = 2_000  # tagged 有限空间 only: outside the campaign's scope
INDUSTRIES = ["machinery", "light_industry", "building_materials", "metallurgy", "textile"]


def _load(session: Session) -> int:
    rng = random.Random(20)
    regions = [
        dict(code="139900", name="基准省", level="province", parent_code=None, path="139900/"),
        dict(code="139100", name="基准市", level="city", parent_code="139900", path="139900/139100/"),
    ]
    towns = []
    for k in range(1, 11):
        county = f"1391{k:02d}"
        regions.append(
            dict(
                code=county,
                name=f"区{k}",
                level="county",
                parent_code="139100",
                path=f"139900/139100/{county}/",
            )
        )
        for t in range(1, 16):
            town = f"{county}{t:03d}"
            towns.append(town)
            regions.append(dict(code=town, name=f"街道{town}", level="township", parent_code=county,
                                path=f"139900/139100/{county}/{town}/"))  # fmt: skip
    session.execute(
        insert(Region), [{**r, "source": "bench", "is_synthetic": True, "version": 1} for r in regions]
    )
    paths = {r["code"]: r["path"] for r in regions}
    ents = [
        dict(id=i, credit_code=f"91{i:016d}", name=f"基准企业{i}", industry=rng.choice(INDUSTRIES),
             region_code=rng.choice(towns), lon=118.5, lat=39.5)
        for i in range(1, ENTERPRISES + OTHERS + 1)
    ]  # fmt: skip
    session.execute(insert(Enterprise), ents)
    tag_sets = [["dust"], ["dust", "confined_space"], ["key", "dust"]]
    profiles = [
        dict(
            enterprise_id=i, version=1, tags=rng.choice(tag_sets) if i <= ENTERPRISES else ["confined_space"]
        )
        for i in range(1, ENTERPRISES + OTHERS + 1)
    ]
    session.execute(insert(EnterpriseProfile), profiles)
    ents = ents[:ENTERPRISES]
    today = date.today()
    session.execute(
        insert(Campaign),
        [dict(id=1, title="基准专项整治", department="应急管理局", region_code="139100",
              region_path="139900/139100/", industries=[], scope_regions=[], tags=["涉粉尘"],
              starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60), phases=[],
              report_phase="自查自改", report_due=today - timedelta(days=1), target_coverage=100, version=1)],
    )  # fmt: skip
    states = ["draft", "filed", "filed", "returned", "accepted"]
    reports = [
        dict(campaign_id=1, enterprise_id=e["id"], state=rng.choice(states), filed_late=False, times_filed=1,
             version=1)
        for e in ents if rng.random() < 0.7
    ]  # fmt: skip
    session.execute(insert(CampaignReport), reports)
    hazards, links = [], []
    for n, e in enumerate(rng.sample(ents, 8_000), start=1):
        hazards.append(dict(id=n, enterprise_id=e["id"], region_path=paths[e["region_code"]],
                            industry=e["industry"], source="specialist", description="粉尘清理不到位",
                            place="车间", category="site",
                            found_on=today, grade="major" if n % 10 == 0 else "general",
                            state="closed" if n % 3 == 0 else "rectifying", photo_ids=[]))  # fmt: skip
        links.append(dict(campaign_id=1, hazard_id=n, enterprise_id=e["id"]))
    session.execute(insert(Hazard), hazards)
    session.execute(insert(CampaignHazard), links)
    return 1


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
            {"name": "campaigns (PostgreSQL unreachable)", "value": 0, "unit": "", "target": "", "ok": False}
        ]
    name, url = _create_pg_database()
    try:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with Session(engine) as session:
            campaign_id = _load(session)
            session.commit()
            session.execute(text("ANALYZE"))
            inspector = Principal(id=1, username="b", display_name="b", role="inspector",
                                  region_code="139100", region_path="139900/139100/")  # fmt: skip
            result = service.progress(session, inspector, campaign_id)
            assert result["total"]["in_scope"] == ENTERPRISES, result["total"]
            ms = _time(lambda: service.progress(session, inspector, campaign_id))
            listed = service.major_hazards(session, inspector, campaign_id)
            assert listed["open"] == result["major_open"] > 0, (listed["open"], result["major_open"])
            list_ms = _time(lambda: service.major_hazards(session, inspector, campaign_id))

            def page_data() -> None:  # what the department's campaign page asks for (app/web/campaign_pages)
                service.detail(session, inspector, campaign_id)
                service.progress(session, inspector, campaign_id)
                service.major_hazards(session, inspector, campaign_id)
                service.enterprise_rows(session, inspector, campaign_id, limit=200)

            page_ms = _time(page_data)
        engine.dispose()
    finally:
        _drop_pg_database(name)
    return [
        {
            "name": f"city campaign progress, {ENTERPRISES} enterprises in scope (PostgreSQL)",
            "value": round(ms, 1),
            "unit": "ms",
            "target": "≤ 300",
            "ok": ms <= 300,
        },
        {
            "name": "重大隐患动态清零 list (its own call, at most 200 listed)",
            "value": round(list_ms, 1),
            "unit": "ms",
            "target": "info",
            "ok": True,
        },
        {
            "name": "campaign page data: detail + progress + 清零 list + first 200 enterprises",
            "value": round(page_ms, 1),
            "unit": "ms",
            "target": "info",
            "ok": True,
        },
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
