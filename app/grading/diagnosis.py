"""危化企业安全风险评估诊断分级 (应急〔2018〕19号) as recorded assessments.

An inspector, an admin or the enterprise itself records an assessment (the scored items of the table,
the direct-red situations, the date); the rules engine grades it, and the row keeps the score, level,
rule set and trace. The enterprise's overall level (app/grading/enterprise.py) then follows the scheme
while the newest assessment is current (younger than the scheme's reassessment period, 3 years).
"""

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.errors import BadInput, Forbidden
from app.fields import Input
from app.grading import enterprise as grading
from app.grading.models import HcDiagnosis
from app.rules_engine import RuleInputError, evaluate_hc_diagnosis, reassessment_due
from app.rules_engine.diagnosis import diagnosis_rule_set
from app.timeutil import local_today


class ScoredItem(Input):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    code: str = Field(min_length=1, max_length=20)
    count: int = Field(default=1, ge=1, le=1000)


class DiagnosisIn(Input):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    assessed_on: date
    items: list[ScoredItem] = Field(default_factory=list, max_length=200)
    direct_red: list[str] = Field(default_factory=list, max_length=10)
    assessor: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


def diagnosis_out(row: HcDiagnosis, as_of: date | None = None) -> dict[str, Any]:
    model = diagnosis_rule_set(rule_set=row.rule_set).model
    due = reassessment_due(row.assessed_on, model)
    return {
        "id": row.id,
        "enterprise_id": row.enterprise_id,
        "assessed_on": row.assessed_on.isoformat(),
        "items": row.items,
        "direct_red": row.direct_red,
        "score": row.score,
        "level": row.level,
        "rule_set": row.rule_set,
        "trace": row.trace,
        "assessor": row.assessor,
        "note": row.note,
        "reassess_by": due.isoformat(),
        "needs_reassessment": (as_of or local_today()) >= due,
        "created_at": row.created_at.isoformat(),
    }


def record(session: Session, user: Principal, enterprise_id: int, body: DiagnosisIn) -> HcDiagnosis:
    """Grade and store one assessment; the enterprise is re-graded in the same transaction."""
    ent = enterprises.get_readable(session, user, enterprise_id)
    if not (user.is_admin or user.role == "inspector" or user.enterprise_id == enterprise_id):
        raise Forbidden("只有监管人员、管理员或本企业用户可以录入诊断分级")
    today = local_today()
    if body.assessed_on > today:
        raise BadInput(f"评估日期 {body.assessed_on.isoformat()} 晚于今天", field="assessed_on")
    try:
        loaded = diagnosis_rule_set(on=body.assessed_on)
    except RuleInputError as exc:
        raise BadInput(exc.detail.removeprefix("date: "), field="assessed_on") from None
    if ent.industry not in loaded.model.industries:
        raise BadInput(
            f"{loaded.model.title}只适用于危险化学品企业；本企业行业为 {ent.industry}", field="enterprise_id"
        )
    inputs = {"items": [i.model_dump() for i in body.items], "direct_red": body.direct_red}
    try:
        decision = evaluate_hc_diagnosis(inputs, rule_set=loaded.ref)
    except RuleInputError as exc:
        fld = (exc.field or "").removeprefix("inputs.")
        raise BadInput(exc.detail.removeprefix(f"{exc.field}: "), field=fld or None) from None
    assert decision.level is not None and decision.score is not None
    row = HcDiagnosis(
        enterprise_id=enterprise_id,
        assessed_on=body.assessed_on,
        items=inputs["items"],
        direct_red=list(dict.fromkeys(body.direct_red)),
        score=float(decision.score),
        level=decision.level,
        rule_set=decision.rule_set,
        trace=[t.to_dict() for t in decision.trace],
        assessor=body.assessor,
        note=body.note,
        recorded_by=user.id or None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "hc_diagnosis",
        row.id,
        after={"assessed_on": row.assessed_on.isoformat(), "score": row.score, "level": row.level},
        enterprise_id=enterprise_id,
        region_path=grading.region_path(session, enterprise_id),
    )
    grading.recompute_enterprise_level(session, enterprise_id, user)
    return row


def history(session: Session, user: Principal, enterprise_id: int) -> list[HcDiagnosis]:
    """Newest assessment first (by date, then by entry)."""
    enterprises.get_readable(session, user, enterprise_id)
    return list(
        session.scalars(
            select(HcDiagnosis)
            .where(HcDiagnosis.enterprise_id == enterprise_id)
            .order_by(HcDiagnosis.assessed_on.desc(), HcDiagnosis.id.desc())
        )
    )
