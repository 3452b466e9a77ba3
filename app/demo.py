"""The 秦皇岛 demo: real city and district boundaries, real township names with synthetic (示意)
township polygons, about 300 synthetic enterprises (演示数据) and one login per role."""

import random

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth import service as auth
from app.auth.principal import SYSTEM
from app.config import PROJECT_ROOT, get_settings
from app.db import session_scope
from app.enterprises.credit_code import CHARSET, check_digit
from app.enterprises.models import Enterprise
from app.enterprises.service import AUDITED_FIELDS
from app.errors import Conflict
from app.grading.enterprise import recompute_all
from app.grading.regional import recompute_region_levels
from app.hazards.demo import load_demo_hazards
from app.regions.demo import load_demo_regions
from app.regions.models import Region
from app.risks.demo import load_demo_risks
from app.supervision.demo import load_demo_cases

SEED = 20261125
ENTERPRISE_COUNT = 300
CITY = "130300"

# (role label, username, password, what the login sees). Demo passwords only: printed on purpose.
DEMO_LOGINS = [
    ("系统管理员", "admin", "Admin@2026", "全部数据"),
    ("监管人员", "inspector", "Inspect@2026", "秦皇岛市应急管理局，全市"),
    ("乡镇(街道)用户", "township", "Town@2026", "一个街道（只读）"),
    ("企业用户", "enterprise", "Ent@2026", "本企业"),
]

# Industry mix of the demo: mostly 工贸, as in a typical coastal city (the industries an enterprise may
# have; DISTRICT_INDUSTRIES gives each district its own mix of them).
INDUSTRY_WEIGHTS = {
    "machinery": 18,
    "building_materials": 10,
    "metallurgy": 8,
    "light_industry": 12,
    "commerce": 14,
    "textile": 4,
    "hazardous_chemicals": 10,
    "city_gas": 3,
    "road_transport": 6,
    "construction": 8,
    "metal_nonmetal_mine": 4,
    "fireworks": 1,
    "nonferrous": 2,
}
# Each district's industries, after its real character, so that its regional level has a reason a
# visitor can follow (the levels themselves come from the rules: risk points, hazards, accidents):
DISTRICT_INDUSTRIES: dict[str, dict[str, int]] = {
    # 海港区: city centre, port and the 经济技术开发区 (machinery, chemicals, logistics).
    "130302": {"machinery": 18, "commerce": 20, "light_industry": 12, "hazardous_chemicals": 8,
               "road_transport": 10, "construction": 8, "building_materials": 6, "metallurgy": 3,
               "city_gas": 3, "nonferrous": 2, "textile": 3},
    # 山海关区: the old town (tourism) beside shipbuilding and steel-bridge works.
    "130303": {"machinery": 25, "metallurgy": 8, "commerce": 30, "light_industry": 15, "construction": 8,
               "road_transport": 6},
    # 北戴河区: the seaside resort: shops, hotels' suppliers, food; no heavy industry.
    "130304": {"commerce": 60, "light_industry": 30, "textile": 10},
    # 抚宁区: building materials, machinery and food processing.
    "130306": {"building_materials": 20, "machinery": 15, "light_industry": 22, "commerce": 20,
               "construction": 8, "road_transport": 8, "metallurgy": 3, "fireworks": 1},
    # 青龙满族自治县: a mining county (iron ore, gold) with its crushing and building-material plants.
    "130321": {"metal_nonmetal_mine": 40, "building_materials": 14, "nonferrous": 6, "light_industry": 12,
               "commerce": 14, "construction": 6, "road_transport": 6, "fireworks": 2},
    # 昌黎县 (with 北戴河新区): steel, wine and food, a chemical park.
    "130322": {"metallurgy": 10, "light_industry": 26, "hazardous_chemicals": 6, "machinery": 12,
               "commerce": 20, "building_materials": 10, "road_transport": 8, "construction": 6,
               "city_gas": 2},
    # 卢龙县: cement and building materials, sweet-potato processing, farming towns.
    "130324": {"building_materials": 18, "light_industry": 26, "commerce": 24, "machinery": 10,
               "metal_nonmetal_mine": 4, "construction": 10, "road_transport": 8},
}  # fmt: skip
INDUSTRY_SUFFIX = {
    "machinery": "机械制造",
    "building_materials": "建材",
    "metallurgy": "钢铁",
    "light_industry": "食品",
    "commerce": "商贸",
    "textile": "纺织",
    "hazardous_chemicals": "化工",
    "city_gas": "燃气",
    "road_transport": "运输",
    "construction": "建筑工程",
    "metal_nonmetal_mine": "矿业",
    "fireworks": "烟花",
    "nonferrous": "铝业",
}
NAME_WORDS = (
    "渤海",
    "港城",
    "燕山",
    "长城",
    "海阳",
    "昌盛",
    "鑫源",
    "宏达",
    "恒远",
    "金港",
    "北戴河",
    "碧海",
    "东方",
    "华北",
    "冀东",
    "瑞丰",
    "永兴",
    "兴隆",
    "远航",
    "山海",
)


def _credit_code(rng: random.Random) -> str:
    # 9 = 工商, 1 = 企业, then the 秦皇岛 adcode, then a 9-character organisation code.
    first17 = "91" + CITY + "".join(rng.choice(CHARSET) for _ in range(9))
    return first17 + check_digit(first17)


def _points_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out: list[np.ndarray] = []
    while sum(len(o) for o in out) < n:
        xs = rng.uniform(minx, maxx, n * 4)
        ys = rng.uniform(miny, maxy, n * 4)
        inside = shapely.contains_xy(geom, xs, ys)
        out.append(np.column_stack([xs[inside], ys[inside]]))
    return np.concatenate(out)[:n]


def _make_enterprises(session: Session) -> list[Enterprise]:
    rng = random.Random(SEED)
    nrng = np.random.default_rng(SEED)
    towns = list(session.scalars(select(Region).where(Region.level == "township").order_by(Region.code)))
    created = []
    codes: set[str] = set()
    for i in range(ENTERPRISE_COUNT):
        town = towns[i % len(towns)] if i < len(towns) else rng.choice(towns)
        lon, lat = _points_in(shapely.from_wkb(town.geometry), 1, nrng)[0]
        mix = DISTRICT_INDUSTRIES.get(town.parent_code or "", INDUSTRY_WEIGHTS)
        industry = rng.choices(list(mix), list(mix.values()))[0]
        code = _credit_code(rng)
        while code in codes:
            code = _credit_code(rng)
        codes.add(code)
        ent = Enterprise(
            credit_code=code,
            name=f"秦皇岛{rng.choice(NAME_WORDS)}{INDUSTRY_SUFFIX[industry]}有限公司{i + 1:03d}（演示）",
            industry=industry,
            scale=rng.choice(["above", "below", "below"]),
            address=f"{town.name}演示路{rng.randint(1, 300)}号",
            lon=round(float(lon), 6),
            lat=round(float(lat), 6),
            region_code=town.code,
            department="秦皇岛市应急管理局",
            contact_name=f"联系人{i + 1:03d}",
            contact_phone=f"0335-{rng.randint(3000000, 8999999)}",
            status=rng.choices(["operating", "suspended", "closed"], [90, 7, 3])[0],
            is_demo=True,
        )
        session.add(ent)
        created.append(ent)
    session.flush()
    paths = {t.code: t.path for t in towns}
    audit.record_many(
        session,
        [
            {
                "actor_id": None,
                "actor_name": SYSTEM.username,
                "action": "create",
                "entity": "enterprise",
                "entity_id": str(e.id),
                "enterprise_id": e.id,
                "region_path": paths[e.region_code or ""],
                "before": None,
                "after": audit.snapshot(e, AUDITED_FIELDS),
                "note": "演示数据",
            }
            for e in created
        ],
    )
    return created


def _make_users(session: Session, enterprises: list[Enterprise]) -> None:
    first = enterprises[0]
    town = session.get(Region, first.region_code)
    assert town is not None
    accounts = {
        "admin": {"display_name": "系统管理员"},
        "inspector": {
            "display_name": "秦皇岛市应急管理局 张监管",
            "region_code": CITY,
            "department": "秦皇岛市应急管理局",
        },
        "township": {"display_name": f"{town.name}安全生产监管站", "region_code": town.code},
        "enterprise": {"display_name": first.name, "enterprise_id": first.id},
    }
    for (_, username, password, _), (role, extra) in zip(DEMO_LOGINS, accounts.items(), strict=True):
        auth.create_user(session, SYSTEM, username=username, password=password, role=role, **extra)  # type: ignore[arg-type]


def _refuse_real_data(session: Session) -> None:
    """The demo only ever writes into an empty database or its own earlier load."""
    from app.auth.models import User

    real_enterprises = session.scalar(
        select(func.count()).select_from(Enterprise).where(Enterprise.is_demo.is_(False))
    )
    demo_users = [username for _, username, _, _ in DEMO_LOGINS]
    real_users = session.scalar(
        select(func.count()).select_from(User).where(User.username.not_in(demo_users))
    )
    if real_enterprises or real_users:
        raise Conflict(
            f"该数据库已有非演示数据（企业 {real_enterprises} 家、用户 {real_users} 个），拒绝加载演示数据；"
            "请为演示使用单独的数据库（默认 SQLite 演示库不受影响）"
        )


def load_demo(reset: bool = False) -> None:
    """Create (or reuse) the demo database. Idempotent: a loaded demo is left as it is."""
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    url = make_url(settings.database_url)
    if reset and url.get_backend_name() == "sqlite" and url.database:
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = settings.database_url
    command.upgrade(cfg, "head")
    with session_scope() as session:
        _refuse_real_data(session)
        if session.scalar(select(func.count()).select_from(Enterprise)):
            print("演示数据已存在，直接使用（如需重建请加 --reset）。")
            return
        print("正在加载秦皇岛演示数据：行政区划、示意乡镇边界、300 家演示企业……")
        populate_demo(session)


def populate_demo(session: Session) -> None:
    """Every part of the demo, written through `session` into an empty migrated database."""
    load_demo_regions(session)
    enterprises = _make_enterprises(session)
    _make_users(session, enterprises)
    load_demo_risks(session)
    load_demo_hazards(session)
    load_demo_cases(session)
    from app.accidents.demo import load_demo_accidents

    load_demo_accidents(session)
    from app.monitoring.demo import load_demo_monitoring

    load_demo_monitoring(session)
    from app.campaigns.demo import load_demo_campaigns

    load_demo_campaigns(session)
    # Demo hazards were recorded on past dates: grade everyone again as of today, then the regions.
    recompute_all(session)
    recompute_region_levels(session)
