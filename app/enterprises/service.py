"""Enterprises (生产经营单位): scoping, validation, create and update. No HTTP here."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import credit_code, scope_copy
from app.enterprises.models import Enterprise
from app.enterprises.schemas import EnterpriseIn, EnterpriseUpdate
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.regions import service as regions
from app.regions.models import Region
from app.rules_engine import get_registry

AUDITED_FIELDS = [
    "credit_code",
    "name",
    "industry",
    "scale",
    "address",
    "lon",
    "lat",
    "region_code",
    "department",
    "contact_name",
    "contact_phone",
    "status",
]
# What an enterprise's own staff may change about itself; the rest is the regulator's register.
SELF_EDITABLE = {"address", "contact_name", "contact_phone"}


def industries() -> dict[str, str]:
    """行业 code → Chinese name, from the rule files (rules/industries.yaml)."""
    return {item.code: item.name for item in get_registry().industries().industries}


def industry_code(value: str, field: str = "industry") -> str:
    """Accept a code or the Chinese name."""
    table = industries()
    if value in table:
        return value
    by_name = {name: code for code, name in table.items()}
    if value in by_name:
        return by_name[value]
    raise BadInput(f"行业 {value!r} 不在行业目录中，可选：{'、'.join(table.values())}", field=field)


def normalised_credit_code(raw: str, field: str = "credit_code") -> tuple[str, list[str]]:
    try:
        return credit_code.validate(raw)
    except ValueError as exc:
        raise BadInput(str(exc), field=field) from exc


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """The one scoping rule for enterprise rows."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(Enterprise.id == user.enterprise_id)
    stmt = stmt.where(Enterprise.region_code.in_(regions.subtree_codes(user.region_path)))
    if user.role == "inspector" and user.industries:
        stmt = stmt.where(Enterprise.industry.in_(user.industries))
    return stmt


def owned_by_readable(stmt: SelectT, enterprise_column: Any, user: Principal) -> SelectT:
    """Rows of other domains that belong to an enterprise the caller may read (hazards, cases, points…)."""
    if user.is_admin:
        return stmt
    return stmt.where(enterprise_column.in_(readable(select(Enterprise.id), user)))


def get_readable(session: Session, user: Principal, enterprise_id: int) -> Enterprise:
    ent = session.scalar(readable(select(Enterprise).where(Enterprise.id == enterprise_id), user))
    if ent is None:
        # Out of scope answers exactly like unknown, so nothing leaks.
        raise NotFound(f"企业 {enterprise_id} 不存在")
    return ent


def list_enterprises(
    session: Session,
    user: Principal,
    *,
    region: str | None = None,
    industry: str | None = None,
    status: str | None = None,
    q: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Enterprise]:
    stmt = readable(select(Enterprise), user)
    if region:
        path = regions.get_region(session, region).path
        stmt = stmt.where(Enterprise.region_code.in_(regions.subtree_codes(path)))
    if industry:
        stmt = stmt.where(Enterprise.industry == industry)
    if status:
        stmt = stmt.where(Enterprise.status == status)
    if q:
        stmt = stmt.where(Enterprise.name.contains(q) | (Enterprise.credit_code == q.upper()))
    if after_id:
        stmt = stmt.where(Enterprise.id > after_id)
    return list(session.scalars(stmt.order_by(Enterprise.id).limit(limit)))


def resolve_location(
    session: Session, lon: float, lat: float, crs: str, township_code: str | None
) -> tuple[float, float, Region]:
    """Check coordinates, convert GCJ-02, and find the deepest region (checked against a given township)."""
    lon, lat = regions.checked_wgs84(lon, lat, crs)
    region = regions.locate_point(session, lon, lat)
    if region is None:
        raise BadInput(f"坐标 ({lon:.6f}, {lat:.6f}) 不在任何已导入的行政区内", field="lon")
    if township_code:
        township = session.get(Region, township_code)
        if township is None or township.level != "township":
            raise BadInput(f"乡镇(街道)代码 {township_code} 不存在", field="township_code")
        if not region.path.startswith(township.path):
            raise BadInput(
                f"坐标位于{region.name}，不在所填乡镇(街道) {township.name} 内，请核对坐标或乡镇",
                field="township_code",
            )
    return lon, lat, region


def _check_jurisdiction(user: Principal, region: Region | None, industry: str) -> None:
    if user.is_admin:
        return
    if user.role != "inspector":
        raise Forbidden("当前角色无权登记或修改企业基本信息")
    if region is None or not region.path.startswith(user.region_path):
        raise Forbidden("企业所在行政区不在您的管辖范围内")
    if user.industries and industry not in user.industries:
        raise Forbidden("该行业不在您的监管范围内")


def create_enterprise(session: Session, user: Principal, data: EnterpriseIn) -> Enterprise:
    code, _notes = normalised_credit_code(data.credit_code)
    industry = industry_code(data.industry)
    region = None
    lon = lat = None
    if data.lon is not None or data.lat is not None:
        if data.lon is None or data.lat is None:
            raise BadInput("经度和纬度须同时填写", field="lat" if data.lat is None else "lon")
        lon, lat, region = resolve_location(session, data.lon, data.lat, data.crs, data.township_code)
    elif not user.is_admin:
        raise BadInput("请填写企业位置（经纬度），用于确定所属行政区", field="lon")
    _check_jurisdiction(user, region, industry)
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)):
        raise Conflict(f"统一社会信用代码 {code} 已登记", field="credit_code")
    values = data.model_dump(exclude={"crs", "township_code", "lon", "lat"})
    ent = Enterprise(
        **{**values, "credit_code": code, "industry": industry},
        lon=lon,
        lat=lat,
        region_code=region.code if region else None,
    )
    session.add(ent)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "enterprise",
        ent.id,
        after=audit.snapshot(ent, AUDITED_FIELDS),
        enterprise_id=ent.id,
        region_path=region.path if region else None,
    )
    return ent


def update_enterprise(
    session: Session, user: Principal, enterprise_id: int, data: EnterpriseUpdate
) -> Enterprise:
    ent = get_readable(session, user, enterprise_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "crs", "township_code"})
    if user.role == "enterprise":
        forbidden = set(changes) - SELF_EDITABLE
        if forbidden:
            raise Forbidden(f"企业用户不能修改：{'、'.join(sorted(forbidden))}（请联系监管部门）")
    elif user.role == "township":
        raise Forbidden("乡镇(街道)用户为只读权限")
    if data.version != ent.version:
        raise Conflict(f"企业信息已被他人修改（当前版本 {ent.version}），请刷新后重试", field="version")
    if "industry" in changes:
        changes["industry"] = industry_code(changes["industry"])
    region = session.get(Region, ent.region_code) if ent.region_code else None
    if "lon" in changes or "lat" in changes:
        lon = changes.pop("lon", ent.lon)
        lat = changes.pop("lat", ent.lat)
        if lon is None or lat is None:
            raise BadInput("经度和纬度须同时填写", field="lat")
        changes["lon"], changes["lat"], region = resolve_location(
            session, lon, lat, data.crs, data.township_code
        )
        changes["region_code"] = region.code
    if user.role == "inspector":
        _check_jurisdiction(user, region, changes.get("industry", ent.industry))
    before = audit.snapshot(ent, AUDITED_FIELDS)
    for key, value in changes.items():
        setattr(ent, key, value)
    session.flush()
    if {"region_code", "industry"} & changes.keys():
        scope_copy.sync_enterprises(session, [ent.id])
    audit.record(
        session,
        user,
        "update",
        "enterprise",
        ent.id,
        before=before,
        after=audit.snapshot(ent, AUDITED_FIELDS),
        enterprise_id=ent.id,
        region_path=region.path if region else None,
    )
    return ent
