"""Demo risk register for the 秦皇岛 demo enterprises (all texts marked 演示数据)."""

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import SYSTEM
from app.enterprises.models import Enterprise
from app.grading import enterprise as grading
from app.regions.models import Region
from app.risks.models import Accident, ControlMeasure, MajorHazardUnit, RiskAssessment, RiskPoint, UnitEvent
from app.rules_engine import evaluate_gb18218, evaluate_point
from app.timeutil import local_today

SEED = 20261126
DEMO = "（演示数据）"

# (name, type, hazard factor codes, accident types, measures {kind: text})
TEMPLATES: list[tuple[str, str, list[str], list[str], dict[str, str]]] = [
    (
        "配电室",
        "area",
        ["2103"],
        ["触电", "火灾"],
        {"engineering": "设置漏电保护和绝缘垫", "ppe": "穿戴绝缘鞋和绝缘手套"},
    ),
    (
        "叉车作业",
        "activity",
        ["2108", "12"],
        ["车辆伤害"],
        {"management": "叉车司机持证上岗", "training": "厂内机动车辆安全培训"},
    ),
    (
        "焊接作业",
        "activity",
        ["2109", "2110"],
        ["灼烫", "火灾", "触电"],
        {"management": "执行动火作业审批", "ppe": "佩戴焊接面罩和防护手套"},
    ),
    (
        "机加工车间",
        "area",
        ["2101", "2102", "2104"],
        ["机械伤害", "物体打击"],
        {"engineering": "旋转部位加装防护罩", "training": "岗前安全操作规程培训"},
    ),
    (
        "行车吊装作业",
        "activity",
        ["2101", "12"],
        ["起重伤害", "物体打击"],
        {"management": "执行吊装作业票制度", "engineering": "限位器、防脱钩装置定期检验"},
    ),
    (
        "高处作业",
        "activity",
        ["2102", "32"],
        ["高处坠落"],
        {"ppe": "系挂安全带", "management": "高处作业审批并设专人监护"},
    ),
    (
        "有限空间作业",
        "activity",
        ["22", "31"],
        ["中毒和窒息"],
        {"management": "先通风、再检测、后作业", "emergency": "配备正压式空气呼吸器和救援三脚架"},
    ),
    (
        "空压机房",
        "equipment",
        ["2101", "2104"],
        ["容器爆炸", "机械伤害"],
        {"engineering": "储气罐安全阀定期校验", "management": "压力容器定期检验"},
    ),
    (
        "仓库",
        "area",
        ["2109", "43"],
        ["火灾", "坍塌"],
        {"engineering": "设置自动喷淋和烟感报警", "management": "货物限高堆放"},
    ),
    (
        "燃气调压站",
        "equipment",
        ["22", "2109"],
        ["其它爆炸", "火灾"],
        {"engineering": "安装可燃气体报警并联锁切断", "emergency": "制定泄漏应急处置方案并演练"},
    ),
    (
        "危化品储罐区",
        "area",
        ["22"],
        ["中毒和窒息", "火灾", "其它爆炸"],
        {"engineering": "储罐液位高高报警联锁", "emergency": "配备应急池和洗消设施"},
    ),
    (
        "办公区",
        "area",
        ["39"],
        ["其它伤害", "火灾"],
        {"management": "定期消防检查", "training": "全员消防疏散演练"},
    ),
]
# Points only the industries that have them get.
TEMPLATE_INDUSTRIES = {
    "危化品储罐区": {"hazardous_chemicals", "city_gas"},
    "燃气调压站": {"city_gas", "hazardous_chemicals", "metallurgy"},
}
# How hazardous an industry's demo enterprises are: it picks the assessments of their risk points. With
# the enterprise level taken from its highest point, a city's enterprises come out mostly blue and
# yellow, orange where heavy industry and mines are, and red only for the stories in RED_STORIES:
# low: shops, food, textiles (every point 低风险); medium: 工贸 manufacturing, building, transport;
# high: steel, chemicals, gas, mines, fireworks.
INDUSTRY_TIER = {
    "commerce": "low",
    "light_industry": "low",
    "textile": "low",
    "machinery": "medium",
    "building_materials": "medium",
    "construction": "medium",
    "road_transport": "medium",
    "nonferrous": "medium",
    "metallurgy": "high",
    "hazardous_chemicals": "high",
    "city_gas": "high",
    "metal_nonmetal_mine": "high",
    "fireworks": "high",
}
# LEC: D = 21 / 42 / 63 blue, 126 yellow, 252 / 270 orange (rules/methods/lec-national.yaml).
LEC_CHOICES: dict[str, list[tuple[dict[str, int], int]]] = {
    "low": [({"L": 1, "E": 3, "C": 7}, 5), ({"L": 1, "E": 6, "C": 7}, 3), ({"L": 3, "E": 3, "C": 7}, 3)],
    "medium": [
        ({"L": 1, "E": 3, "C": 7}, 30),
        ({"L": 3, "E": 3, "C": 7}, 40),
        ({"L": 3, "E": 6, "C": 7}, 24),
        ({"L": 6, "E": 6, "C": 7}, 2),
    ],
    "high": [
        ({"L": 3, "E": 3, "C": 7}, 35),
        ({"L": 3, "E": 6, "C": 7}, 40),
        ({"L": 3, "E": 6, "C": 15}, 22),
    ],
}
# LS (ls-national): 4 / 8 blue, 12 yellow, 16 orange.
LS_CHOICES: dict[str, list[tuple[dict[str, int], int]]] = {
    "low": [({"L": 2, "S": 2}, 5), ({"L": 2, "S": 4}, 4)],
    "medium": [({"L": 2, "S": 2}, 30), ({"L": 2, "S": 4}, 40), ({"L": 3, "S": 4}, 24), ({"L": 4, "S": 4}, 2)],
    "high": [({"L": 2, "S": 4}, 35), ({"L": 3, "S": 4}, 40), ({"L": 4, "S": 4}, 22)],
}
# The demo's red (重大风险) enterprises, one story per district, each on the first enterprise there of
# the industry named (none: the story is left out). The rules make them red: a fatal accident within
# 12 months, a risk point assessed 重大 (LEC 6 × 6 × 15 = 540).
RED_STORIES: list[tuple[str, str, str]] = [
    ("130302", "hazardous_chemicals", "fatal_accident"),  # 海港区: a chemical plant in the 开发区
    ("130322", "metallurgy", "red_point"),  # 昌黎县: a steel works' blast-furnace gas
]
RED_POINT = (
    "高炉煤气区域",
    "area",
    ["22", "2109"],
    ["中毒和窒息", "其它爆炸"],
    {
        "engineering": "煤气报警仪与风机联锁，设置煤气防护站",
        "emergency": "配备空气呼吸器，定期开展煤气中毒救援演练",
    },
)
RED_POINT_LEC = {"L": 6, "E": 6, "C": 15}
FREQUENCY_BY_LEVEL = {"red": "daily", "orange": "weekly", "yellow": "monthly", "blue": "quarterly"}
CONTROL_BY_LEVEL = {"red": "company", "orange": "workshop", "yellow": "team", "blue": "post"}


def _pick(rng: random.Random, choices: list[tuple[dict[str, int], int]]) -> dict[str, int]:
    return dict(rng.choices([c for c, _ in choices], [w for _, w in choices])[0])


def load_demo_risks(session: Session) -> dict[str, int]:
    """Add the demo register once (idempotent), then re-grade every enterprise."""
    if session.scalar(select(func.count()).select_from(RiskPoint)):
        return {"points": 0}
    rng = random.Random(SEED)
    today = local_today()
    enterprises = list(
        session.scalars(select(Enterprise).where(Enterprise.is_demo.is_(True)).order_by(Enterprise.id))
    )
    stories = _red_stories(session, enterprises)
    counts = {"points": 0, "units": 0, "accidents": 0}
    audits: list[dict[str, Any]] = []
    for ent in enterprises:
        tier = INDUSTRY_TIER.get(ent.industry, "medium")
        fitting = [t for t in TEMPLATES if ent.industry in TEMPLATE_INDUSTRIES.get(t[0], {ent.industry})]
        chosen = rng.sample(fitting, rng.randint(3, 7))
        story = stories.get(ent.id)
        planned = [(t, None) for t in chosen] + ([(RED_POINT, RED_POINT_LEC)] if story == "red_point" else [])
        for (name, kind, factors, accidents, measures), fixed in planned:
            people = rng.randint(1, 15)
            point = RiskPoint(
                enterprise_id=ent.id,
                name=name,
                point_type=kind,
                location=f"{name}所在区域{DEMO}",
                department="生产部" if kind != "area" else "安全环保部",
                post=f"{name}岗位",
                responsible_person=f"{name[:2]}负责人{DEMO}",
                hazard_factors=factors,
                accident_types=accidents,
                exposed_people=people,
                emergency_actions=f"立即停止作业，撤离人员并报告值班领导；按现场处置方案处置。{DEMO}",
                emergency_phone=ent.contact_phone,
                is_demo=True,
            )
            method = rng.choice(["lec", "lec", "ls"])
            inputs: dict[str, Any] = _pick(rng, LEC_CHOICES[tier] if method == "lec" else LS_CHOICES[tier])
            if fixed is not None:
                method, inputs = "lec", dict(fixed)
            decision = evaluate_point(method, inputs, jurisdiction=ent.region_code)
            assert decision.level is not None
            point.level = decision.level
            session.add(point)
            session.flush()
            session.add(
                RiskAssessment(
                    risk_point_id=point.id,
                    enterprise_id=ent.id,
                    method=method,
                    rule_set=decision.rule_set,
                    inputs=inputs,
                    score=decision.score,
                    level=decision.level,
                    is_major=bool(decision.is_major),
                    trace=[t.to_dict() for t in decision.trace],
                    assessor=f"安全员{DEMO}",
                    assessed_on=today - timedelta(days=rng.randint(10, 400)),
                )
            )
            for mkind, text in measures.items():
                session.add(
                    ControlMeasure(
                        risk_point_id=point.id,
                        kind=mkind,
                        description=f"{text}{DEMO}",
                        control_level=CONTROL_BY_LEVEL[decision.level],
                        responsible_person=f"{name[:2]}负责人{DEMO}",
                        check_frequency=FREQUENCY_BY_LEVEL[decision.level],
                    )
                )
            counts["points"] += 1
            audits.append(_audit(ent.id, "risk_point", point.id))
        if ent.industry in ("hazardous_chemicals", "city_gas") and rng.random() < 0.4:
            substance = rng.choice(
                [("液氯", 5, 60), ("液氨", 30, 120), ("二氧化硫", 30, 40), ("硫化氢", 8, 150)]
            )
            unit = MajorHazardUnit(
                enterprise_id=ent.id,
                name=f"{substance[0]}储存单元{DEMO}",
                unit_type="storage",
                substances=[{"name": substance[0], "quantity_t": substance[1]}],
                exposed_people=substance[2],
                is_demo=True,
            )
            d = evaluate_gb18218({"substances": unit.substances, "exposed_people": unit.exposed_people})
            unit.is_major, unit.grade, unit.s, unit.r = bool(d.is_major), d.grade, d.s, d.r
            unit.rule_set, unit.trace = d.rule_set, [t.to_dict() for t in d.trace]
            session.add(unit)
            session.flush()
            session.add(
                UnitEvent(
                    unit_id=unit.id,
                    kind="identified",
                    to_major=unit.is_major,
                    to_grade=unit.grade,
                    actor=SYSTEM.username,
                )
            )
            counts["units"] += 1
            audits.append(_audit(ent.id, "major_hazard_unit", unit.id))
        if rng.random() < (0.02 if tier == "low" else 0.05):
            # Injuries only: a death within 12 months makes an enterprise red, which RED_STORIES decides.
            session.add(
                Accident(
                    enterprise_id=ent.id,
                    occurred_on=today - timedelta(days=rng.randint(20, 700)),
                    accident_type=rng.choice(chosen)[3][0],
                    deaths=0,
                    serious_injuries=rng.randint(0, 2),
                    minor_injuries=rng.randint(1, 3),
                    note=f"事故记录{DEMO}",
                    is_demo=True,
                )
            )
            counts["accidents"] += 1
        if story == "fatal_accident":
            session.add(
                Accident(
                    enterprise_id=ent.id,
                    occurred_on=today - timedelta(days=75),
                    accident_type="中毒和窒息",
                    deaths=1,
                    serious_injuries=1,
                    minor_injuries=0,
                    note=f"储罐清洗有限空间作业中毒事故，1人死亡{DEMO}",
                    is_demo=True,
                )
            )
            counts["accidents"] += 1
    session.flush()
    audit.record_many(session, audits)
    counts.update(grading.recompute_all(session))
    return counts


def _red_stories(session: Session, enterprises: list[Enterprise]) -> dict[int, str]:
    """{enterprise id: story} for RED_STORIES: the first enterprise of the industry in the district."""
    district: dict[str, str | None] = {
        c: p for c, p in session.execute(select(Region.code, Region.parent_code))
    }
    out: dict[int, str] = {}
    for code, industry, story in RED_STORIES:
        ent = next(
            (
                e
                for e in enterprises
                if district.get(e.region_code or "") == code
                and e.industry == industry
                and e.status == "operating"
            ),
            None,
        )
        if ent is not None:
            out[ent.id] = story
    return out


def _audit(enterprise_id: int, entity: str, entity_id: int) -> dict[str, Any]:
    return {
        "actor_id": None,
        "actor_name": SYSTEM.username,
        "action": "create",
        "entity": entity,
        "entity_id": str(entity_id),
        "enterprise_id": enterprise_id,
        "region_path": None,
        "before": None,
        "after": None,
        "note": "演示数据",
    }
