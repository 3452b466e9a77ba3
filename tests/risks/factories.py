"""Factories for risk register tests."""

from typing import Any

from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.risks import service
from app.risks.models import MajorHazardUnit, RiskPoint
from app.risks.schemas import AssessmentIn, MeasureIn, PointIn, UnitIn


def make_point(db: Session, enterprise_id: int, **kw: Any) -> RiskPoint:
    data = {
        "name": "冲压车间冲床作业",
        "point_type": "作业活动",
        "location": "一号厂房",
        "department": "冲压车间",
        "post": "冲床操作工",
        "responsible_person": "王班长",
        "hazard_factors": ["2101", "防护缺陷"],
        "accident_types": ["机械伤害", "物体打击"],
        "exposed_people": 4,
        "emergency_actions": "立即按下急停按钮，切断电源，报告班组长。",
        "emergency_phone": "0335-1234567",
    }
    data.update(kw)
    return service.create_point(db, SYSTEM, enterprise_id, PointIn(**data))


def assess(db: Session, point: RiskPoint, method: str = "lec", **kw: Any) -> Any:
    values = {"lec": {"L": 3, "E": 6, "C": 15}, "ls": {"L": 3, "S": 4}}[method]
    return service.assess(
        db, SYSTEM, point.id, AssessmentIn(method=method, inputs=kw.pop("inputs", values), **kw)
    )  # type: ignore[arg-type]


def add_measure(db: Session, point: RiskPoint, kind: str = "工程技术", **kw: Any) -> Any:
    data = {
        "kind": kind,
        "description": "冲床加装光电保护装置",
        "responsible_person": "李主任",
        "check_frequency": "日",
    }
    data.update(kw)
    return service.add_measure(db, SYSTEM, point.id, MeasureIn(**data))


def make_unit(db: Session, enterprise_id: int, major: bool = True, **kw: Any) -> MajorHazardUnit:
    """液氯储存单元: 100 t with 200 people nearby is a 一级重大危险源; 2 t is not one."""
    data: dict[str, Any] = {
        "name": "液氯储罐区",
        "unit_type": "储存单元",
        "substances": [{"name": "液氯", "quantity_t": 100 if major else 2}],
        "exposed_people": 200,
    }
    data.update(kw)
    return service.create_unit(db, SYSTEM, enterprise_id, UnitIn(**data))
