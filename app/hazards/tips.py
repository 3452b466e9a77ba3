"""Public 举报 (no login): rate-limited intake, then the regulator's triage inbox."""

import hashlib
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound, TooManyRequests
from app.hazards import schemas as s
from app.hazards import service
from app.hazards.models import Hazard, Tip
from app.regions.models import Region
from app.timeutil import to_local, utcnow

TIPS_PER_HOUR = 5
TIP_FIELDS = ["status", "hazard_id", "decision_note", "region_code", "enterprise_id"]


def client_key(address: str | None) -> str:
    return hashlib.sha256((address or "unknown").encode()).hexdigest()


def submit(session: Session, data: s.TipIn, address: str | None) -> Tip:
    """Take a 举报; at most TIPS_PER_HOUR per client address per hour, counted in the database."""
    key = client_key(address)
    recent = session.scalar(
        select(func.count())
        .select_from(Tip)
        .where(Tip.client_key == key, Tip.created_at > utcnow() - timedelta(hours=1))
    )
    if (recent or 0) >= TIPS_PER_HOUR:
        raise TooManyRequests(f"提交过于频繁：每小时最多提交 {TIPS_PER_HOUR} 条举报，请稍后再试")
    ent = None
    if data.credit_code:
        code = data.credit_code.upper()
        ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    region: Region | None = None
    if data.region_code:
        region = session.get(Region, data.region_code)
        if region is None:
            raise BadInput(f"行政区 {data.region_code} 不存在，请从列表中选择", field="region_code")
    elif ent is not None and ent.region_code:
        region = session.get(Region, ent.region_code)
    if region is None:
        raise BadInput("请选择隐患所在的行政区（或填写能识别的企业统一社会信用代码）", field="region_code")
    tip = Tip(
        region_code=region.code,
        region_path=region.path,
        enterprise_id=ent.id if ent else None,
        enterprise_name=data.enterprise_name or (ent.name if ent else None),
        credit_code=data.credit_code.upper() if data.credit_code else None,
        description=data.description,
        place=data.place,
        contact=data.contact,
        client_key=key,
        created_at=utcnow(),
    )
    session.add(tip)
    session.flush()
    audit.record(
        session, _PUBLIC, "create", "tip", tip.id, region_path=region.path, enterprise_id=tip.enterprise_id
    )
    return tip


_PUBLIC = Principal(id=0, username="public", display_name="公众举报", role="public")


def _regulator(user: Principal) -> None:
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管人员处理举报")


def inbox(
    session: Session, user: Principal, status: str | None, after_id: int | None, limit: int
) -> list[Tip]:
    _regulator(user)
    stmt = select(Tip)
    if not user.is_admin:
        stmt = stmt.where(Tip.region_path.like(f"{user.region_path}%"))
    if status:
        stmt = stmt.where(Tip.status == status)
    if after_id:
        stmt = stmt.where(Tip.id < after_id)
    return list(session.scalars(stmt.order_by(Tip.id.desc()).limit(limit)))


def _get(session: Session, user: Principal, tip_id: int, version: int) -> Tip:
    _regulator(user)
    tip = session.get(Tip, tip_id)
    if tip is None or not (user.is_admin or tip.region_path.startswith(user.region_path)):
        raise NotFound(f"举报 {tip_id} 不存在")
    if tip.status != "pending":
        raise Conflict("该举报已处理", field="status")
    if tip.version != version:
        raise Conflict(f"举报已被他人处理（当前版本 {tip.version}），请刷新后重试", field="version")
    return tip


def accept(session: Session, user: Principal, tip_id: int, data: s.TipAccept) -> Hazard:
    """Accept as a hazard (source 举报) of an enterprise in the inspector's scope."""
    tip = _get(session, user, tip_id, data.version)
    before = audit.snapshot(tip, TIP_FIELDS)
    enterprises.get_readable(session, user, data.enterprise_id)
    hazard = service.create_hazard(
        session,
        user,
        s.HazardIn(
            enterprise_id=data.enterprise_id,
            source="tip",
            description=data.description or tip.description,
            place=data.place or tip.place,
            category=data.category,
            grade=data.grade,
            major_item=data.major_item,
            major_reason=data.major_reason,
            major_basis_standard=data.major_basis_standard,
            major_basis_clause=data.major_basis_clause,
            found_on=to_local(tip.created_at).date(),
        ),
    ).hazard
    _decide(session, user, tip, before, "accepted", f"受理为隐患 {hazard.id}", hazard.id)
    return hazard


def dismiss(session: Session, user: Principal, tip_id: int, data: s.TipDismiss) -> Tip:
    tip = _get(session, user, tip_id, data.version)
    _decide(session, user, tip, audit.snapshot(tip, TIP_FIELDS), "dismissed", data.reason, None)
    return tip


def _decide(
    session: Session, user: Principal, tip: Tip, before: dict, status: str, note: str, hazard_id: int | None
) -> None:
    tip.status = status
    tip.hazard_id = hazard_id
    tip.decided_by = user.id or None
    tip.decided_at = utcnow()
    tip.decision_note = note
    session.flush()
    audit.record(
        session,
        user,
        "accept" if status == "accepted" else "dismiss",
        "tip",
        tip.id,
        before=before,
        after=audit.snapshot(tip, TIP_FIELDS),
        region_path=tip.region_path,
        enterprise_id=tip.enterprise_id,
        note=note,
    )
