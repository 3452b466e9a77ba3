"""Demo monitoring: points with limits for every demo 重大危险源 unit, and its three 包保责任人 (synthetic
names). Readings come from `shuangkong monitoring simulate`."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.monitoring.models import MonitoringPoint, UnitResponsible
from app.risks.models import MajorHazardUnit

# (tag prefix, name, quantity, ll, l, h, hh, interval s)
_TEMPLATE = [
    ("TI", "储罐温度", "temperature", None, -5.0, 35.0, 45.0, 5),
    ("PI", "储罐压力", "pressure", None, 0.05, 0.8, 1.0, 5),
    ("LI", "储罐液位", "level", 5.0, 10.0, 85.0, 90.0, 10),
    ("AT", "有毒气体检测", "toxic_gas", None, None, 10.0, 20.0, 5),
]
_NAMES = {"main": "王建国（演示）", "technical": "李工（演示）", "operation": "张班长（演示）"}


def load_demo_monitoring(session: Session) -> int:
    units = session.scalars(
        select(MajorHazardUnit)
        .where(MajorHazardUnit.is_demo.is_(True), MajorHazardUnit.is_major.is_(True))
        .order_by(MajorHazardUnit.id)
    ).all()
    made = 0
    for n, unit in enumerate(units, start=1):
        for prefix, name, quantity, ll, lo, h, hh, interval in _TEMPLATE:
            session.add(
                MonitoringPoint(
                    enterprise_id=unit.enterprise_id,
                    unit_id=unit.id,
                    tag=f"{prefix}-{n:02d}01",
                    name=f"{unit.name} {name}",
                    quantity=quantity,
                    limit_ll=ll,
                    limit_l=lo,
                    limit_h=h,
                    limit_hh=hh,
                    interval_seconds=interval,
                    is_demo=True,
                )
            )
            made += 1
        user_id = session.scalar(
            select(User.id)
            .where(User.role == "enterprise", User.enterprise_id == unit.enterprise_id)
            .limit(1)
        )
        for role, person in _NAMES.items():
            session.add(
                UnitResponsible(
                    unit_id=unit.id,
                    enterprise_id=unit.enterprise_id,
                    role=role,
                    name=person,
                    user_id=user_id if role == "main" else None,
                )
            )
    session.flush()
    return made
