"""Public 举报 (no login): rate-limited intake with a receipt code, the public status look-up, then the
regulator's triage inbox.

The reporter gets a random receipt code (RECEIPT_LENGTH characters of an alphabet without 0/O/1/I); only
its SHA-256 is stored. Submissions, photo uploads and status look-ups are each limited per client per
hour by one atomic upsert of a counter row (TipThrottle), so parallel requests cannot pass the limit:
on PostgreSQL the upsert locks the row until the request's transaction ends.
"""

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.principal import Principal
from app.db import UTCDateTime
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound, TooManyRequests
from app.hazards import schemas as s
from app.hazards import service
from app.hazards.models import Hazard, Tip, TipThrottle
from app.regions.models import Region
from app.timeutil import to_local, utcnow

TIPS_PER_HOUR = 5
PHOTOS_PER_HOUR = 20
LOOKUPS_PER_HOUR = 20
MAX_PHOTOS = 5
TIP_FIELDS = ["status", "hazard_id", "decision_note", "region_code", "enterprise_id", "photo_ids"]
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 12 of them are 60 random bits
RECEIPT_LENGTH = 12
SUBMITTED = "已提交，待受理。将转交属地监管部门核查，请保存回执码，凭它查询处理结果。感谢您的监督！"
UNKNOWN_RECEIPT = "没有找到该回执码对应的举报，请核对后重新输入（共 12 位，不含 0、1、I、O）"
PUBLIC_STATUSES = {"pending": "待受理", "accepted": "已受理（转为隐患）", "dismissed": "不予受理"}


def client_key(address: str | None) -> str:
    return hashlib.sha256((address or "unknown").encode()).hexdigest()


def take(session: Session, kind: str, address: str | None, limit: int, message: str) -> None:
    """Count one more `kind` request of this client in the current hour; TooManyRequests past `limit`.
    One INSERT … ON CONFLICT DO UPDATE … RETURNING: each parallel request gets its own count."""
    now = utcnow()
    expired = TipThrottle.window_start < now - timedelta(hours=1)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(TipThrottle)
        .values(key=f"{kind}:{client_key(address)}", count=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[TipThrottle.key],
            set_={
                "count": case((expired, 1), else_=TipThrottle.count + 1),
                "window_start": case((expired, literal(now, UTCDateTime)), else_=TipThrottle.window_start),
            },
        )
        .returning(TipThrottle.count)
    )
    if int(session.execute(stmt).scalar_one()) > limit:
        raise TooManyRequests(message)


def prune_throttle(session: Session) -> int:
    """Delete the counts whose hour has ended (the next request would start a new window anyway, so
    this changes no limit); without it the table keeps one row per address that ever sent a 举报."""
    gone = session.execute(
        delete(TipThrottle).where(TipThrottle.window_start < utcnow() - timedelta(hours=1))
    )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def show_receipt(code: str) -> str:
    """ABCD-EFGH-JKLM: easier to copy by hand."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _receipt_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_receipt(text: str | None) -> str | None:
    """The code as typed (any case, spaces or dashes), or None when it cannot be a receipt code."""
    code = "".join(ch for ch in (text or "").upper() if ch not in " -—_\t")
    if len(code) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in code):
        return None
    return code


def take_photo(session: Session, address: str | None) -> None:
    """Public photo uploads count against their own hourly limit (they use disk before any tip exists)."""
    take(session, "photo", address, PHOTOS_PER_HOUR, f"上传照片过于频繁：每小时最多 {PHOTOS_PER_HOUR} 张")


def submit(
    session: Session, data: s.TipIn, address: str | None, photo_ids: list[int] | None = None
) -> tuple[Tip, str]:
    """Take a 举报 (at most TIPS_PER_HOUR per client address per hour); (tip, receipt code to show once)."""
    take(
        session,
        "submit",
        address,
        TIPS_PER_HOUR,
        f"提交过于频繁：每小时最多提交 {TIPS_PER_HOUR} 条举报，请稍后再试",
    )
    key = client_key(address)
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
    receipt = new_receipt()
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
        receipt_hash=_receipt_hash(receipt),
        photo_ids=attachments.claim_for_region(session, (photo_ids or [])[:MAX_PHOTOS], region.path),
    )
    session.add(tip)
    session.flush()
    audit.record(
        session,
        PUBLIC,
        "create",
        "tip",
        tip.id,
        after={"photo_ids": tip.photo_ids},
        region_path=region.path,
        enterprise_id=tip.enterprise_id,
    )
    return tip, receipt


def lookup(session: Session, text: str | None, address: str | None) -> dict[str, Any] | None:
    """What the reporter may know of their 举报: its state in plain words, the reason of a refusal and
    the dates; nothing about people or enterprises. None for an unknown code. Every look-up counts
    against LOOKUPS_PER_HOUR, so codes cannot be guessed."""
    take(
        session,
        "lookup",
        address,
        LOOKUPS_PER_HOUR,
        f"查询过于频繁：每小时最多查询 {LOOKUPS_PER_HOUR} 次，请稍后再试",
    )
    code = normalise_receipt(text)
    if code is None:
        return None
    tip = session.scalar(select(Tip).where(Tip.receipt_hash == _receipt_hash(code)))
    if tip is None:
        return None
    decided: date | None = to_local(tip.decided_at).date() if tip.decided_at else None
    return {
        "status": tip.status,
        "status_text": PUBLIC_STATUSES.get(tip.status, tip.status),
        "reason": tip.decision_note if tip.status == "dismissed" else None,
        "submitted_on": to_local(tip.created_at).date(),
        "decided_on": decided,
    }


PUBLIC = Principal(id=0, username="public", display_name="公众举报", role="public")


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
            photos=tip.photo_ids or [],
        ),
    ).hazard
    # The 举报's photos go with the hazard: whoever may read the hazard may now read them.
    attachments.hand_to_enterprise(session, user, tip.photo_ids or [], hazard.enterprise_id)
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
