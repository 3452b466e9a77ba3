"""应急资源: 应急物资/装备 of enterprises and departments (with expiry), the 专家库 searchable by field and
region, and the resources with coordinates as a GeoJSON map layer.

Scope. A resource of an enterprise follows the enterprise rule (the enterprise itself; inspectors by region
subtree and industries). A department's resource (no enterprise) is read by users whose region subtree
holds its region. Experts are a departments' register: enterprises do not read it; a department reads the
experts of its region subtree and of the regions above it (a county calls on the city's and the
province's experts), and maintains those of its own subtree.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from app.accidents.models import (
    AVAILABILITY,
    EXPERT_FIELDS,
    RESOURCE_CATEGORIES,
    EmergencyExpert,
    EmergencyResource,
)
from app.accidents.schemas import ExpertIn, ExpertPatch, ResourceIn, ResourcePatch
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Forbidden, NotFound
from app.regions import service as regions
from app.regions.models import Region
from app.rules_engine.accidents import accident_limit
from app.timeutil import local_today

RESOURCE_FIELDS = [
    "enterprise_id",
    "region_code",
    "department",
    "name",
    "category",
    "storage_place",
    "quantity",
    "unit",
    "expires_on",
    "lon",
    "lat",
    "note",
]
EXPERT_AUDITED = ["name", "field", "region_code", "organisation", "phone", "availability", "note"]
LIST_ROWS = 500


def expiry_days() -> int:
    """Days before expiry that a resource counts as 即将到期 (accident-rules, a project default)."""
    return accident_limit("resource_expiry_reminder").value


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    own = EmergencyResource.enterprise_id.in_(enterprises.readable(select(Enterprise.id), user))
    if user.role == "enterprise":
        return stmt.where(own)
    department = and_(
        EmergencyResource.enterprise_id.is_(None),
        EmergencyResource.region_code.in_(regions.subtree_codes(user.region_path)),
    )
    return stmt.where(or_(own, department))


def get_readable(session: Session, user: Principal, resource_id: int) -> EmergencyResource:
    row = session.scalar(readable(select(EmergencyResource).where(EmergencyResource.id == resource_id), user))
    if row is None:
        raise NotFound(f"应急资源 {resource_id} 不存在")
    return row


def _may_write(user: Principal) -> None:
    if user.role not in ("enterprise", "inspector", "admin"):
        raise Forbidden("当前角色无权维护应急资源")


def _own_region(session: Session, user: Principal, code: str | None, field: str) -> str:
    """A region the caller administers (its subtree): the department's resources and experts live there."""
    code = code or user.region_code
    if not code:
        raise BadInput("请填写所属行政区划", field=field)
    path = regions.get_region(session, code).path
    if not user.is_admin and not path.startswith(user.region_path or "\0"):
        raise Forbidden(f"行政区划 {code} 不在本人管辖范围内", field=field)
    return code


def _region_path(session: Session, code: str) -> str:
    return regions.get_region(session, code).path


def _audit_resource(
    session: Session, user: Principal, action: str, row: EmergencyResource, before: dict[str, Any] | None
) -> None:
    audit.record(
        session,
        user,
        action,
        "emergency_resource",
        row.id,
        before=before,
        after=audit.snapshot(row, RESOURCE_FIELDS) if action != "delete" else None,
        enterprise_id=row.enterprise_id,
        region_path=None if row.enterprise_id else _region_path(session, row.region_code),
    )


def _check_coordinates(lon: float | None, lat: float | None) -> None:
    """Both or neither; a point must lie in China (WGS84)."""
    if lon is not None or lat is not None:
        regions.check_coordinates(lon, lat)


# ---------------------------------------------------------------- resources


def create_resource(session: Session, user: Principal, data: ResourceIn) -> EmergencyResource:
    _may_write(user)
    _check_coordinates(data.lon, data.lat)
    if data.enterprise_id is None and user.role == "enterprise":
        assert user.enterprise_id is not None
        data = data.model_copy(update={"enterprise_id": user.enterprise_id})
    if data.enterprise_id is not None:
        if data.region_code is not None:
            raise BadInput("企业的应急资源按企业所在区划登记，不填 region_code", field="region_code")
        ent = enterprises.get_readable(session, user, data.enterprise_id)
        if not ent.region_code:
            raise BadInput("该企业尚未登记所在行政区划", field="enterprise_id")
        region, department = ent.region_code, None
    else:
        region, department = _own_region(session, user, data.region_code, "region_code"), user.department
    row = EmergencyResource(
        enterprise_id=data.enterprise_id,
        region_code=region,
        department=department,
        **data.model_dump(exclude={"enterprise_id", "region_code"}),
    )
    session.add(row)
    session.flush()
    _audit_resource(session, user, "create", row, None)
    return row


def update_resource(
    session: Session, user: Principal, resource_id: int, data: ResourcePatch
) -> EmergencyResource:
    _may_write(user)
    row = get_readable(session, user, resource_id)
    changes = data.model_dump(exclude_unset=True)
    _check_coordinates(changes.get("lon", row.lon), changes.get("lat", row.lat))
    before = audit.snapshot(row, RESOURCE_FIELDS)
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    _audit_resource(session, user, "update", row, before)
    return row


def delete_resource(session: Session, user: Principal, resource_id: int) -> None:
    _may_write(user)
    row = get_readable(session, user, resource_id)
    _audit_resource(session, user, "delete", row, audit.snapshot(row, RESOURCE_FIELDS))
    session.delete(row)
    session.flush()


def expiry_status(expires_on: date | None, today: date) -> str | None:
    """ "expired", "expiring" (within the reminder days) or None."""
    if expires_on is None:
        return None
    if expires_on < today:
        return "expired"
    return "expiring" if expires_on <= today + timedelta(days=expiry_days()) else None


def resource_out(row: EmergencyResource, today: date, names: dict[int, str]) -> dict[str, Any]:
    status = expiry_status(row.expires_on, today)
    flag = None
    if status == "expired":
        flag = f"已过期（{row.expires_on}）"
    elif status == "expiring":
        flag = f"即将到期（{row.expires_on}）"
    return {
        "id": row.id,
        "enterprise_id": row.enterprise_id,
        "enterprise_name": names.get(row.enterprise_id) if row.enterprise_id else None,
        "region_code": row.region_code,
        "department": row.department,
        "name": row.name,
        "category": row.category,
        "category_label": RESOURCE_CATEGORIES[row.category],
        "storage_place": row.storage_place,
        "quantity": row.quantity,
        "unit": row.unit,
        "expires_on": row.expires_on.isoformat() if row.expires_on else None,
        "expiry_status": status,
        "flag": flag,
        "lon": row.lon,
        "lat": row.lat,
        "note": row.note,
    }


def enterprise_names(session: Session, rows: list[EmergencyResource]) -> dict[int, str]:
    ids = {r.enterprise_id for r in rows if r.enterprise_id}
    if not ids:
        return {}
    rows_ = session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))
    return {ent_id: name for ent_id, name in rows_}


def list_resources(
    session: Session,
    user: Principal,
    *,
    enterprise_id: int | None = None,
    category: str | None = None,
    expiring: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Resources in scope, soonest expiry first; `expiring` keeps the expired and the soon expiring."""
    day = today or local_today()
    stmt = readable(select(EmergencyResource), user)
    if enterprise_id is not None:
        enterprises.get_readable(session, user, enterprise_id)
        stmt = stmt.where(EmergencyResource.enterprise_id == enterprise_id)
    if category:
        stmt = stmt.where(EmergencyResource.category == category)
    if expiring:
        stmt = stmt.where(EmergencyResource.expires_on <= day + timedelta(days=expiry_days()))
    order = (EmergencyResource.expires_on.is_(None), EmergencyResource.expires_on, EmergencyResource.id)
    rows = list(session.scalars(stmt.order_by(*order).limit(LIST_ROWS)))
    names = enterprise_names(session, rows)
    return [resource_out(r, day, names) for r in rows]


def resource_detail(session: Session, user: Principal, resource_id: int) -> dict[str, Any]:
    row = get_readable(session, user, resource_id)
    return resource_out(row, local_today(), enterprise_names(session, [row]))


def geojson(session: Session, user: Principal) -> dict[str, Any]:
    """The resources with coordinates in the caller's scope, as a GeoJSON FeatureCollection (WGS84)."""
    stmt = readable(select(EmergencyResource), user).where(
        EmergencyResource.lon.is_not(None), EmergencyResource.lat.is_not(None)
    )
    rows = list(session.scalars(stmt.order_by(EmergencyResource.id).limit(5000)))
    names, day = enterprise_names(session, rows), local_today()
    features = []
    for row in rows:
        props = resource_out(row, day, names)
        del props["lon"], props["lat"]
        features.append(
            {
                "type": "Feature",
                "id": row.id,
                "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------- 专家库


def readable_experts(stmt: SelectT, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    if user.role == "enterprise" or not user.region_path:
        return stmt.where(false())  # one expert answers 404, like an unknown id
    above = [c for c in user.region_path.split("/") if c]
    return stmt.where(
        or_(
            EmergencyExpert.region_code.in_(regions.subtree_codes(user.region_path)),
            EmergencyExpert.region_code.in_(above),
        )
    )


def _may_keep_experts(user: Principal) -> None:
    if user.role not in ("inspector", "admin"):
        raise Forbidden("仅监管部门可以维护专家库")


def get_expert(session: Session, user: Principal, expert_id: int) -> EmergencyExpert:
    row = session.scalar(
        readable_experts(select(EmergencyExpert).where(EmergencyExpert.id == expert_id), user)
    )
    if row is None:
        raise NotFound(f"专家 {expert_id} 不存在")
    return row


def _audit_expert(
    session: Session, user: Principal, action: str, row: EmergencyExpert, before: dict[str, Any] | None
) -> None:
    audit.record(
        session,
        user,
        action,
        "emergency_expert",
        row.id,
        before=before,
        after=audit.snapshot(row, EXPERT_AUDITED),
        region_path=_region_path(session, row.region_code),
    )


def create_expert(session: Session, user: Principal, data: ExpertIn) -> EmergencyExpert:
    _may_keep_experts(user)
    region = _own_region(session, user, data.region_code, "region_code")
    row = EmergencyExpert(region_code=region, **data.model_dump(exclude={"region_code"}))
    session.add(row)
    session.flush()
    _audit_expert(session, user, "create", row, None)
    return row


def update_expert(session: Session, user: Principal, expert_id: int, data: ExpertPatch) -> EmergencyExpert:
    _may_keep_experts(user)
    row = get_expert(session, user, expert_id)
    _own_region(session, user, row.region_code, "region_code")  # a higher department's expert: read only
    before = audit.snapshot(row, EXPERT_AUDITED)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(row, key, value)
    session.flush()
    _audit_expert(session, user, "update", row, before)
    return row


def expert_out(row: EmergencyExpert, region_names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "field": row.field,
        "field_label": EXPERT_FIELDS[row.field],
        "region_code": row.region_code,
        "region_name": region_names.get(row.region_code),
        "organisation": row.organisation,
        "phone": row.phone,
        "availability": row.availability,
        "availability_label": AVAILABILITY[row.availability],
        "note": row.note,
    }


def _region_names(session: Session, codes: set[str]) -> dict[str, str]:
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def expert_detail(session: Session, user: Principal, expert_id: int) -> dict[str, Any]:
    row = get_expert(session, user, expert_id)
    return expert_out(row, _region_names(session, {row.region_code}))


def search_experts(
    session: Session,
    user: Principal,
    *,
    field: str | None = None,
    region: str | None = None,
    available_only: bool = False,
) -> list[dict[str, Any]]:
    """Experts in scope; `region` keeps those of that region and below it."""
    if user.role == "enterprise":
        raise Forbidden("专家库仅供监管部门查阅")
    stmt = readable_experts(select(EmergencyExpert), user)
    if field:
        stmt = stmt.where(EmergencyExpert.field == field)
    if region:
        path = regions.get_region(session, region).path
        stmt = stmt.where(EmergencyExpert.region_code.in_(regions.subtree_codes(path)))
    if available_only:
        stmt = stmt.where(EmergencyExpert.availability == "available")
    rows = list(session.scalars(stmt.order_by(EmergencyExpert.field, EmergencyExpert.id).limit(LIST_ROWS)))
    names = _region_names(session, {r.region_code for r in rows})
    return [expert_out(r, names) for r in rows]
