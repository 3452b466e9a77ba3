"""Demo hazards (演示数据) for the 秦皇岛 demo: every state, with believable texts, made through the service
so that events, audit rows and 双报告 look like real use. Called by app.demo after the enterprises."""

import io
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import Principal
from app.enterprises.models import Enterprise
from app.hazards import schemas as s
from app.hazards import service
from app.hazards.models import Hazard
from app.risks.demo import INDUSTRY_TIER
from app.rules_engine import applicable_catalogues, get_registry
from app.timeutil import SHANGHAI, frozen_at, local_today

LABEL = "（演示数据）"
SEED = 5
# (place, description, category)
FINDINGS = [
    ("一号车间配电室", "配电箱门未关闭，箱内线路裸露，未设置警示标识", "site"),
    ("机加工车间", "车床旋转部位防护罩缺失", "site"),
    ("仓库", "消防通道堆放纸箱，通道宽度不足", "site"),
    ("喷涂车间", "可燃气体报警器未定期检定", "site"),
    ("厂区东侧", "叉车驾驶员无证驾驶", "management"),
    ("行车作业区", "起重机钢丝绳断丝超标仍在使用", "site"),
    ("锅炉房", "安全阀校验过期", "site"),
    ("办公楼", "应急预案未按期演练，演练记录缺失", "management"),
    ("危化品库", "危险化学品未分区分类存放", "site"),
    ("焊接区", "动火作业未办理作业票", "management"),
    ("污水处理站", "有限空间入口未设置警示标志，未配备检测仪", "site"),
    ("厂区道路", "限速标志缺失，人车未分流", "site"),
    ("安全管理部", "新员工三级安全教育记录不全", "management"),
    ("冲压车间", "冲床光电保护装置失效", "site"),
    ("食堂", "燃气管道软管老化，未安装燃气泄漏报警装置", "site"),
]
# A 重大 demo hazard is a finding that the cited 判定标准 item describes (a random FINDINGS text would cite
# e.g. “限速标志缺失” as 无许可经营): industry → (item code, place, description, category, the words the
# description shares with the item's text, checked by tests/hazards/test_demo.py).
GM_FINDING = ("GM-3-2", "焊接区", "电焊工未取得特种作业操作证即上岗焊接", "management", "特种作业")
GM_INDUSTRIES = ("metallurgy", "nonferrous", "building_materials", "machinery", "light_industry", "textile")
MAJOR_FINDINGS: dict[str, tuple[str, str, str, str, str]] = {
    **{industry: GM_FINDING for industry in (*GM_INDUSTRIES, "commerce")},
    "construction": ("FS-4-3", "塔吊作业区", "塔吊司机无特种作业操作资格证书上岗", "management", "特种作业"),
    "road_transport": ("DY-3-2", "车队停车场", "一辆营运客车年度检验不合格仍安排运营", "site", "检验不合格"),
    "hazardous_chemicals": ("HG-12", "甲苯罐区", "可燃气体泄漏场所未设检测报警装置", "site", "检测报警"),
    "city_gas": ("RQ-5-1", "液化石油气储配站", "2号储罐液位监测仪表损坏停用，无超限报警", "site", "液位监测"),
    "metal_nonmetal_mine": (
        "KS-1-1-5",
        "-120米中段",
        "中段安全出口堵塞，梯子踏步损坏",
        "site",
        "安全出口堵塞",
    ),
    "fireworks": ("YH-5", "药物混合工房", "工房内滞留药量超核定药量", "site", "超核定药量"),
    "other": ("XF-6-4", "地下室", "乙类物品仓库设置在办公楼地下室", "site", "地下室"),
}
SOURCES = ["routine", "routine", "comprehensive", "specialist", "seasonal", "holiday", "external_expert"]
# Final state and how it got there (the actions taken in order). An enterprise's hazards take
# consecutive paths, so open and finished ones alternate: no three in a row are open, and only the
# demo enterprise login's own (with more hazards) reaches the 3 overdue that raise its level.
PATHS: list[tuple[str, list[str]]] = [
    ("reported", []),
    ("closed", ["spot", "accept"]),
    ("rectifying", ["start"]),
    ("closed", ["start", "progress", "submit", "accept"]),
    ("rectifying", ["start", "progress"]),
    ("withdrawn", ["withdraw"]),
    ("rectifying", ["start", "extend"]),
    ("awaiting_acceptance", ["start", "submit"]),
    ("closed", ["start", "submit", "reject", "submit", "accept"]),
    ("awaiting_acceptance", ["spot"]),
]


def _staff(ent: Enterprise, n: int) -> Principal:
    return Principal(
        id=0,
        username=f"demo-staff-{n}",
        display_name=f"{ent.name[:8]}安全员{n}",
        role="enterprise",
        enterprise_id=ent.id,
    )


def _major_item(industry: str) -> str | None:
    """The 判定标准 item a 重大 demo hazard of this industry cites (None: the demo has no fitting one)."""
    finding = MAJOR_FINDINGS.get(industry)
    if finding is None:
        return None
    registry = get_registry()
    _, entry = applicable_catalogues(industry, registry=registry)
    for catalogue_id in entry.catalogues:
        cat = registry.get(catalogue_id).model
        if any(it.code == finding[0] and industry in cat.item_industries(it) for it in cat.items):
            return finding[0]
    return None


def _at(day: Any, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


def load_demo_hazards(session: Session) -> int:
    """Idempotent: does nothing when demo hazards exist. Returns the number of hazards created."""
    if session.scalar(select(func.count()).select_from(Hazard).where(Hazard.description.endswith(LABEL))):
        return 0
    rng = random.Random(SEED)
    today = local_today()
    inspector_user = session.scalar(select(User).where(User.username == "inspector"))
    inspector = auth.principal_for(session, inspector_user) if inspector_user else None
    demo_user = session.scalar(select(User).where(User.username == "enterprise"))
    enterprises = list(
        session.scalars(select(Enterprise).where(Enterprise.is_demo.is_(True)).order_by(Enterprise.id))
    )
    count = 0
    for n, ent in enumerate(enterprises[:220]):
        own = demo_user is not None and demo_user.enterprise_id == ent.id
        worker = auth.principal_for(session, demo_user) if own and demo_user else _staff(ent, 1)
        manager = _staff(ent, 2)
        # Shops and food plants (the low tier of app.risks.demo) have fewer findings and no 重大 ones.
        low = INDUSTRY_TIER.get(ent.industry) == "low" and not own
        for k in range(rng.randint(0, 2) if low else rng.randint(1, 3) + (5 if own else 0)):
            state_path = PATHS[(n + k) % len(PATHS)] if not own else PATHS[k % len(PATHS)]
            major = inspector is not None and not low and (n + k) % 17 == 0
            major = major and _major_item(ent.industry) is not None
            found = today - timedelta(days=rng.randint(3, 120))
            count += _one(session, rng, ent, worker, manager, inspector, found, state_path[1], major)
    return count


def _one(
    session: Session,
    rng: random.Random,
    ent: Enterprise,
    worker: Principal,
    manager: Principal,
    inspector: Principal | None,
    found: Any,
    steps: list[str],
    major: bool,
) -> int:
    place, text, category = FINDINGS[rng.randrange(len(FINDINGS))]
    if major:
        _, place, text, category, _ = MAJOR_FINDINGS[ent.industry]
    body = s.HazardIn(
        source=rng.choice(SOURCES),  # type: ignore[arg-type]
        description=text + LABEL,
        place=place,
        category=category,  # type: ignore[arg-type]
        found_on=found,
        grade="major" if major else "general",
        major_item=_major_item(ent.industry) if major else None,
    )
    if major and ("spot" in steps or "withdraw" in steps):
        # 重大 hazards are never fixed on the spot, nor withdrawn by the enterprise.
        steps = ["start"]
    with frozen_at(_at(found, 10)):
        hazard = service.create_hazard(session, worker, body).hazard
        if major:
            for recipient in ("supervisor", "workers"):
                _do(
                    session,
                    worker,
                    hazard,
                    s.FileReport,
                    recipient=recipient,
                    status_and_cause=f"{text}，原因是日常检查不到位",
                    harm_and_difficulty="可能导致人员伤亡，整改需停产改造",
                    governance_plan="停用相关设备，制定专项治理方案，30日内完成改造",
                )
    day = found
    for step in steps:
        day = min(day + timedelta(days=rng.randint(1, 6)), local_today())
        with frozen_at(_at(day, 15)):
            acceptor = inspector if major and inspector else manager
            if step == "start":
                _do(session, worker, hazard, s.StartRectification, plan=_plan(day, major, rng))
            elif step == "spot":
                photo = attachments.save_image(
                    session, worker, io.BytesIO(demo_photo(rng)), "现场照片.png", ent.id
                )
                _do(
                    session,
                    worker,
                    hazard,
                    s.FixOnSpot,
                    measures=f"现场立即整改：{text[:10]}已处理",
                    attachments=[photo.id],
                )
            elif step == "progress":
                _do(session, worker, hazard, s.AddProgress, note="已采购所需材料，正在施工")
            elif step == "extend":
                new = (hazard.deadline or day) + timedelta(days=15)
                _do(
                    session,
                    worker,
                    hazard,
                    s.RequestExtension,
                    reason="配件需定制，到货延迟",
                    new_deadline=new,
                )
            elif step == "submit":
                _do(session, worker, hazard, s.SubmitForAcceptance, note="整改完成，申请验收")
            elif step == "accept":
                _do(session, acceptor, hazard, s.Accept, note="现场复查，整改到位")
            elif step == "reject":
                _do(session, acceptor, hazard, s.Reject, reason="整改不彻底，防护措施仍不完善")
            elif step == "withdraw":
                _do(session, worker, hazard, s.Withdraw, reason="与已登记隐患重复")
    return 1


def _plan(day: Any, major: bool, rng: random.Random) -> s.PlanIn:
    deadline = day + timedelta(days=rng.choice([3, 7, 10, 15, 30]))
    governance = None
    if major:
        governance = s.GovernancePlan(
            goals="彻底消除该重大事故隐患",
            methods="停产改造，更换不合格设施",
            funds_and_materials="专项资金5万元，物资已采购",
            organisation="设备部牵头，安全部监督",
            timeline="30日内完成并申请核查",
            safety_measures="整改期间设置警戒区，落实应急预案",
        )
    return s.PlanIn(
        measures="制定整改措施，落实专人负责",
        responsible="张安全" if major else None,
        funds=Decimal(5000) if major else None,
        deadline=deadline,
        emergency_plan="发生险情立即停止作业、疏散人员" if major else None,
        governance=governance,
    )


def _do(session: Session, user: Principal, hazard: Hazard, model: Any, **payload: Any) -> None:
    action = model.model_fields["action"].annotation.__args__[0]
    service.transition(session, user, hazard.id, model(action=action, version=hazard.version, **payload))


def demo_photo(rng: random.Random) -> bytes:
    """A small made-up picture standing in for a site photo."""
    img = Image.new("RGB", (320, 240), (rng.randrange(150, 220),) * 3)
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 60, 280, 200), outline=(200, 40, 40), width=6)
    draw.text((50, 20), "DEMO", fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
