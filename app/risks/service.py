"""Risk register: points, assessments, control measures, 重大危险源, accidents. No HTTP here.

Every change writes an audit row and, when it can move the enterprise's overall level, re-grades the
enterprise in the same transaction.
"""

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.grading import enterprise as grading
from app.regions.models import Region
from app.risks import catalogues
from app.risks.models import (
    CHECK_FREQUENCIES,
    CONTROL_LEVELS,
    MEASURE_KINDS,
    POINT_TYPES,
    UNIT_TYPES,
    Accident,
    ControlMeasure,
    MajorHazardUnit,
    RiskAssessment,
    RiskPoint,
    UnitEvent,
)
from app.risks.schemas import (
    AccidentIn,
    AssessmentIn,
    MeasureIn,
    MeasureUpdate,
    PointIn,
    PointUpdate,
    SubstanceIn,
    UnitIn,
    UnitUpdate,
)
from app.rules_engine import RuleInputError, evaluate_gb18218, evaluate_point, get_registry, point_method
from app.rules_engine.decision import TraceStep
from app.rules_engine.service import get_rule_set
from app.timeutil import local_today

POINT_FIELDS = [
    "name",
    "point_type",
    "location",
    "lon",
    "lat",
    "department",
    "post",
    "responsible_person",
    "hazard_factors",
    "accident_types",
    "exposed_people",
    "emergency_actions",
    "emergency_phone",
    "major_hazard_unit_id",
]
MEASURE_FIELDS = [
    "kind",
    "description",
    "control_level",
    "responsible_person",
    "check_frequency",
    "is_active",
]
UNIT_FIELDS = ["name", "unit_type", "substances", "exposed_people", "is_major", "grade", "is_active"]
ACCIDENT_FIELDS = ["occurred_on", "accident_type", "deaths", "serious_injuries", "minor_injuries", "note"]
METHOD_LABELS = {"lec": "LEC法", "ls": "LS法", "mes": "MES法"}
GRADE_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def keyed(value: str, table: dict[str, str], field: str, what: str) -> str:
    """A key of `table` given as the key or its Chinese label (车间 also matches 车间(部门) forms)."""
    value = value.strip()
    if value in table:
        return value
    for key, label in table.items():
        if value in (label, f"{label}级"):
            return key
    raise BadInput(f"{what} {value!r} 无效，可选：{'、'.join(table.values())}", field=field)


# ---------------------------------------------------------------- scoping


def readable(stmt: SelectT, user: Principal, column: Any = RiskPoint.enterprise_id) -> SelectT:
    """Rows of enterprises the caller may read (delegates to the enterprise scope)."""
    return enterprises.owned_by_readable(stmt, column, user)


def _may_manage(user: Principal, enterprise_id: int) -> None:
    """Points, measures, units: the enterprise itself or an admin (after the read scope check)."""
    if user.is_admin or (user.role == "enterprise" and user.enterprise_id == enterprise_id):
        return
    raise Forbidden("只有本企业用户或管理员可以维护风险清单")


def _may_assess(user: Principal) -> None:
    if user.role not in ("enterprise", "inspector", "admin"):
        raise Forbidden("当前角色无权进行风险评价")


def _region_path(session: Session, enterprise_id: int) -> str | None:
    return session.scalar(
        select(Region.path)
        .join(Enterprise, Enterprise.region_code == Region.code)
        .where(Enterprise.id == enterprise_id)
    )


def _audit(
    session: Session,
    user: Principal,
    action: str,
    entity: str,
    entity_id: int,
    enterprise_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        user,
        action,
        entity,
        entity_id,
        before=before,
        after=after,
        enterprise_id=enterprise_id,
        region_path=_region_path(session, enterprise_id),
    )


def get_point(session: Session, user: Principal, point_id: int, *, full: bool = False) -> RiskPoint:
    stmt = readable(select(RiskPoint).where(RiskPoint.id == point_id), user)
    if full:
        stmt = stmt.options(selectinload(RiskPoint.measures))
    point = session.scalar(stmt)
    if point is None:
        raise NotFound(f"风险点 {point_id} 不存在")
    return point


def list_points(
    session: Session,
    user: Principal,
    enterprise_id: int,
    *,
    level: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[RiskPoint]:
    enterprises.get_readable(session, user, enterprise_id)
    stmt = select(RiskPoint).where(RiskPoint.enterprise_id == enterprise_id)
    if level:
        stmt = stmt.where(RiskPoint.level == level)
    if after_id:
        stmt = stmt.where(RiskPoint.id > after_id)
    return list(session.scalars(stmt.order_by(RiskPoint.id).limit(limit)))


# ---------------------------------------------------------------- points


def _check_version(given: int, current: int, what: str) -> None:
    """Optimistic lock on the version the client read (version_id_col also catches concurrent flushes)."""
    if given != current:
        raise Conflict(f"{what}已被他人修改（当前版本 {current}），请刷新后重试", field="version")


def _check_coordinates(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise BadInput("经度和纬度须同时填写", field="lat" if lat is None else "lon")
    if lon is not None and lat is not None:
        if not -180 <= lon <= 180:
            raise BadInput(f"经度 {lon} 超出范围（-180–180）", field="lon")
        if not -90 <= lat <= 90:
            raise BadInput(f"纬度 {lat} 超出范围（-90–90）", field="lat")


def clean_point_values(values: dict[str, Any]) -> dict[str, Any]:
    """Controlled-list checks shared by the API and the importer; raises BadInput naming the field."""
    out = dict(values)
    if "point_type" in out and out["point_type"] is not None:
        out["point_type"] = keyed(out["point_type"], POINT_TYPES, "point_type", "风险点类型")
    if out.get("hazard_factors") is not None:
        out["hazard_factors"] = catalogues.check_hazard_factors(out["hazard_factors"])
    if out.get("accident_types") is not None:
        out["accident_types"] = catalogues.check_accident_types(out["accident_types"])
    return out


def _check_unit(session: Session, enterprise_id: int, unit_id: int | None) -> None:
    """A point may only belong to a 辨识单元 of its own enterprise."""
    if unit_id is None:
        return
    owner = session.scalar(select(MajorHazardUnit.enterprise_id).where(MajorHazardUnit.id == unit_id))
    if owner != enterprise_id:
        raise BadInput(f"辨识单元 {unit_id} 不存在或不属于本企业", field="major_hazard_unit_id")


def create_point(session: Session, user: Principal, enterprise_id: int, data: PointIn) -> RiskPoint:
    enterprises.get_readable(session, user, enterprise_id)
    _may_manage(user, enterprise_id)
    values = clean_point_values(data.model_dump())
    _check_coordinates(values["lon"], values["lat"])
    _check_unit(session, enterprise_id, values["major_hazard_unit_id"])
    point = RiskPoint(enterprise_id=enterprise_id, **values)
    session.add(point)
    session.flush()
    _audit(
        session,
        user,
        "create",
        "risk_point",
        point.id,
        enterprise_id,
        after=audit.snapshot(point, POINT_FIELDS),
    )
    return point


def update_point(session: Session, user: Principal, point_id: int, data: PointUpdate) -> RiskPoint:
    point = get_point(session, user, point_id)
    _may_manage(user, point.enterprise_id)
    values = clean_point_values(data.model_dump(exclude_unset=True, exclude={"version"}))
    _check_coordinates(values.get("lon", point.lon), values.get("lat", point.lat))
    if "major_hazard_unit_id" in values:
        _check_unit(session, point.enterprise_id, values["major_hazard_unit_id"])
    before = audit.snapshot(point, POINT_FIELDS)
    _check_version(data.version, point.version, "风险点")
    for key, value in values.items():
        setattr(point, key, value)
    session.flush()
    _audit(
        session,
        user,
        "update",
        "risk_point",
        point.id,
        point.enterprise_id,
        before,
        audit.snapshot(point, POINT_FIELDS),
    )
    return point


def delete_point(session: Session, user: Principal, point_id: int) -> None:
    point = get_point(session, user, point_id)
    _may_manage(user, point.enterprise_id)
    ent = point.enterprise_id
    _audit(session, user, "delete", "risk_point", point.id, ent, before=audit.snapshot(point, POINT_FIELDS))
    session.delete(point)
    session.flush()
    grading.recompute_enterprise_level(session, ent, user)


# ---------------------------------------------------------------- assessments


def method_choices(
    session: Session, user: Principal, enterprise_id: int | None = None, on: date | None = None
) -> dict[str, Any]:
    """For each method: the rule sets that may be used, the one chosen by default, the value lists."""
    jurisdiction = None
    if enterprise_id is not None:
        jurisdiction = enterprises.get_readable(session, user, enterprise_id).region_code
    registry = get_registry()
    out: dict[str, Any] = {}
    for kind in ("lec", "ls", "mes"):
        try:
            default = point_method(kind, jurisdiction=jurisdiction, on=on).loaded.ref
        except RuleInputError:
            default = None  # e.g. MES: only by explicit choice
        sets = []
        for loaded in sorted(registry.of_kind(kind), key=lambda s: s.ref):
            info = get_rule_set(loaded.model.id, loaded.model.version, registry)
            sets.append(
                {
                    "rule_set": loaded.ref,
                    "title": info["title"],
                    "status": info["status"],
                    "verified": info["verified"],
                    "default": loaded.ref == default,
                    "choices": info["choices"],
                }
            )
        out[kind] = {"label": METHOD_LABELS[kind], "default": default, "rule_sets": sets}
    return out


def _accident_evidence(session: Session, point: RiskPoint) -> list[Accident]:
    """Accidents of the enterprise with deaths or serious injuries of one of the point's accident types."""
    if not point.accident_types:
        return []
    return list(
        session.scalars(
            select(Accident)
            .where(
                Accident.enterprise_id == point.enterprise_id,
                Accident.accident_type.in_(point.accident_types),
                (Accident.deaths > 0) | (Accident.serious_injuries > 0),
            )
            .order_by(Accident.occurred_on)
        )
    )


def point_unit(session: Session, point: RiskPoint) -> MajorHazardUnit | None:
    """The 辨识单元 the point belongs to, if any."""
    if point.major_hazard_unit_id is None:
        return None
    return session.get(MajorHazardUnit, point.major_hazard_unit_id)


def _major_source(session: Session, point: RiskPoint) -> MajorHazardUnit | None:
    """The point's unit when it is currently identified as a 重大危险源 (constituted and not retired)."""
    unit = point_unit(session, point)
    return unit if unit is not None and unit.is_major and unit.is_active else None


def unit_label(unit: MajorHazardUnit) -> str:
    """ "液氯储罐区（一级重大危险源）" or "…（不构成重大危险源）", "…（已停用）"."""
    if not unit.is_active:
        status = "已停用"
    elif unit.is_major and unit.grade:
        status = f"{GRADE_LABELS[unit.grade]}重大危险源"
    else:
        status = "不构成重大危险源"
    return f"{unit.name}（{status}）"


def _trace(steps: tuple[TraceStep, ...]) -> list[dict[str, Any]]:
    return [t.to_dict() for t in steps]


def assess(session: Session, user: Principal, point_id: int, data: AssessmentIn) -> RiskAssessment:
    """Evaluate a point through the rules engine and store the result as its new current assessment."""
    _may_assess(user)
    point = get_point(session, user, point_id)
    if user.role == "enterprise":
        _may_manage(user, point.enterprise_id)
    ent = session.get(Enterprise, point.enterprise_id)
    assert ent is not None
    on = data.assessed_on or local_today()
    if on > local_today():
        raise BadInput("评价日期不能晚于今天", field="assessed_on")
    inputs: dict[str, Any] = dict(data.inputs)
    evidence: list[Accident] = []
    source: MajorHazardUnit | None = None
    if data.direct is not None or point.accident_types or point.major_hazard_unit_id is not None:
        direct = data.direct.model_dump(exclude_none=True) if data.direct else {}
        if "accident_conditions_persist" not in direct:
            evidence = _accident_evidence(session, point)
            if evidence:
                direct["accident_conditions_persist"] = True
        # An explicit answer from the assessor (true or false) wins over the unit register.
        if "involves_major_hazard_source" not in direct:
            source = _major_source(session, point)
            if source is not None:
                direct["involves_major_hazard_source"] = True
        if direct:
            direct["exposed_people"] = point.exposed_people
            inputs["direct"] = direct
    if data.residual is not None:
        inputs["residual"] = dict(data.residual)
    decision = evaluate_point(
        data.method, inputs, rule_set=data.rule_set, jurisdiction=ent.region_code, on=on
    )
    trace = _trace(decision.trace)
    if source is not None:
        trace.insert(
            0,
            {
                "step": "重大危险源",
                "detail": f"风险点属于辨识单元“{source.name}”，该单元现为"
                f"{GRADE_LABELS.get(source.grade or 0, '')}重大危险源（{source.rule_set}）；"
                "按“涉及重大危险源”参与直接判定（评价人可明确填否）",
                "source": {"file": "major_hazard_units", "entry": str(source.id), "citation": ""},
            },
        )
    if evidence:
        listed = "；".join(
            f"{a.occurred_on.isoformat()} {a.accident_type}（死亡 {a.deaths}、重伤 {a.serious_injuries}）"
            for a in evidence
        )
        trace.insert(
            0,
            {
                "step": "事故记录",
                "detail": f"本企业发生过同类事故：{listed}；按“事故条件依然存在”参与直接判定"
                "（评价人可明确填否）",
                "source": {
                    "file": "accidents",
                    "entry": ",".join(str(a.id) for a in evidence),
                    "citation": "",
                },
            },
        )
    assert decision.level is not None
    residual = decision.residual
    session.execute(
        update(RiskAssessment)
        .where(RiskAssessment.risk_point_id == point.id, RiskAssessment.is_current.is_(True))
        .values(is_current=False)
    )
    row = RiskAssessment(
        risk_point_id=point.id,
        enterprise_id=point.enterprise_id,
        method=data.method,
        rule_set=decision.rule_set,
        inputs=inputs,
        score=decision.score,
        level=decision.level,
        is_major=bool(decision.is_major),
        is_direct=any(t["step"] == "直接判定" and "直接判定为重大风险" in t["detail"] for t in trace),
        residual_score=residual.score if residual else None,
        residual_level=residual.level if residual else None,
        trace=trace,
        residual_trace=_trace(residual.trace) if residual else None,
        assessor=data.assessor or user.display_name,
        assessed_on=on,
        is_current=True,
    )
    session.add(row)
    point.level = row.effective_level
    session.flush()
    _audit(
        session,
        user,
        "assess",
        "risk_point",
        point.id,
        point.enterprise_id,
        after={
            "assessment_id": row.id,
            "method": row.method,
            "level": row.level,
            "residual_level": row.residual_level,
        },
    )
    grading.recompute_enterprise_level(session, point.enterprise_id, user)
    return row


def current_assessment(session: Session, point_id: int) -> RiskAssessment | None:
    return session.scalar(
        select(RiskAssessment).where(
            RiskAssessment.risk_point_id == point_id, RiskAssessment.is_current.is_(True)
        )
    )


def current_assessments_under(session: Session, rule_set: str) -> list[dict[str, Any]]:
    """Current assessments made under a rule set, as {"id", "inputs"} for `rules diff --database`."""
    rows = session.execute(
        select(RiskAssessment.id, RiskAssessment.inputs)
        .where(RiskAssessment.rule_set == rule_set, RiskAssessment.is_current.is_(True))
        .order_by(RiskAssessment.id)
    )
    return [{"id": row_id, "inputs": inputs} for row_id, inputs in rows]


def assessments(session: Session, user: Principal, point_id: int) -> list[RiskAssessment]:
    """History, newest first."""
    get_point(session, user, point_id)
    return list(
        session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.risk_point_id == point_id)
            .order_by(RiskAssessment.id.desc())
        )
    )


# ---------------------------------------------------------------- control measures


def clean_measure_values(values: dict[str, Any], point_level: str | None) -> dict[str, Any]:
    out = dict(values)
    if out.get("kind") is not None:
        out["kind"] = keyed(out["kind"], MEASURE_KINDS, "kind", "措施类别")
    if "control_level" in out:
        if out["control_level"] is None:
            out["control_level"] = catalogues.default_control_level(point_level)
        else:
            out["control_level"] = keyed(out["control_level"], CONTROL_LEVELS, "control_level", "管控层级")
    if out.get("check_frequency") is not None:
        out["check_frequency"] = keyed(
            out["check_frequency"], CHECK_FREQUENCIES, "check_frequency", "排查频次"
        )
    if "responsible_person" in out and not (out["responsible_person"] or "").strip():
        raise BadInput("管控措施须指定责任人", field="responsible_person")
    return out


def add_measure(session: Session, user: Principal, point_id: int, data: MeasureIn) -> ControlMeasure:
    point = get_point(session, user, point_id)
    _may_manage(user, point.enterprise_id)
    measure = ControlMeasure(risk_point_id=point.id, **clean_measure_values(data.model_dump(), point.level))
    session.add(measure)
    session.flush()
    _audit(
        session,
        user,
        "create",
        "control_measure",
        measure.id,
        point.enterprise_id,
        after=audit.snapshot(measure, MEASURE_FIELDS),
    )
    return measure


def _get_measure(session: Session, user: Principal, measure_id: int) -> tuple[ControlMeasure, RiskPoint]:
    measure = session.get(ControlMeasure, measure_id)
    if measure is None:
        raise NotFound(f"管控措施 {measure_id} 不存在")
    try:
        point = get_point(session, user, measure.risk_point_id)
    except NotFound:
        raise NotFound(f"管控措施 {measure_id} 不存在") from None
    return measure, point


def update_measure(session: Session, user: Principal, measure_id: int, data: MeasureUpdate) -> ControlMeasure:
    measure, point = _get_measure(session, user, measure_id)
    _may_manage(user, point.enterprise_id)
    values = data.model_dump(exclude_unset=True)
    if "control_level" in values and values["control_level"] is None:
        values.pop("control_level")
    values = clean_measure_values(values, point.level)
    before = audit.snapshot(measure, MEASURE_FIELDS)
    for key, value in values.items():
        setattr(measure, key, value)
    session.flush()
    _audit(
        session,
        user,
        "update",
        "control_measure",
        measure.id,
        point.enterprise_id,
        before,
        audit.snapshot(measure, MEASURE_FIELDS),
    )
    return measure


# ---------------------------------------------------------------- 重大危险源


def _substances(items: list[SubstanceIn]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(items):
        fld = f"substances[{i}].quantity_t"
        if s.quantity_t is None:
            raise BadInput(f"第{i + 1}种物质缺少设计最大量（吨）", field=fld)
        if s.quantity_t < 0:
            raise BadInput(f"第{i + 1}种物质的设计最大量不能为负数（{s.quantity_t}）", field=fld)
        if not (s.name or s.cas or s.category):
            raise BadInput(f"第{i + 1}种物质须填写名称、CAS号或类别之一", field=f"substances[{i}].name")
        out.append(s.model_dump(exclude_none=True))
    return out


def _grade_unit(unit: MajorHazardUnit, jurisdiction: str | None) -> None:
    inputs = {"substances": unit.substances, "exposed_people": unit.exposed_people}
    try:
        decision = evaluate_gb18218(inputs, jurisdiction=jurisdiction)
    except RuleInputError as exc:
        # The engine names "inputs.substances[0]…"; the API field is "substances[0]…".
        raise BadInput(exc.detail, field=(exc.field or "").removeprefix("inputs.") or "substances") from None
    unit.is_major = bool(decision.is_major)
    unit.grade = decision.grade if decision.is_major else None
    unit.s = decision.s
    unit.r = decision.r
    unit.rule_set = decision.rule_set
    unit.trace = _trace(decision.trace)


def _unit_event(
    session: Session, unit: MajorHazardUnit, kind: str, user: Principal, old: tuple[bool, int | None] | None
) -> None:
    session.add(
        UnitEvent(
            unit_id=unit.id,
            kind=kind,
            from_major=old[0] if old else None,
            to_major=unit.is_major,
            from_grade=old[1] if old else None,
            to_grade=unit.grade,
            actor=user.username,
        )
    )


def get_unit(session: Session, user: Principal, unit_id: int) -> MajorHazardUnit:
    unit = session.scalar(
        readable(
            select(MajorHazardUnit).where(MajorHazardUnit.id == unit_id), user, MajorHazardUnit.enterprise_id
        )
    )
    if unit is None:
        raise NotFound(f"辨识单元 {unit_id} 不存在")
    return unit


def list_units(session: Session, user: Principal, enterprise_id: int) -> list[MajorHazardUnit]:
    enterprises.get_readable(session, user, enterprise_id)
    return list(
        session.scalars(
            select(MajorHazardUnit)
            .where(MajorHazardUnit.enterprise_id == enterprise_id)
            .order_by(MajorHazardUnit.id)
        )
    )


def create_unit(session: Session, user: Principal, enterprise_id: int, data: UnitIn) -> MajorHazardUnit:
    ent = enterprises.get_readable(session, user, enterprise_id)
    _may_manage(user, enterprise_id)
    unit = MajorHazardUnit(
        enterprise_id=enterprise_id,
        name=data.name,
        unit_type=keyed(data.unit_type, UNIT_TYPES, "unit_type", "单元类型"),
        substances=_substances(data.substances),
        exposed_people=data.exposed_people,
    )
    _grade_unit(unit, ent.region_code)
    session.add(unit)
    session.flush()
    _unit_event(session, unit, "identified", user, None)
    _audit(
        session,
        user,
        "create",
        "major_hazard_unit",
        unit.id,
        enterprise_id,
        after=audit.snapshot(unit, UNIT_FIELDS),
    )
    grading.recompute_enterprise_level(session, enterprise_id, user)
    return unit


def update_unit(session: Session, user: Principal, unit_id: int, data: UnitUpdate) -> MajorHazardUnit:
    unit = get_unit(session, user, unit_id)
    _may_manage(user, unit.enterprise_id)
    ent = session.get(Enterprise, unit.enterprise_id)
    assert ent is not None
    before = audit.snapshot(unit, UNIT_FIELDS)
    old = (unit.is_major, unit.grade)
    _check_version(data.version, unit.version, "辨识单元")
    if data.name is not None:
        unit.name = data.name
    if data.unit_type is not None:
        unit.unit_type = keyed(data.unit_type, UNIT_TYPES, "unit_type", "单元类型")
    if data.substances is not None:
        unit.substances = _substances(data.substances)
    if data.exposed_people is not None:
        unit.exposed_people = data.exposed_people
    _grade_unit(unit, ent.region_code)
    was_active = unit.is_active
    if data.is_active is not None:
        unit.is_active = data.is_active
    session.flush()
    if was_active and not unit.is_active:
        _unit_event(session, unit, "retired", user, old)
    elif old[0] != unit.is_major:
        _unit_event(session, unit, "status_changed", user, old)
    elif old[1] != unit.grade:
        _unit_event(session, unit, "grade_changed", user, old)
    _audit(
        session,
        user,
        "update",
        "major_hazard_unit",
        unit.id,
        unit.enterprise_id,
        before,
        audit.snapshot(unit, UNIT_FIELDS),
    )
    grading.recompute_enterprise_level(session, unit.enterprise_id, user)
    return unit


def unit_events(session: Session, user: Principal, unit_id: int) -> list[UnitEvent]:
    get_unit(session, user, unit_id)
    return list(session.scalars(select(UnitEvent).where(UnitEvent.unit_id == unit_id).order_by(UnitEvent.id)))


# ---------------------------------------------------------------- accidents


def record_accident(session: Session, user: Principal, enterprise_id: int, data: AccidentIn) -> Accident:
    enterprises.get_readable(session, user, enterprise_id)
    if user.role not in ("enterprise", "inspector", "admin"):
        raise Forbidden("当前角色无权登记事故")
    if data.occurred_on > local_today():
        raise BadInput("事故日期不能晚于今天", field="occurred_on")
    accident_type = catalogues.check_accident_types([data.accident_type], "accident_type")[0]
    acc = Accident(enterprise_id=enterprise_id, **{**data.model_dump(), "accident_type": accident_type})
    session.add(acc)
    session.flush()
    _audit(
        session, user, "create", "accident", acc.id, enterprise_id, after=audit.snapshot(acc, ACCIDENT_FIELDS)
    )
    grading.recompute_enterprise_level(session, enterprise_id, user)
    return acc


def list_accidents(session: Session, user: Principal, enterprise_id: int) -> list[Accident]:
    enterprises.get_readable(session, user, enterprise_id)
    return list(
        session.scalars(
            select(Accident)
            .where(Accident.enterprise_id == enterprise_id)
            .order_by(Accident.occurred_on.desc())
        )
    )
