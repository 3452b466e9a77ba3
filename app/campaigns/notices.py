"""安全提示 with 叫应: a department sends a notice to the enterprises of a scope; each enterprise's user
acknowledges it (one click, with time and person, optionally replying what it did); at the deadline the
escalation job tells the township and the inspectors over each enterprise that has not. No HTTP here."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import IO, Any

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.campaigns import service as campaigns
from app.campaigns.models import NoticeRecipient, SafetyNotice
from app.campaigns.schemas import AckIn, NoticeIn
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.notifications import service as notifications
from app.regions.models import Region
from app.spreadsheets import DATETIME_WIDTH, ExportColumn, export_workbook
from app.timeutil import fmt_local, utcnow

KIND = "safety_notice"
ESCALATION_KIND = "safety_notice_unacknowledged"
MAX_RECIPIENTS = 50_000


def templates() -> list[dict[str, Any]]:
    return [
        {"key": t.key, "name": t.name, "title": t.title, "body": t.body, "ack_hours": t.ack_hours}
        for t in campaigns.policy().templates
    ]


def readable(stmt: Any, user: Principal) -> Any:
    """Notices a department user may see: sent in their region subtree or above it (the recipients they
    see are still only their own enterprises). Enterprise users see the notices they received."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(
            SafetyNotice.id.in_(
                select(NoticeRecipient.notice_id).where(NoticeRecipient.enterprise_id == user.enterprise_id)
            )
        )
    path = user.region_path
    # Past the region rule, the sender, or someone over at least one of the recipients.
    own = select(NoticeRecipient.notice_id).where(
        NoticeRecipient.enterprise_id.in_(enterprises.readable(select(Enterprise.id), user))
    )
    return stmt.where(
        SafetyNotice.region_path.like(f"{path}%")
        | (func.substr(path, 1, func.length(SafetyNotice.region_path)) == SafetyNotice.region_path)
    ).where((SafetyNotice.sent_by == user.id) | SafetyNotice.id.in_(own))


def get_notice(session: Session, user: Principal, notice_id: int) -> SafetyNotice:
    notice = session.scalar(readable(select(SafetyNotice).where(SafetyNotice.id == notice_id), user))
    if notice is None:
        raise NotFound(f"安全提示 {notice_id} 不存在")
    return notice


def send(session: Session, user: Principal, data: NoticeIn) -> SafetyNotice:
    campaigns._issuer(user)  # noqa: SLF001 - the one "who may issue" rule of this package
    template = None
    if data.template:
        template = next((t for t in campaigns.policy().templates if t.key == data.template), None)
        if template is None:
            keys = "、".join(f"{t.key}（{t.name}）" for t in campaigns.policy().templates)
            raise BadInput(f"模板 {data.template} 不存在，可选：{keys}", field="template")
    title = data.title or (template.title if template else None)
    body = data.body or (template.body if template else None)
    if not title:
        raise BadInput("请填写安全提示标题（或选择模板）", field="title")
    if not body:
        raise BadInput("请填写安全提示正文（或选择模板）", field="body")
    now = utcnow()
    hours = template.ack_hours if template else campaigns.policy().default_ack_hours
    deadline = data.ack_deadline or now + timedelta(hours=hours)
    if deadline.tzinfo is None:
        raise BadInput("叫应截止时间须带时区，例如 2026-03-03T18:00:00+08:00", field="ack_deadline")
    if deadline <= now:
        raise BadInput("叫应截止时间须晚于现在", field="ack_deadline")
    if deadline > now + timedelta(days=90):
        raise BadInput("叫应截止时间不能超过 90 天", field="ack_deadline")
    industries, region_codes, tags = campaigns.checked_scope(
        session, user, data.scope.industries, data.scope.regions, data.scope.tags
    )
    region_code = user.region_code or (region_codes[0] if region_codes else None)
    if region_code is None:
        raise BadInput("请在范围中选择行政区", field="scope.regions")
    region = session.get(Region, region_code)
    if region is None:
        raise BadInput(f"行政区划 {region_code} 不存在", field="scope.regions")
    paths = campaigns._region_paths(session, region_codes) if region_codes else [region.path]  # noqa: SLF001
    stmt = campaigns.scope_filter(select(Enterprise.id, Enterprise.region_code), paths, industries, tags)
    stmt = enterprises.readable(stmt, user)
    if data.enterprise_ids:
        stmt = stmt.where(Enterprise.id.in_(data.enterprise_ids))
    rows = session.execute(stmt.order_by(Enterprise.id).limit(MAX_RECIPIENTS + 1)).all()
    if data.enterprise_ids:
        missing = set(data.enterprise_ids) - {r.id for r in rows}
        if missing:
            raise BadInput(f"企业 {min(missing)} 不存在或不在发送范围内", field="enterprise_ids")
    if not rows:
        raise BadInput("发送范围内没有企业", field="scope")
    if len(rows) > MAX_RECIPIENTS:
        raise BadInput(f"一次最多发送给 {MAX_RECIPIENTS} 家企业，请缩小范围", field="scope")
    notice = SafetyNotice(
        title=title,
        body=body,
        template=data.template,
        department=user.department or "系统管理员",
        region_code=region.code,
        region_path=region.path,
        scope={
            "industries": industries,
            "regions": region_codes,
            "tags": tags,
            "enterprise_ids": data.enterprise_ids,
        },
        attachment_ids=_checked_attachments(session, user, data.attachments),
        ack_deadline=deadline,
        recipient_count=len(rows),
        sent_by=user.id or None,
        sent_at=now,
    )
    session.add(notice)
    session.flush()
    # One statement for every recipient row, however many.
    session.execute(
        insert(NoticeRecipient),
        [{"notice_id": notice.id, "enterprise_id": r.id, "region_code": r.region_code} for r in rows],
    )
    ent_ids = [r.id for r in rows]
    users = list(
        session.scalars(
            select(User.id).where(
                User.role == "enterprise", User.is_active.is_(True), User.enterprise_id.in_(ent_ids)
            )
        )
    )
    notifications.notify(
        session,
        user_ids=users,
        kind=KIND,
        title=f"安全提示：{title}",
        body=f"{notice.department}：{body}\n请于 {fmt_local(deadline)} 前确认收到（叫应）。",
        link=f"/notices/{notice.id}",
    )
    audit.record(
        session,
        user,
        "send",
        "safety_notice",
        notice.id,
        after={"title": title, "recipients": len(rows), "ack_deadline": deadline.isoformat()},
        region_path=region.path,
    )
    return notice


def _checked_attachments(session: Session, user: Principal, ids: list[int]) -> list[int]:
    from app.attachments.models import Attachment

    unique = list(dict.fromkeys(ids))
    found = set(
        session.scalars(attachments.readable(select(Attachment.id).where(Attachment.id.in_(unique)), user))
    )
    for att_id in unique:
        if att_id not in found:
            raise BadInput(f"附件 {att_id} 不存在", field="attachments")
    return unique


def _recipient(session: Session, notice: SafetyNotice, enterprise_id: int) -> NoticeRecipient:
    row = session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice.id, NoticeRecipient.enterprise_id == enterprise_id
        )
    )
    if row is None:
        raise NotFound(f"安全提示 {notice.id} 不存在")
    return row


def acknowledge(session: Session, user: Principal, notice_id: int, body: AckIn) -> NoticeRecipient:
    if user.role != "enterprise" or not user.enterprise_id:
        raise Forbidden("叫应由收到安全提示的企业确认")
    notice = get_notice(session, user, notice_id)
    row = _recipient(session, notice, user.enterprise_id)
    if row.acked_at is not None:
        raise Conflict(
            f"本企业已于 {fmt_local(row.acked_at)} 由 {row.acked_by_name} 确认收到", field="notice"
        )
    now = utcnow()
    row.read_at = row.read_at or now
    row.acked_at, row.acked_by, row.acked_by_name, row.reply = (
        now,
        user.id or None,
        user.display_name or user.username,
        body.reply,
    )
    session.flush()
    region_path = (
        session.scalar(select(Region.path).where(Region.code == row.region_code)) if row.region_code else None
    )
    audit.record(
        session,
        user,
        "acknowledge",
        "safety_notice",
        notice.id,
        after={"acked_at": now.isoformat(), "late": now > notice.ack_deadline, "reply": body.reply},
        enterprise_id=user.enterprise_id,
        region_path=region_path,
    )
    return row


def mark_read(session: Session, user: Principal, notice_id: int) -> None:
    if user.role != "enterprise" or not user.enterprise_id:
        return
    notice = get_notice(session, user, notice_id)
    row = _recipient(session, notice, user.enterprise_id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()


def _recipients_stmt(user: Principal, notice: SafetyNotice) -> Any:
    stmt = (
        select(NoticeRecipient, Enterprise.name, Enterprise.industry)
        .join(Enterprise, Enterprise.id == NoticeRecipient.enterprise_id)
        .where(NoticeRecipient.notice_id == notice.id)
    )
    return enterprises.owned_by_readable(stmt, NoticeRecipient.enterprise_id, user)


def notice_out(session: Session, user: Principal, notice: SafetyNotice) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": notice.id,
        "title": notice.title,
        "body": notice.body,
        "template": notice.template,
        "department": notice.department,
        "region_code": notice.region_code,
        "scope": notice.scope,
        "attachments": notice.attachment_ids,
        "ack_deadline": notice.ack_deadline,
        "sent_at": notice.sent_at,
        "escalated_at": notice.escalated_at,
        "past_deadline": utcnow() > notice.ack_deadline,
    }
    if user.role == "enterprise":
        row = _recipient(session, notice, user.enterprise_id or 0)
        out["mine"] = {
            "read_at": row.read_at,
            "acked_at": row.acked_at,
            "acked_by_name": row.acked_by_name,
            "reply": row.reply,
        }
        return out
    rows = _recipients_stmt(user, notice).subquery()
    counts = session.execute(
        select(
            rows.c.region_code,
            func.count(),
            func.count(rows.c.read_at),
            func.count(rows.c.acked_at),
            func.count(rows.c.escalated_at),
        ).group_by(rows.c.region_code)
    ).all()
    names = dict(session.execute(select(Region.code, Region.name)).all())
    by_region = [
        {
            "code": c,
            "name": names.get(c or "", c or ""),
            "recipients": n,
            "read": r,
            "acknowledged": a,
            "escalated": e,
        }
        for c, n, r, a, e in counts
    ]
    out["counts"] = {
        k: sum(x[k] for x in by_region) for k in ("recipients", "read", "acknowledged", "escalated")
    }
    out["by_region"] = by_region
    return out


def list_notices(session: Session, user: Principal, limit: int = 100) -> list[dict[str, Any]]:
    stmt = readable(select(SafetyNotice), user).order_by(SafetyNotice.id.desc()).limit(limit)
    out = []
    for n in session.scalars(stmt):
        item: dict[str, Any] = {
            "id": n.id,
            "title": n.title,
            "department": n.department,
            "sent_at": n.sent_at,
            "ack_deadline": n.ack_deadline,
        }
        if user.role == "enterprise":
            row = _recipient(session, n, user.enterprise_id or 0)
            item["acked_at"] = row.acked_at
        out.append(item)
    return out


def unacknowledged(
    session: Session, user: Principal, notice_id: int, limit: int | None = None
) -> list[dict[str, Any]]:
    notice = get_notice(session, user, notice_id)
    stmt = (
        _recipients_stmt(user, notice)
        .where(NoticeRecipient.acked_at.is_(None))
        .order_by(NoticeRecipient.enterprise_id)
    )
    if limit:
        stmt = stmt.limit(limit)
    names = dict(session.execute(select(Region.code, Region.name)).all())
    industries = enterprises.industries()
    return [
        {
            "enterprise_id": r.enterprise_id,
            "name": name,
            "industry": industries.get(ind, ind),
            "region": names.get(r.region_code or "", ""),
            "read_at": r.read_at,
            "escalated_at": r.escalated_at,
        }
        for r, name, ind in session.execute(stmt)
    ]


EXPORT_COLUMNS = [
    ExportColumn("企业", 30),
    ExportColumn("行业", 10),
    ExportColumn("行政区", 14),
    ExportColumn("已读时间", DATETIME_WIDTH),
    ExportColumn("已上报（逾期未叫应）", DATETIME_WIDTH),
]


def write_unacknowledged(session: Session, user: Principal, notice_id: int, fh: IO[bytes]) -> None:
    notice = get_notice(session, user, notice_id)
    rows = unacknowledged(session, user, notice_id)
    above = [
        [f"未叫应企业名单：{notice.title}"],
        [f"叫应截止：{fmt_local(notice.ack_deadline)}　共 {len(rows)} 家"],
    ]
    with export_workbook(fh) as wb:
        ws = wb.sheet("未叫应企业", EXPORT_COLUMNS, above=above)
        for r in rows:
            ws.append([r["name"], r["industry"], r["region"], r["read_at"], r["escalated_at"]])


# ---------------------------------------------------------------- escalation (the scheduled job)


def _townships_for(session: Session, region_path: str) -> list[int]:
    """Active township users whose region contains the path."""
    return list(
        session.scalars(
            select(User.id)
            .join(Region, Region.code == User.region_code)
            .where(User.role == "township", User.is_active.is_(True))
            .where(literal(region_path).like(Region.path.concat("%")))
        )
    )


def escalate_due(session: Session, now: datetime) -> dict[str, int]:
    """Every notice whose deadline has passed by `now` and is not escalated yet: mark its unacknowledged
    recipients escalated and tell, once per notice, each township user and inspector over them how many
    of their enterprises have not acknowledged. Idempotent (a notice is escalated once)."""
    due = list(
        session.scalars(
            select(SafetyNotice)
            .where(SafetyNotice.escalated_at.is_(None), SafetyNotice.ack_deadline <= now)
            .order_by(SafetyNotice.id)
            .with_for_update(skip_locked=True)
        )
    )
    notices = escalated = 0
    for notice in due:
        rows = session.execute(
            select(NoticeRecipient.id, Enterprise.region_code, Enterprise.industry, Region.path)
            .join(Enterprise, Enterprise.id == NoticeRecipient.enterprise_id)
            .outerjoin(Region, Region.code == Enterprise.region_code)
            .where(NoticeRecipient.notice_id == notice.id, NoticeRecipient.acked_at.is_(None))
        ).all()
        notice.escalated_at = now
        notices += 1
        if not rows:
            continue
        session.execute(
            update(NoticeRecipient)
            .where(and_(NoticeRecipient.notice_id == notice.id, NoticeRecipient.acked_at.is_(None)))
            .values(escalated_at=now)
        )
        escalated += len(rows)
        per_user: dict[int, int] = defaultdict(int)
        cache: dict[tuple[str, str], list[int]] = {}
        for _id, region_code, industry, path in rows:
            if not region_code or not path:
                continue
            key = (region_code, industry)
            if key not in cache:
                cache[key] = _townships_for(session, path) + notifications.inspectors_for(
                    session, region_code, industry
                )
            for uid in cache[key]:
                per_user[uid] += 1
        for uid, n in sorted(per_user.items()):
            notifications.notify(
                session,
                user_ids=[uid],
                kind=ESCALATION_KIND,
                title=f"安全提示逾期未叫应：{notice.title}（{n} 家）",
                body=f"{notice.department}发送的安全提示“{notice.title}”"
                f"叫应截止 {fmt_local(notice.ack_deadline)}，"
                f"您辖区内 {n} 家企业未确认收到，请督促落实。",
                link=f"/notices/{notice.id}",
            )
        audit.record(
            session,
            _system(),
            "escalate",
            "safety_notice",
            notice.id,
            after={"unacknowledged": len(rows), "told": len(per_user)},
            region_path=notice.region_path,
        )
    session.flush()
    return {"notices": notices, "escalated": escalated}


def _system() -> Principal:
    from app.auth.principal import SYSTEM

    return SYSTEM
