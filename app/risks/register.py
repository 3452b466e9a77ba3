"""风险清单 layout (the .xlsx enterprises file), its export, and the 公告栏 summary."""

import io
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Alignment, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.grading.models import LEVEL_COLOURS, LEVEL_LABELS
from app.risks import catalogues
from app.risks.models import (
    CHECK_FREQUENCIES,
    CONTROL_LEVELS,
    MEASURE_KINDS,
    POINT_TYPES,
    MajorHazardUnit,
    RiskAssessment,
    RiskPoint,
)
from app.spreadsheets import ExportColumn, export_workbook

FACTOR_KEYS = ("L", "E", "C", "S", "M")
LEVEL_ORDER = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    width: int = 12
    required: bool = False
    computed: bool = False  # written by the export, recomputed (ignored) on import


COLUMNS = [
    Column("风险点", "name", 24, required=True),
    Column("类型", "point_type", 10, required=True),
    Column("位置", "location", 18),
    Column("部门", "department", 12),
    Column("岗位", "post", 12),
    Column("危险有害因素", "hazard_factors", 28),
    Column("事故类型", "accident_types", 20),
    Column("接触人数", "exposed_people", 8),
    Column("所属重大危险源", "major_hazard_unit", 18),  # 辨识单元名称; optional on import
    Column("评价方法", "method", 10),
    *(Column(k, k, 6) for k in FACTOR_KEYS),
    Column("分值", "score", 8, computed=True),
    Column("等级", "level", 10, computed=True),
    *(Column(f"{label}措施", f"measures.{kind}", 30) for kind, label in MEASURE_KINDS.items()),
    Column("管控层级", "control_level", 10),
    Column("责任人", "responsible_person", 10, required=True),
    Column("排查频次", "check_frequency", 8),
    Column("残余风险等级", "residual_level", 12, computed=True),
]
BY_HEADER = {c.header: c for c in COLUMNS}
METHOD_NAMES = {"lec": "LEC", "ls": "LS", "mes": "MES"}
SEPARATOR = "\n"


def factor_text(codes: list[str]) -> str:
    table = catalogues.hazard_factors().by_code()
    return "、".join(f"{c} {table.get(c, '')}".strip() for c in codes)


def point_rows(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    """One dict per risk point in the register's columns (values as shown in the file)."""
    points = list(
        session.scalars(
            select(RiskPoint)
            .where(RiskPoint.enterprise_id == enterprise_id)
            .options(selectinload(RiskPoint.measures))
            .order_by(RiskPoint.id)
        )
    )
    current = {
        a.risk_point_id: a
        for a in session.scalars(
            select(RiskAssessment).where(
                RiskAssessment.enterprise_id == enterprise_id, RiskAssessment.is_current.is_(True)
            )
        )
    }
    unit_names = dict(
        session.execute(
            select(MajorHazardUnit.id, MajorHazardUnit.name).where(
                MajorHazardUnit.enterprise_id == enterprise_id
            )
        ).all()
    )
    rows = []
    for p in points:
        a: RiskAssessment | None = current.get(p.id)
        measures = [m for m in p.measures if m.is_active]
        row: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "point_type": POINT_TYPES[p.point_type],
            "location": p.location or "",
            "department": p.department or "",
            "post": p.post or "",
            "hazard_factors": factor_text(p.hazard_factors),
            "accident_types": "、".join(p.accident_types),
            "exposed_people": p.exposed_people,
            "major_hazard_unit": unit_names.get(p.major_hazard_unit_id or 0, ""),
            "unit_id": p.major_hazard_unit_id,
            "method": METHOD_NAMES[a.method] if a else "",
            "score": a.score if a else None,
            "level": LEVEL_LABELS[a.level] if a else "",
            "level_key": a.level if a else None,
            "residual_level": LEVEL_LABELS[a.residual_level] if a and a.residual_level else "",
            "control_level": "、".join(dict.fromkeys(CONTROL_LEVELS[m.control_level] for m in measures)),
            "responsible_person": p.responsible_person,
            "check_frequency": "、".join(
                dict.fromkeys(CHECK_FREQUENCIES[m.check_frequency] for m in measures)
            ),
        }
        for key in FACTOR_KEYS:
            row[key] = a.inputs.get(key) if a else None
        for kind in MEASURE_KINDS:
            row[f"measures.{kind}"] = SEPARATOR.join(m.description for m in measures if m.kind == kind)
        rows.append(row)
    return rows


def export_xlsx(session: Session, enterprise_id: int, enterprise_name: str) -> bytes:
    out = io.BytesIO()
    # An ordinary (not write-only) workbook: small, and the cells are styled after they are written.
    with export_workbook(out, write_only=False) as book:
        book.workbook.properties.title = f"{enterprise_name} 风险清单"
        sheet = book.sheet(
            "风险清单", [ExportColumn(c.header, c.width) for c in COLUMNS], freeze_columns=1
        )  # the header row and the 风险点 column stay in view
        ws = sheet.ws
        level_col = [c.field for c in COLUMNS].index("level") + 1
        for row in point_rows(session, enterprise_id):
            sheet.append([row[c.field] for c in COLUMNS])
            if row["level_key"]:
                colour = LEVEL_COLOURS[row["level_key"]].lstrip("#").upper()
                ws.cell(row=ws.max_row, column=level_col).fill = PatternFill("solid", fgColor=colour)
        for r in ws.iter_rows(min_row=2):
            for cell in r:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return out.getvalue()


def board(session: Session, enterprise_id: int) -> dict[str, Any]:
    """安全风险公告栏: counts by level, the red and orange points, the 重大危险源."""
    rows = point_rows(session, enterprise_id)
    # The board shows the level that counts now (residual where assessed): RiskPoint.level.
    levels = dict(
        session.execute(
            select(RiskPoint.id, RiskPoint.level).where(RiskPoint.enterprise_id == enterprise_id)
        ).all()
    )
    counts = {lvl: 0 for lvl in LEVEL_ORDER}
    for lvl in levels.values():
        if lvl:
            counts[lvl] += 1
    major = [
        {
            "id": r["id"],
            "name": r["name"],
            "level": levels[r["id"]],
            "level_label": LEVEL_LABELS[levels[r["id"]] or ""],
            "location": r["location"],
            "accident_types": r["accident_types"],
            "responsible_person": r["responsible_person"],
            "control_level": r["control_level"],
        }
        for r in sorted(rows, key=lambda r: (LEVEL_ORDER.get(levels[r["id"]] or "", 9), r["id"]))
        if levels[r["id"]] in ("red", "orange")
    ]
    units = [
        {
            "id": u.id,
            "name": u.name,
            "grade": u.grade,
            "points": [r["name"] for r in rows if r["unit_id"] == u.id],
        }
        for u in session.scalars(
            select(MajorHazardUnit).where(
                MajorHazardUnit.enterprise_id == enterprise_id,
                MajorHazardUnit.is_major.is_(True),
                MajorHazardUnit.is_active.is_(True),
            )
        )
    ]
    return {
        "counts": counts,
        "count_labels": {LEVEL_LABELS[k]: v for k, v in counts.items()},
        "total": len(rows),
        "red_orange_points": major,
        "major_hazard_sources": units,
    }
