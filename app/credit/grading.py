"""诚信等级 (a project-default policy, rules/credit/credit-grade.yaml): A/B/C/D from this department's
严重失信主体名单, other departments' imported lists and expired licences; the 双随机 draw uses the grade's
stratum when the policy says so (use_in_draw), with the policy's id@version in the plan's parameters."""

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.credit import service
from app.credit.models import EnterpriseLicence, EnterpriseProfile, ExternalListing
from app.enterprises.models import Enterprise
from app.rules_engine import get_registry


def policy(on: date, jurisdiction: str | None = None) -> Any:
    return get_registry().select("credit_grade", jurisdiction=jurisdiction, on=on).model


def grades(session: Session, enterprise_ids: list[int], on: date) -> tuple[Any, dict[int, dict[str, Any]]]:
    """(policy, {enterprise id: {grade, label, because, draw_level, citation}}) for the given enterprises."""
    pol = policy(on)
    ids = list(enterprise_ids)
    facts: dict[str, set[int]] = {
        "listed": service.listed_enterprise_ids(session, ids),
        "external_listed": set(
            session.scalars(
                select(Enterprise.id)
                .join(ExternalListing, ExternalListing.credit_code == Enterprise.credit_code)
                .where(
                    Enterprise.id.in_(ids),
                    ExternalListing.listed_on <= on,
                    or_(ExternalListing.until.is_(None), ExternalListing.until > on),
                )
            )
        ),
        "expired_licence": set(
            session.scalars(
                select(EnterpriseLicence.enterprise_id).where(
                    EnterpriseLicence.enterprise_id.in_(ids), EnterpriseLicence.valid_until < on
                )
            )
        )
        | set(
            session.scalars(
                select(EnterpriseProfile.enterprise_id).where(
                    EnterpriseProfile.enterprise_id.in_(ids),
                    or_(
                        EnterpriseProfile.standardization_valid_until < on,
                        EnterpriseProfile.insurance_valid_until < on,
                    ),
                )
            )
        ),
    }
    out: dict[int, dict[str, Any]] = {}
    for eid in ids:
        g = next(g for g in pol.grades if g.when == "none" or eid in facts[g.when])
        out[eid] = {
            "grade": g.grade,
            "label": g.label,
            "because": g.when,
            "draw_level": g.draw_level,
            "citation": g.citation.render(),
            "project_default": g.project_default,
        }
    return pol, out


def draw_levels(session: Session, enterprise_ids: list[int], on: date) -> tuple[str | None, dict[int, str]]:
    """(policy ref or None, {enterprise id: the stratum it is drawn in at least}) — empty when the policy
    does not use the grade in the draw."""
    pol, found = grades(session, enterprise_ids, on)
    if not pol.use_in_draw:
        return None, {}
    return pol.ref, {eid: g["draw_level"] for eid, g in found.items() if g["draw_level"]}
