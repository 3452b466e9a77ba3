"""Bulk import of 风险清单 (.xlsx in the export layout): points, their assessments and measures.

Every row is checked first (controlled lists, published values through the rules engine); nothing is
written unless all rows are good (or valid_rows_only). A point whose name already exists in the
enterprise is updated: a changed assessment adds a history row, changed measures replace the old ones.
"""

import re
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import AppError, BadInput, Forbidden
from app.grading import enterprise as grading
from app.regions.models import Region
from app.risks import catalogues
from app.risks.models import (
    CHECK_FREQUENCIES,
    CONTROL_LEVELS,
    MEASURE_KINDS,
    ControlMeasure,
    MajorHazardUnit,
    RiskAssessment,
    RiskPoint,
)
from app.risks.register import BY_HEADER, COLUMNS, FACTOR_KEYS
from app.risks.service import POINT_FIELDS, clean_point_values, keyed
from app.rules_engine import RuleInputError, evaluate_point
from app.spreadsheets import ImportReport, cell_text, check_header, column_letter, read_rows
from app.timeutil import local_today

_METHODS = {"LEC": "lec", "LS": "ls", "MES": "mes"}
_SPLIT = re.compile(r"[\n；;]+")
_LIST_SPLIT = re.compile(r"[、，,；;\n]+")
DEFAULT_FREQUENCY = "monthly"


def _header_map(header: tuple[Any, ...]) -> list[str | None]:
    """Column index → field (None for computed columns such as 分值, which are recalculated)."""
    names = check_header(header, [c.header for c in COLUMNS], [c.header for c in COLUMNS if c.required])
    return [None if BY_HEADER[n].computed else BY_HEADER[n].field for n in names]


def _number(value: Any) -> int | float | None:
    text = cell_text(value)
    if not text:
        return None
    number = float(text)
    return int(number) if number.is_integer() else number


UNIT_HEADER = "所属重大危险源"
Units = dict[str, list[MajorHazardUnit]]  # the enterprise's 辨识单元 by name


class _Row:
    def __init__(
        self,
        row_no: int,
        cells: dict[str, Any],
        report: ImportReport,
        jurisdiction: str | None,
        units: Units | None,
    ):
        self.row_no = row_no
        self.report = report
        self.ok = True
        self.point: dict[str, Any] = {}
        self.assessment: dict[str, Any] | None = None
        self.measures: list[dict[str, Any]] = []
        self._parse(cells, jurisdiction)
        if units is not None:  # a file without the column leaves the points' links as they are
            self.point["major_hazard_unit_id"] = self._unit(cell_text(cells.get("major_hazard_unit")), units)

    def bad(self, header: str, message: str) -> None:
        self.ok = False
        self.report.add_error(self.row_no, header, message)

    def _parse(self, cells: dict[str, Any], jurisdiction: str | None) -> None:
        raw: dict[str, Any] = {
            "name": cell_text(cells.get("name")),
            "point_type": cell_text(cells.get("point_type")),
            "location": cell_text(cells.get("location")) or None,
            "department": cell_text(cells.get("department")) or None,
            "post": cell_text(cells.get("post")) or None,
            "responsible_person": cell_text(cells.get("responsible_person")),
        }
        for fld, header, limit in (("name", "风险点", 200), ("responsible_person", "责任人", 50)):
            if not raw[fld]:
                self.bad(header, "必填")
            elif len(raw[fld]) > limit:
                self.bad(header, f"过长，最多 {limit} 个字符")
        for fld, header, limit in (
            ("location", "位置", 300),
            ("department", "部门", 100),
            ("post", "岗位", 100),
        ):
            if raw[fld] and len(raw[fld]) > limit:
                self.bad(header, f"过长，最多 {limit} 个字符")
        # "2103 电危害" as exported, or just the code or the name.
        raw["hazard_factors"] = [
            v.split(" ")[0] for v in _LIST_SPLIT.split(cell_text(cells.get("hazard_factors"))) if v
        ]
        raw["accident_types"] = [v for v in _LIST_SPLIT.split(cell_text(cells.get("accident_types"))) if v]
        people = cell_text(cells.get("exposed_people")) or "0"
        try:
            raw["exposed_people"] = int(float(people))
            if raw["exposed_people"] < 0 or float(people) != raw["exposed_people"]:
                raise ValueError
        except (ValueError, OverflowError):  # OverflowError: "inf"
            self.bad("接触人数", f"应为非负整数，实际为 {people!r}")
        headers = {"point_type": "类型", "hazard_factors": "危险有害因素", "accident_types": "事故类型"}
        for fld, header in headers.items():
            try:
                raw.update({fld: clean_point_values({fld: raw[fld]})[fld]} if raw[fld] else {})
            except AppError as exc:
                self.bad(header, exc.detail)
        if not raw["point_type"]:
            self.bad("类型", "必填")
        self.point = raw
        level = self._assess(cells, jurisdiction, raw.get("exposed_people", 0))
        self._measures(cells, level, raw["responsible_person"])

    def _unit(self, name: str, units: Units) -> int | None:
        if not name:
            return None
        matches = units.get(name, [])
        active = [u for u in matches if u.is_active]
        chosen = active if len(active) == 1 else matches
        if len(chosen) == 1:
            return chosen[0].id
        if matches:
            self.bad(UNIT_HEADER, f"本企业有多个名为 {name!r} 的辨识单元，请先改名区分")
        else:
            self.bad(UNIT_HEADER, f"本企业没有名为 {name!r} 的重大危险源辨识单元，请先登记该单元")
        return None

    def _assess(self, cells: dict[str, Any], jurisdiction: str | None, people: int) -> str | None:
        method_text = cell_text(cells.get("method")).upper()
        values: dict[str, float] = {}
        for key in FACTOR_KEYS:
            try:
                number = _number(cells.get(key))
            except ValueError:
                self.bad(key, f"应为数字，实际为 {cell_text(cells.get(key))!r}")
                continue
            if number is not None:
                values[key] = number
        if not method_text:
            if values:
                self.bad("评价方法", "填写了评价取值，但未填写评价方法（LEC、LS 或 MES）")
            return None
        method = _METHODS.get(method_text.removesuffix("法"))
        if method is None:
            self.bad("评价方法", f"{method_text!r} 无效，可选：LEC、LS、MES")
            return None
        try:
            decision = evaluate_point(method, values, jurisdiction=jurisdiction)
        except RuleInputError as exc:
            column = (exc.field or "").removeprefix("inputs.").split(".")[0]
            self.bad(column if column in FACTOR_KEYS else "评价方法", exc.detail)
            return None
        self.assessment = {
            "method": method,
            "rule_set": decision.rule_set,
            "inputs": values,
            "score": decision.score,
            "level": decision.level,
            "is_major": bool(decision.is_major),
            "trace": [t.to_dict() for t in decision.trace],
        }
        return decision.level

    def _measures(self, cells: dict[str, Any], level: str | None, person: str) -> None:
        level_text = cell_text(cells.get("control_level"))
        freq_text = cell_text(cells.get("check_frequency"))
        try:
            control = (
                keyed(_LIST_SPLIT.split(level_text)[0], CONTROL_LEVELS, "control_level", "管控层级")
                if level_text
                else catalogues.default_control_level(level)
            )
        except AppError as exc:
            self.bad("管控层级", exc.detail)
            return
        try:
            freq = (
                keyed(_LIST_SPLIT.split(freq_text)[0], CHECK_FREQUENCIES, "check_frequency", "排查频次")
                if freq_text
                else DEFAULT_FREQUENCY
            )
        except AppError as exc:
            self.bad("排查频次", exc.detail)
            return
        for kind, label in MEASURE_KINDS.items():
            for text in _SPLIT.split(cell_text(cells.get(f"measures.{kind}"))):
                text = text.strip()
                if not text:
                    continue
                if len(text) > 2000:
                    self.bad(f"{label}措施", "单条措施过长，最多 2000 个字符")
                self.measures.append(
                    {
                        "kind": kind,
                        "description": text,
                        "control_level": control,
                        "responsible_person": person,
                        "check_frequency": freq,
                    }
                )


_MEASURE_KEY = ("kind", "description", "control_level", "responsible_person", "check_frequency")


def _write(
    session: Session, actor: Principal, enterprise_id: int, rows: list[_Row], report: ImportReport
) -> None:
    existing = {
        p.name: p
        for p in session.scalars(
            select(RiskPoint)
            .where(RiskPoint.enterprise_id == enterprise_id)
            .options(selectinload(RiskPoint.measures))
        )
    }
    current = {
        a.risk_point_id: a
        for a in session.scalars(
            select(RiskAssessment).where(
                RiskAssessment.enterprise_id == enterprise_id, RiskAssessment.is_current.is_(True)
            )
        )
    }
    region_path = session.scalar(
        select(Region.path)
        .join(Enterprise, Enterprise.region_code == Region.code)
        .where(Enterprise.id == enterprise_id)
    )
    today = local_today()
    audits: list[dict[str, Any]] = []
    pending: list[tuple[RiskPoint, _Row, str]] = []
    for row in rows:
        point = existing.get(row.point["name"])
        if point is None:
            point = RiskPoint(enterprise_id=enterprise_id, **row.point)
            session.add(point)
            pending.append((point, row, "create"))
            report.created += 1
            continue
        before = audit.snapshot(point, POINT_FIELDS)
        for key, value in row.point.items():
            if getattr(point, key) != value:
                setattr(point, key, value)
        old = current.get(point.id)
        same_assessment = (old is None and row.assessment is None) or (
            old is not None
            and row.assessment is not None
            and (old.method, old.inputs) == (row.assessment["method"], row.assessment["inputs"])
        )
        active = [m for m in point.measures if m.is_active]
        same_measures = sorted(tuple(getattr(m, k) for k in _MEASURE_KEY) for m in active) == sorted(
            tuple(m[k] for k in _MEASURE_KEY) for m in row.measures
        )
        if audit.snapshot(point, POINT_FIELDS) == before and same_assessment and same_measures:
            report.unchanged += 1
            continue
        if not same_measures:
            for m in active:
                m.is_active = False
        if not same_assessment and old is not None:
            old.is_current = False
        pending.append((point, row, "update"))
        row.measures = [] if same_measures else row.measures
        row.assessment = None if same_assessment else row.assessment
        report.updated += 1
    session.flush()
    for point, row, action in pending:
        for values in row.measures:
            session.add(ControlMeasure(risk_point_id=point.id, **values))
        if row.assessment is not None:
            a = RiskAssessment(
                risk_point_id=point.id,
                enterprise_id=enterprise_id,
                assessor=actor.display_name,
                assessed_on=today,
                is_current=True,
                **row.assessment,
            )
            session.add(a)
            point.level = a.level
        audits.append(
            {
                "actor_id": actor.id or None,
                "actor_name": actor.username,
                "action": action,
                "entity": "risk_point",
                "entity_id": str(point.id),
                "enterprise_id": enterprise_id,
                "region_path": region_path,
                "before": None,
                "after": audit.snapshot(point, POINT_FIELDS),
                "note": "风险清单批量导入",
            }
        )
    session.flush()
    audit.record_many(session, audits)
    grading.recompute_enterprise_level(session, enterprise_id, actor)


def import_stream(
    session: Session,
    actor: Principal,
    enterprise_id: int,
    stream: IO[bytes],
    filename: str,
    *,
    valid_rows_only: bool = False,
) -> ImportReport:
    ent = enterprises.get_readable(session, actor, enterprise_id)
    if not (actor.is_admin or (actor.role == "enterprise" and actor.enterprise_id == enterprise_id)):
        raise Forbidden("只有本企业用户或管理员可以导入风险清单")
    if Path(filename).suffix.lower() != ".xlsx":
        raise BadInput("风险清单请上传 .xlsx 文件", field="file")
    rows_iter, _ = read_rows(stream, filename)
    header = next(rows_iter, None)
    if header is None:
        raise BadInput("文件为空", field="file")
    fields = _header_map(header)
    units: Units | None = None
    if "major_hazard_unit" in fields:
        units = {}
        for unit in session.scalars(
            select(MajorHazardUnit).where(MajorHazardUnit.enterprise_id == enterprise_id)
        ):
            units.setdefault(unit.name, []).append(unit)
    report = ImportReport()
    good: list[_Row] = []
    seen: dict[str, int] = {}
    for row_no, values in enumerate(rows_iter, start=2):
        if values is None or all(cell_text(v) == "" for v in values):
            continue
        report.rows += 1
        if any(cell_text(v) for v in values[len(fields) :]):
            report.add_error(row_no, column_letter(len(fields)), "表头之外的列有数据")
            continue
        cells = {f: v for f, v in zip(fields, values, strict=False) if f is not None}
        row = _Row(row_no, cells, report, ent.region_code, units)
        name = row.point.get("name")
        if name and name in seen:
            row.bad("风险点", f"与第{seen[name]}行重名")
        elif name:
            seen[name] = row_no
        if row.ok:
            good.append(row)
    if report.error_count and not valid_rows_only:
        report.written = False
        return report
    _write(session, actor, enterprise_id, good, report)
    return report


def import_file(
    session: Session, actor: Principal, enterprise_id: int, path: Path, *, valid_rows_only: bool = False
) -> ImportReport:
    with path.open("rb") as fh:
        return import_stream(session, actor, enterprise_id, fh, path.name, valid_rows_only=valid_rows_only)
