"""Monitoring: points, device tokens, readings history, 包保责任人 and 承诺公告. No HTTP here."""

import hashlib
import secrets
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotAuthenticated, NotFound
from app.monitoring.models import (
    QUANTITIES,
    RESPONSIBLE_ROLES,
    SPECIAL_WORK,
    Alarm,
    Commitment,
    DeviceToken,
    MonitoringPoint,
    Reading,
    UnitResponsible,
)
from app.monitoring.schemas import (
    DailyCommitmentIn,
    MonitoringPointIn,
    MonitoringPointPatch,
    UnitResponsiblesIn,
)
from app.risks.models import MajorHazardUnit
from app.timeutil import local_today, utcnow

POINT_FIELDS = ["unit_id", "tag", "name", "quantity", "limit_ll", "limit_l", "limit_h", "limit_hh",
                "interval_seconds", "is_active"]  # fmt: skip
LIMIT_ORDER = ("limit_ll", "limit_l", "limit_h", "limit_hh")
LIMIT_LABELS = {"limit_ll": "低低报", "limit_l": "低报", "limit_h": "高报", "limit_hh": "高高报"}
# Duties of the three 包保责任人, summarised from 应急厅〔2021〕12号
# 《危险化学品企业重大危险源安全包保责任制办法（试行）》: 第三条 (three levels); 第四条, 第五条 read in
# full; 第六条 not read (see docs/monitoring.md).
DUTIES = {
    "main": "总体管理：建立包保责任制并指定技术、操作负责人；组织制定规章制度和操作规程；组织培训；"
    "保证安全投入；督促检查；组织制定并实施应急预案；保证监测监控数据接入风险监测预警系统（办法第四条）",
    "technical": "技术管理：组织监测监控体系建设并保证符合标准；组织检测检验和维护保养；"
    "超出可容许风险时组织降险；审查外来施工单位和变更管理；每季度至少组织一次针对性风险隐患排查（办法第五条）",
    "operation": "操作管理：重大危险源现场操作层面的安全包保（办法第三条、第六条）",
}


def _writer(user: Principal, enterprise_id: int) -> None:
    if user.is_admin:
        return
    if user.role != "enterprise" or user.enterprise_id != enterprise_id:
        raise Forbidden("只有本企业用户可以维护监测点、设备令牌、包保责任人和承诺公告")


# ---------------------------------------------------------------- units and points


def get_unit(session: Session, user: Principal, unit_id: int, field: str = "unit_id") -> MajorHazardUnit:
    unit = session.scalar(
        enterprises.owned_by_readable(
            select(MajorHazardUnit).where(MajorHazardUnit.id == unit_id), MajorHazardUnit.enterprise_id, user
        )
    )
    if unit is None:
        raise NotFound(f"重大危险源 {unit_id} 不存在", field=field)
    return unit


def _check_limits(values: dict[str, float | None]) -> None:
    given = [(k, values[k]) for k in LIMIT_ORDER if values.get(k) is not None]
    if not given:
        raise BadInput("limit_h：至少设定一个报警值（低低/低/高/高高）", field="limit_h")
    for (k1, v1), (k2, v2) in zip(given, given[1:], strict=False):
        if v1 is not None and v2 is not None and v1 >= v2:
            raise BadInput(f"{k2}：{LIMIT_LABELS[k2]}值（{v2}）应大于{LIMIT_LABELS[k1]}值（{v1}）", field=k2)


def point_readable(stmt: Any, user: Principal) -> Any:
    return enterprises.owned_by_readable(stmt, MonitoringPoint.enterprise_id, user)


def get_point(session: Session, user: Principal, point_id: int) -> MonitoringPoint:
    point = session.scalar(
        point_readable(select(MonitoringPoint).where(MonitoringPoint.id == point_id), user)
    )
    if point is None:
        raise NotFound(f"监测点 {point_id} 不存在")
    return point


def create_point(session: Session, user: Principal, data: MonitoringPointIn) -> MonitoringPoint:
    unit = get_unit(session, user, data.unit_id)
    _writer(user, unit.enterprise_id)
    if not unit.is_major or not unit.is_active:
        raise BadInput(f"unit_id：单元 {unit.name} 不是在用的重大危险源，不能设监测点", field="unit_id")
    _check_limits(data.model_dump())
    if session.scalar(
        select(MonitoringPoint.id).where(
            MonitoringPoint.enterprise_id == unit.enterprise_id, MonitoringPoint.tag == data.tag
        )
    ):
        raise Conflict(f"tag：位号 {data.tag} 已存在", field="tag")
    point = MonitoringPoint(enterprise_id=unit.enterprise_id, **data.model_dump())
    session.add(point)
    session.flush()
    audit.record(
        session, user, "create", "monitoring_point", point.id,
        after=audit.snapshot(point, POINT_FIELDS), enterprise_id=point.enterprise_id,
    )  # fmt: skip
    return point


def update_point(
    session: Session, user: Principal, point_id: int, data: MonitoringPointPatch
) -> MonitoringPoint:
    point = get_point(session, user, point_id)
    _writer(user, point.enterprise_id)
    if point.version != data.version:
        raise Conflict("监测点已被他人修改（版本号不符），请刷新后重试", field="version")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    merged = {k: changes.get(k, getattr(point, k)) for k in LIMIT_ORDER}
    _check_limits(merged)
    before = audit.snapshot(point, POINT_FIELDS)
    for k, v in changes.items():
        setattr(point, k, v)
    session.flush()
    audit.record(
        session, user, "update", "monitoring_point", point.id,
        before=before, after=audit.snapshot(point, POINT_FIELDS), enterprise_id=point.enterprise_id,
    )  # fmt: skip
    return point


def last_readings(session: Session, point_ids: list[int]) -> dict[int, tuple[datetime, float]]:
    """The newest reading of each point (one index probe per point on (point_id, ts))."""
    out: dict[int, tuple[datetime, float]] = {}
    if not point_ids:
        return out
    latest = (
        select(Reading.point_id, func.max(Reading.ts).label("ts"))
        .where(Reading.point_id.in_(point_ids))
        .group_by(Reading.point_id)
        .subquery()
    )
    rows = session.execute(
        select(Reading.point_id, Reading.ts, Reading.value).join(
            latest, (latest.c.point_id == Reading.point_id) & (latest.c.ts == Reading.ts)
        )
    )
    for pid, ts, value in rows:
        out[int(pid)] = (ts, float(value))
    return out


def point_out(
    point: MonitoringPoint, last: tuple[datetime, float] | None, open_alarms: int = 0
) -> dict[str, Any]:
    name, unit = QUANTITIES[point.quantity]
    return {
        "id": point.id,
        "enterprise_id": point.enterprise_id,
        "unit_id": point.unit_id,
        "tag": point.tag,
        "name": point.name,
        "quantity": point.quantity,
        "quantity_label": name,
        "engineering_unit": unit,
        "limit_ll": point.limit_ll,
        "limit_l": point.limit_l,
        "limit_h": point.limit_h,
        "limit_hh": point.limit_hh,
        "interval_seconds": point.interval_seconds,
        "is_active": point.is_active,
        "last_value": last[1] if last else None,
        "last_at": last[0].isoformat() if last else None,
        "open_alarms": open_alarms,
        "version": point.version,
    }


def list_points(
    session: Session,
    user: Principal,
    *,
    enterprise_id: int | None = None,
    unit_id: int | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    stmt = point_readable(select(MonitoringPoint), user)
    if enterprise_id is not None:
        stmt = stmt.where(MonitoringPoint.enterprise_id == enterprise_id)
    if unit_id is not None:
        stmt = stmt.where(MonitoringPoint.unit_id == unit_id)
    if after_id is not None:
        stmt = stmt.where(MonitoringPoint.id > after_id)
    points = list(session.scalars(stmt.order_by(MonitoringPoint.id).limit(limit)))
    ids = [p.id for p in points]
    last = last_readings(session, ids)
    counts = dict(
        session.execute(
            select(Alarm.point_id, func.count())
            .where(Alarm.point_id.in_(ids), Alarm.state != "cleared")
            .group_by(Alarm.point_id)
        ).all()
    ) if ids else {}  # fmt: skip
    return [point_out(p, last.get(p.id), int(counts.get(p.id, 0))) for p in points]


def history(
    session: Session,
    user: Principal,
    point_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> dict[str, Any]:
    point = get_point(session, user, point_id)
    until = until or utcnow()
    since = since or until - timedelta(hours=24)
    if since >= until:
        raise BadInput("since：开始时间应早于结束时间", field="since")
    rows = session.execute(
        select(Reading.ts, Reading.value)
        .where(Reading.point_id == point.id, Reading.ts >= since, Reading.ts <= until)
        .order_by(Reading.ts)
        .limit(limit)
    ).all()
    return {
        "point": point_out(point, None),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "readings": [{"ts": ts.isoformat(), "value": v} for ts, v in rows],
    }


def history_chart(session: Session, user: Principal, point_id: int, hours: int) -> str:
    from app.monitoring import chart

    point = get_point(session, user, point_id)
    until = utcnow()
    since = until - timedelta(hours=hours)
    where = (Reading.point_id == point.id, Reading.ts >= since, Reading.ts <= until)
    if session.get_bind().dialect.name == "postgresql":
        # Min and max per bucket in SQL: 600 rows cross to Python, not 17,280 (24 h at 5 s).
        n, t0, span = chart.BUCKETS, since.timestamp(), chart.span_seconds(since, until)
        at = func.floor((func.date_part("epoch", Reading.ts) - t0) / span * n)
        bucket = cast(func.least(n - 1, func.greatest(0, at)), Integer)
        rows = session.execute(
            select(bucket, func.min(Reading.value), func.max(Reading.value)).where(*where).group_by(bucket)
        ).all()
        buckets = [(int(i), float(lo), float(hi)) for i, lo, hi in rows]
    else:
        readings = session.execute(select(Reading.ts, Reading.value).where(*where)).all()
        buckets = chart.bucketize([(t, v) for t, v in readings], since, until)
    name, unit = QUANTITIES[point.quantity]
    limits = {k: getattr(point, k) for k in ("limit_hh", "limit_h", "limit_l", "limit_ll")}
    return chart.history_svg(f"{point.tag} {point.name} {name}", unit, since, until, buckets, limits)


# ---------------------------------------------------------------- device tokens

TOKEN_PREFIX = "skd_"
_device_cache: dict[str, tuple[int, float]] = {}
DEVICE_CACHE_SECONDS = 10.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, user: Principal, enterprise_id: int, name: str, *, rotate: bool
) -> dict[str, Any]:
    """A new device token for the enterprise (shown once). rotate=True revokes every other active token."""
    _writer(user, enterprise_id)
    if session.get(Enterprise, enterprise_id) is None:
        raise NotFound(f"企业 {enterprise_id} 不存在", field="enterprise_id")
    now = utcnow()
    revoked = 0
    if rotate:
        res = session.execute(
            update(DeviceToken)
            .where(DeviceToken.enterprise_id == enterprise_id, DeviceToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        revoked = int(res.rowcount or 0)  # type: ignore[attr-defined]
        _device_cache.clear()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DeviceToken(
        enterprise_id=enterprise_id,
        token_hash=_digest(token),
        prefix=token[:12],
        name=name,
        created_by=user.id or None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, user, "rotate" if rotate else "create", "monitoring_device_token", row.id,
        after={"prefix": row.prefix, "name": name, "revoked_others": revoked}, enterprise_id=enterprise_id,
    )  # fmt: skip
    return {"id": row.id, "token": token, "prefix": row.prefix, "name": name, "revoked": revoked}


def list_tokens(session: Session, user: Principal, enterprise_id: int) -> list[dict[str, Any]]:
    enterprises.get_readable(session, user, enterprise_id)
    rows = session.scalars(
        select(DeviceToken).where(DeviceToken.enterprise_id == enterprise_id).order_by(DeviceToken.id)
    )
    return [
        {
            "id": t.id,
            "prefix": t.prefix,
            "name": t.name,
            "created_at": t.created_at.isoformat(),
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in rows
    ]


def revoke_token(session: Session, user: Principal, token_id: int) -> None:
    row = session.scalar(
        enterprises.owned_by_readable(
            select(DeviceToken).where(DeviceToken.id == token_id), DeviceToken.enterprise_id, user
        )
    )
    if row is None:
        raise NotFound(f"设备令牌 {token_id} 不存在")
    _writer(user, row.enterprise_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        _device_cache.clear()
        audit.record(
            session, user, "revoke", "monitoring_device_token", row.id, enterprise_id=row.enterprise_id
        )


def device_enterprise(session: Session, token: str | None) -> int:
    """The enterprise a device token belongs to. A revocation elsewhere takes effect within
    DEVICE_CACHE_SECONDS; in this process at once."""
    if not token:
        raise NotAuthenticated("缺少设备令牌（X-Device-Token）")
    digest = _digest(token)
    hit = _device_cache.get(digest)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    ent = session.scalar(
        select(DeviceToken.enterprise_id).where(
            DeviceToken.token_hash == digest, DeviceToken.revoked_at.is_(None)
        )
    )
    if ent is None:
        _device_cache.pop(digest, None)
        raise NotAuthenticated("设备令牌无效或已吊销")
    if len(_device_cache) > 10_000:
        _device_cache.clear()
    _device_cache[digest] = (int(ent), time.monotonic() + DEVICE_CACHE_SECONDS)
    return int(ent)


# ---------------------------------------------------------------- 包保责任人


def responsibles(session: Session, user: Principal, unit_id: int) -> dict[str, Any]:
    unit = get_unit(session, user, unit_id, field="unit_id")
    rows = {
        r.role: r for r in session.scalars(select(UnitResponsible).where(UnitResponsible.unit_id == unit.id))
    }
    return {
        "unit_id": unit.id,
        "unit_name": unit.name,
        "responsibles": [
            {
                "role": role,
                "role_label": label,
                "duties": DUTIES[role],
                "name": rows[role].name if role in rows else None,
                "position": rows[role].position if role in rows else None,
                "phone": rows[role].phone if role in rows else None,
                "user_id": rows[role].user_id if role in rows else None,
            }
            for role, label in RESPONSIBLE_ROLES.items()
        ],
        "source": "应急厅〔2021〕12号《危险化学品企业重大危险源安全包保责任制办法（试行）》第三条至第六条",
    }


def set_responsibles(
    session: Session, user: Principal, unit_id: int, data: UnitResponsiblesIn
) -> dict[str, Any]:
    unit = get_unit(session, user, unit_id)
    _writer(user, unit.enterprise_id)
    existing = {
        r.role: r for r in session.scalars(select(UnitResponsible).where(UnitResponsible.unit_id == unit.id))
    }
    for role in RESPONSIBLE_ROLES:
        person = getattr(data, role)
        if person.user_id is not None:
            ok = session.scalar(
                select(User.id).where(
                    User.id == person.user_id,
                    User.role == "enterprise",
                    User.enterprise_id == unit.enterprise_id,
                )
            )
            if ok is None:
                raise BadInput(
                    f"{role}.user_id：用户 {person.user_id} 不是本企业的用户", field=f"{role}.user_id"
                )
        row = existing.get(role) or UnitResponsible(
            unit_id=unit.id, enterprise_id=unit.enterprise_id, role=role
        )
        row.name, row.position, row.phone, row.user_id = (
            person.name,
            person.position,
            person.phone,
            person.user_id,
        )
        session.add(row)
    session.flush()
    audit.record(
        session, user, "set_responsibles", "major_hazard_unit", unit.id,
        after={r: getattr(data, r).name for r in RESPONSIBLE_ROLES}, enterprise_id=unit.enterprise_id,
    )  # fmt: skip
    return responsibles(session, user, unit.id)


# ---------------------------------------------------------------- 承诺公告


def active_units(session: Session, enterprise_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                MajorHazardUnit.enterprise_id == enterprise_id,
                MajorHazardUnit.is_major.is_(True),
                MajorHazardUnit.is_active.is_(True),
            )
        )
        or 0
    )


def commitment_out(c: Commitment, enterprise_name: str | None = None) -> dict[str, Any]:
    return {
        "id": c.id,
        "enterprise_id": c.enterprise_id,
        "enterprise_name": enterprise_name,
        "day": c.day.isoformat(),
        "units_total": c.units_total,
        "units_running": c.units_running,
        "units_stopped": c.units_stopped,
        "special_work": {k: int(c.special_work.get(k, 0)) for k in SPECIAL_WORK},
        "normal_operation": c.normal_operation,
        "risk_summary": c.risk_summary,
        "signed_by": c.signed_by,
        "created_at": c.created_at.isoformat(),
    }


def file_commitment(session: Session, user: Principal, data: DailyCommitmentIn) -> Commitment:
    if user.role != "enterprise" or user.enterprise_id is None:
        raise Forbidden("承诺公告由企业用户填报")
    ent_id = user.enterprise_id
    day = data.day or local_today()
    today = local_today()
    if day > today or day < today - timedelta(days=1):
        raise BadInput("day：只能填报今日（或补报昨日）的承诺公告", field="day")
    total = active_units(session, ent_id)
    if total == 0:
        raise BadInput("本企业没有在用的重大危险源，无需填报承诺公告", field="day")
    if data.units_running + data.units_stopped != total:
        raise BadInput(
            f"units_running：运行与停产检修的重大危险源之和应为 {total}（本企业在用重大危险源数）",
            field="units_running",
        )
    mains = set(
        session.scalars(
            select(UnitResponsible.name).where(
                UnitResponsible.enterprise_id == ent_id, UnitResponsible.role == "main"
            )
        )
    )
    if mains and data.signed_by not in mains:
        raise BadInput(
            f"signed_by：承诺人应为重大危险源主要负责人（{'、'.join(sorted(mains))}）", field="signed_by"
        )
    if session.scalar(select(Commitment.id).where(Commitment.enterprise_id == ent_id, Commitment.day == day)):
        raise Conflict(f"day：{day.isoformat()} 的承诺公告已填报", field="day")
    row = Commitment(
        enterprise_id=ent_id,
        day=day,
        units_total=total,
        units_running=data.units_running,
        units_stopped=data.units_stopped,
        special_work={k: int(v) for k, v in data.special_work.items()},
        normal_operation=data.normal_operation,
        risk_summary=data.risk_summary,
        signed_by=data.signed_by,
        created_by=user.id or None,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"day：{day.isoformat()} 的承诺公告已填报", field="day") from None
    audit.record(session, user, "file", "monitoring_commitment", row.id, after={"day": day.isoformat()},
                 enterprise_id=ent_id)  # fmt: skip
    return row


def list_commitments(
    session: Session, user: Principal, enterprise_id: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = enterprises.owned_by_readable(
        select(Commitment, Enterprise.name).join(Enterprise, Enterprise.id == Commitment.enterprise_id),
        Commitment.enterprise_id,
        user,
    )
    if enterprise_id is not None:
        stmt = stmt.where(Commitment.enterprise_id == enterprise_id)
    rows = session.execute(stmt.order_by(Commitment.day.desc(), Commitment.id.desc()).limit(limit))
    return [commitment_out(c, name) for c, name in rows]


def public_commitment(session: Session, enterprise_id: int, day: date | None = None) -> dict[str, Any]:
    """The enterprise's notice board: its newest 承诺公告 (public facts only; no phone numbers)."""
    ent = session.get(Enterprise, enterprise_id)
    if ent is None or active_units(session, enterprise_id) == 0:
        raise NotFound(f"企业 {enterprise_id} 没有重大危险源公告")
    stmt = select(Commitment).where(Commitment.enterprise_id == enterprise_id)
    if day is not None:
        stmt = stmt.where(Commitment.day == day)
    c = session.scalar(stmt.order_by(Commitment.day.desc()).limit(1))
    return {
        "enterprise_id": ent.id,
        "enterprise_name": ent.name,
        "today": local_today().isoformat(),
        "commitment": commitment_out(c, ent.name) if c else None,
        "filed_today": bool(c and c.day == local_today()),
    }


def missing_commitments(session: Session, day: date) -> list[tuple[int, str, str | None, str | None]]:
    """Enterprises with an active 重大危险源 and no 承诺公告 for the day: (id, name, region, industry)."""
    has_units = select(MajorHazardUnit.enterprise_id).where(
        MajorHazardUnit.is_major.is_(True), MajorHazardUnit.is_active.is_(True)
    )
    filed = select(Commitment.enterprise_id).where(Commitment.day == day)
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.region_code, Enterprise.industry)
        .where(Enterprise.id.in_(has_units), Enterprise.id.not_in(filed))
        .order_by(Enterprise.id)
    )
    return [(int(i), n, r, ind) for i, n, r, ind in rows]
