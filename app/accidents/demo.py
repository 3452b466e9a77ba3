"""Demo 事故 and 应急 data: on a few demo enterprises a 较大 accident under investigation with a late
report, 应急预案 (one 现场处置方案 without a drill for over six months, one not filed in time), a drill,
应急物资 (one expired, one expiring soon) and two experts of the first enterprise's region.
Idempotent: nothing is added when a demo plan already exists."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accidents.models import (
    Accident,
    AccidentReportStep,
    EmergencyDrill,
    EmergencyExpert,
    EmergencyPlan,
    EmergencyResource,
)
from app.accidents.service import add_limit
from app.enterprises.models import Enterprise
from app.rules_engine.accidents import evaluate_accident
from app.timeutil import local_today, to_local, utcnow


def load_demo_accidents(session: Session) -> int:
    if session.scalar(select(EmergencyPlan.id).limit(1)) is not None:
        return 0
    ents = list(
        session.scalars(
            select(Enterprise).where(Enterprise.is_demo.is_(True)).order_by(Enterprise.id).limit(3)
        )
    )
    if not ents:
        return 0
    today = local_today()
    now = utcnow()
    first = ents[0]
    occurred = now - timedelta(days=5, hours=3)
    decision = evaluate_accident({"deaths": 3, "serious_injuries": 2, "direct_loss_yuan": 4_200_000})
    acc = Accident(
        enterprise_id=first.id, occurred_on=to_local(occurred).date(), occurred_at=occurred,
        accident_type="中毒和窒息", place="污水处理池", deaths=3, serious_injuries=2, minor_injuries=1,
        direct_loss_yuan=4_200_000, summary="清理污水池时3名作业人员中毒窒息死亡（演示）",
        source="enterprise",
        state="investigating", level=decision.level, level_rule_set=decision.rule_set,
        level_trace=[s.to_dict() for s in decision.trace], team="市应急管理局牵头组成事故调查组（演示）",
        investigation_started_on=today - timedelta(days=4),
        investigation_due=to_local(occurred).date() + timedelta(days=60), is_demo=True,
    )  # fmt: skip
    session.add(acc)
    session.flush()
    # Reported to the county after 3 hours (迟报), on to the city in time; the province not yet (漏报?).
    session.add_all(
        [
            AccidentReportStep(accident_id=acc.id, tier="county", reported_at=occurred + timedelta(hours=3),
                               recorded_by="系统（演示）"),
            AccidentReportStep(accident_id=acc.id, tier="city", reported_at=occurred + timedelta(hours=4),
                               recorded_by="系统（演示）"),
        ]
    )  # fmt: skip
    n = 0
    for i, ent in enumerate(ents):
        published = today - timedelta(days=300 - 60 * i)
        onsite = EmergencyPlan(
            enterprise_id=ent.id, kind="onsite", title="有限空间中毒窒息现场处置方案", version="2025版",
            published_on=published, filing_due=add_limit(published, "plan_filing"),
            filed_on=published + timedelta(days=10), filed_with="区应急管理局",
        )  # fmt: skip
        comprehensive = EmergencyPlan(
            enterprise_id=ent.id, kind="comprehensive", title="生产安全事故综合应急预案", version="2025版",
            review_kind="review", reviewed_on=published - timedelta(days=7), published_on=published,
            filing_due=add_limit(published, "plan_filing"),
            filed_on=None if i == 1 else published + timedelta(days=5),
            filed_with=None if i == 1 else "区应急管理局",
        )  # fmt: skip
        session.add_all([onsite, comprehensive])
        session.flush()
        if i == 2:
            session.add(
                EmergencyDrill(plan_id=onsite.id, enterprise_id=ent.id, held_on=today - timedelta(days=30),
                               form="field", scenario="污水池硫化氢中毒救援", participants=15,
                               evaluation="响应及时，救援器材齐全", improvements="增配长管呼吸器")
            )  # fmt: skip
        n += 2
        if ent.region_code:
            session.add_all(
                [
                    EmergencyResource(enterprise_id=ent.id, region_code=ent.region_code, name="空气呼吸器",
                                      category="equipment", storage_place="应急器材柜", quantity=4, unit="套",
                                      expires_on=today + timedelta(days=20 - 30 * i), lon=ent.lon,
                                      lat=ent.lat),
                    EmergencyResource(enterprise_id=ent.id, region_code=ent.region_code, name="吸附棉",
                                      category="material", storage_place="危废库旁应急物资间", quantity=50,
                                      unit="千克"),
                ]
            )  # fmt: skip
    if first.region_code:
        session.add_all(
            [
                EmergencyExpert(name="王建国（演示）", field="hazardous_chemicals",
                                region_code=first.region_code, organisation="市化工设计院",
                                phone="13800000001"),
                EmergencyExpert(name="李明（演示）", field="rescue", region_code=first.region_code,
                                organisation="区消防救援大队", phone="0571-88880001", availability="busy"),
            ]
        )  # fmt: skip
    session.flush()
    return n
