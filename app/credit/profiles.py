"""Enterprise profile for 分类分级监管: 标准化 grade, 安责险, tags, licences and certificates with expiry.

Kept in its own tables keyed by enterprise_id (the enterprise register is not touched). The enterprise
edits its own profile; the regulator reads it within the one scoping rule.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.credit.models import GRADES, TAGS, EnterpriseLicence, EnterpriseProfile
from app.credit.schemas import LicenceIn, ProfileIn
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden

FIELDS = [
    "standardization_grade",
    "standardization_valid_until",
    "insurer",
    "insurance_policy_no",
    "insurance_valid_until",
    "tags",
]


def _may_edit(user: Principal, ent: Enterprise) -> None:
    if user.is_admin or user.enterprise_id == ent.id or user.role == "inspector":
        return
    raise Forbidden("当前角色不能修改企业档案")


def get(session: Session, user: Principal, enterprise_id: int) -> dict[str, Any]:
    ent = enterprises.get_readable(session, user, enterprise_id)
    profile = session.get(EnterpriseProfile, ent.id)
    licences = session.scalars(
        select(EnterpriseLicence)
        .where(EnterpriseLicence.enterprise_id == ent.id)
        .order_by(EnterpriseLicence.valid_until, EnterpriseLicence.id)
    )
    out: dict[str, Any] = {"enterprise_id": ent.id, "version": None, **{f: None for f in FIELDS}, "tags": []}
    if profile is not None:
        out.update(audit.snapshot(profile, FIELDS))
        out["version"] = profile.version
    out["standardization_grade_label"] = GRADES.get(out["standardization_grade"] or "")
    out["tag_labels"] = [TAGS[x] for x in out["tags"] if x in TAGS]
    out["licences"] = [
        {
            "id": x.id,
            "kind": x.kind,
            "number": x.number,
            "scope": x.scope,
            "valid_until": x.valid_until.isoformat(),
        }
        for x in licences
    ]
    return out


def put(session: Session, user: Principal, enterprise_id: int, body: ProfileIn) -> dict[str, Any]:
    ent = enterprises.get_readable(session, user, enterprise_id)
    _may_edit(user, ent)
    profile = session.get(EnterpriseProfile, ent.id)
    before = audit.snapshot(profile, FIELDS) if profile else None
    if profile is None:
        profile = EnterpriseProfile(enterprise_id=ent.id, tags=[])
        session.add(profile)
    elif body.version != profile.version:
        raise Conflict(f"企业档案已被他人修改（当前版本 {profile.version}），请刷新后重试", field="version")
    if body.standardization_grade and not body.standardization_valid_until:
        raise BadInput("填写标准化等级时须填写有效期", field="standardization_valid_until")
    for f in FIELDS:
        value = getattr(body, f)
        setattr(profile, f, list(dict.fromkeys(value)) if f == "tags" else value)
    session.flush()
    audit.record(
        session,
        user,
        "update" if before else "create",
        "enterprise_profile",
        ent.id,
        before=before,
        after=audit.snapshot(profile, FIELDS),
        enterprise_id=ent.id,
    )
    return get(session, user, ent.id)


def add_licence(session: Session, user: Principal, enterprise_id: int, body: LicenceIn) -> dict[str, Any]:
    ent = enterprises.get_readable(session, user, enterprise_id)
    _may_edit(user, ent)
    row = EnterpriseLicence(
        enterprise_id=ent.id,
        kind=body.kind,
        number=body.number,
        scope=body.scope,
        valid_until=body.valid_until,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "enterprise_licence",
        row.id,
        after={"kind": row.kind, "number": row.number, "valid_until": row.valid_until.isoformat()},
        enterprise_id=ent.id,
    )
    return get(session, user, ent.id)


def expiring(session: Session, first: date, last: date) -> list[tuple[int, str, str, date]]:
    """(enterprise_id, what, number, valid_until) of every licence, 标准化 grade and 安责险 policy that
    expires between first and last (inclusive)."""
    out: list[tuple[int, str, str, date]] = []
    for lic in session.scalars(
        select(EnterpriseLicence).where(EnterpriseLicence.valid_until.between(first, last))
    ):
        out.append((lic.enterprise_id, lic.kind, lic.number, lic.valid_until))
    for p in session.scalars(
        select(EnterpriseProfile).where(
            (EnterpriseProfile.standardization_valid_until.between(first, last))
            | (EnterpriseProfile.insurance_valid_until.between(first, last))
        )
    ):
        sv, iv = p.standardization_valid_until, p.insurance_valid_until
        if sv and first <= sv <= last:
            out.append(
                (p.enterprise_id, f"安全生产标准化{GRADES.get(p.standardization_grade or '', '')}", "", sv)
            )
        if iv and first <= iv <= last:
            out.append((p.enterprise_id, "安全生产责任保险", p.insurance_policy_no or "", iv))
    return sorted(out, key=lambda x: (x[3], x[0]))


def window(today: date, days: int) -> tuple[date, date]:
    return today, today + timedelta(days=days)
