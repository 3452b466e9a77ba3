"""Printable pages: 岗位风险告知卡 (A4) and 安全风险公告栏. Self-contained HTML, no external assets."""

from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.grading.models import LEVEL_COLOURS, LEVEL_LABELS
from app.risks import register
from app.risks.models import (
    CONTROL_LEVELS,
    MEASURE_KINDS,
    POINT_TYPES,
    RiskAssessment,
    RiskPoint,
)
from app.risks.service import METHOD_LABELS, current_assessment, point_unit, unit_label
from app.rules_engine import explain

# The web templates too, for the shared phone layout of tables (_table_cards.css).
_env = Environment(
    loader=FileSystemLoader(
        [Path(__file__).parent / "templates", Path(__file__).parent.parent / "web" / "templates"]
    ),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)
NO_LEVEL_COLOUR = "#888888"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


def notice_card(session: Session, point: RiskPoint, point_url: str) -> str:
    enterprise = session.get(Enterprise, point.enterprise_id)
    assert enterprise is not None
    assessment = current_assessment(session, point.id)
    level = point.level
    measures = [
        (
            label,
            [
                {
                    "description": m.description,
                    "level": CONTROL_LEVELS[m.control_level],
                    "person": m.responsible_person,
                }
                for m in point.measures
                if m.is_active and m.kind == kind
            ],
        )
        for kind, label in MEASURE_KINDS.items()
    ]
    return _env.get_template("card.html").render(
        point=point,
        enterprise=enterprise,
        point_type=POINT_TYPES[point.point_type],
        level=level,
        level_label=LEVEL_LABELS[level] if level else "未评价",
        colour=LEVEL_COLOURS[level] if level else NO_LEVEL_COLOUR,
        factors=register.factor_text(point.hazard_factors),
        measures=measures,
        phone=point.emergency_phone or enterprise.contact_phone or "119",
        assessed_on=assessment.assessed_on.isoformat() if assessment else None,
        method=METHOD_LABELS[assessment.method] if assessment else None,
        qr=qr_svg(point_url),
    )


def board_page(session: Session, enterprise: Enterprise, level: str | None) -> str:
    return _env.get_template("board.html").render(
        enterprise=enterprise,
        board=register.board(session, enterprise.id),
        level=level,
        level_label=LEVEL_LABELS.get(level or "", ""),
        colours=LEVEL_COLOURS,
        labels=LEVEL_LABELS,
    )


def point_page(
    session: Session, point: RiskPoint, history: list[RiskAssessment], show_basis: bool = False
) -> str:
    """The point's assessments; the current one explained in sentences. show_basis (regulators): also
    the rule set id@version and the technical trace."""
    enterprise = session.get(Enterprise, point.enterprise_id)
    unit = point_unit(session, point)
    latest = history[0] if history else None
    current = (
        {
            "rule_set_name": explain.rule_set_name(latest.rule_set),
            "reasons": explain.sentences(latest.trace),
            "basis": {"rule_set": latest.rule_set, "steps": explain.basis(latest.trace)}
            if show_basis
            else None,
        }
        if latest is not None
        else None
    )
    return _env.get_template("point.html").render(
        point=point,
        enterprise=enterprise,
        unit=unit_label(unit) if unit else None,
        history=history,
        current=current,
        show_basis=show_basis,
        method_labels=METHOD_LABELS,
        labels=LEVEL_LABELS,
        level_label=LEVEL_LABELS[point.level] if point.level else "未评价",
        colour=LEVEL_COLOURS[point.level] if point.level else NO_LEVEL_COLOUR,
    )
