"""考核通报: drafted from a scorecard (表扬 / 批评 lists chosen by the total-score bands), reviewed by a
second person, issued with a 发文字号 as a document (app/documents).

Who may read a 通报: the issuing region's side (users whose region subtree contains the issuer) — drafts
included — and, once issued, the users inside a region it names. Nobody else: a sibling county that is
not named does not see it (404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, literal, or_, select
from sqlalchemy.orm import Session

from app.assessment import service
from app.assessment.models import BULLETIN_STATES, TONES, Bulletin, BulletinRegion
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.db import SelectT
from app.documents import service as documents
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.notifications import service as notifications
from app.regions.models import Region
from app.rules_engine import get_registry
from app.timeutil import utcnow

KIND = "assessment.bulletin"
TEMPLATE = "assessment/bulletin.html"
# 发文字号 prefix: the issuing region's name + 安委办考通 (项目默认; a deployment may change it here).
PREFIX_SUFFIX = "安委办考通"
AUDITED = ["state", "title", "number", "document_id"]


def readable(stmt: SelectT, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(Bulletin.id.is_(None))
    named = exists().where(
        BulletinRegion.bulletin_id == Bulletin.id,
        literal(user.region_path or "\0").like(BulletinRegion.region_path.concat("%")),
    )
    return stmt.where(
        or_(
            Bulletin.region_path.like(f"{user.region_path}%"),
            and_(Bulletin.state == "issued", named),
        )
    )


def get_readable(session: Session, user: Principal, bulletin_id: int) -> Bulletin:
    b = session.scalar(readable(select(Bulletin).where(Bulletin.id == bulletin_id), user))
    if b is None:
        raise NotFound(f"通报 {bulletin_id} 不存在", field="id")
    return b


def _issuer_side(user: Principal, b: Bulletin) -> None:
    if user.is_admin:
        return
    if user.role != "inspector" or not b.region_path.startswith(user.region_path or "\0"):
        raise Forbidden("只有发布通报的行政区（或其上级）的监管人员可以审核、印发通报")


def _regions(session: Session, bulletin_id: int) -> list[BulletinRegion]:
    return list(
        session.scalars(
            select(BulletinRegion)
            .where(BulletinRegion.bulletin_id == bulletin_id)
            .order_by(BulletinRegion.id)
        )
    )


def detail(session: Session, user: Principal, bulletin_id: int) -> dict[str, Any]:
    b = get_readable(session, user, bulletin_id)
    named = _regions(session, b.id)
    return {
        "id": b.id,
        "region_code": b.region_code,
        "period": b.period,
        "title": b.title,
        "body": b.body,
        "state": b.state,
        "state_label": BULLETIN_STATES[b.state],
        "rule_set": b.rule_set,
        "number": b.number,
        "document_id": b.document_id,
        "pdf_url": f"/api/assessment/bulletins/{b.id}.pdf" if b.document_id else None,
        "praise": [
            {"code": r.region_code, "name": r.region_name, "score": r.score}
            for r in named
            if r.tone == "praise"
        ],
        "criticise": [
            {"code": r.region_code, "name": r.region_name, "score": r.score}
            for r in named
            if r.tone == "criticise"
        ],
        "scorecard": b.scorecard,
        "created_at": b.created_at,
        "issued_at": b.issued_at,
        "version": b.version,
    }


def list_bulletins(session: Session, user: Principal, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.scalars(readable(select(Bulletin), user).order_by(Bulletin.id.desc()).limit(limit))
    return [
        {
            "id": b.id,
            "title": b.title,
            "period": b.period,
            "state": b.state,
            "state_label": BULLETIN_STATES[b.state],
            "number": b.number,
        }
        for b in rows
    ]


def draft(
    session: Session,
    user: Principal,
    region_code: str,
    period: str | None,
    title: str | None,
    body: str | None,
) -> Bulletin:
    """A draft 通报 of `region_code` about its child regions' scorecards for the period."""
    if not (user.is_admin or user.role == "inspector"):
        raise Forbidden("只有监管人员可以起草考核通报")
    cards = service.scorecards(session, user, region_code, period)
    region = session.get_one(Region, cards["parent"]["code"])
    if not cards["rows"]:
        raise BadInput(f"{region.name}没有下级行政区的考核数据，不能起草通报", field="region")
    snapshot = [
        {k: r[k] for k in ("code", "name", "total", "total_band", "total_tone", "rank")}
        | {"weak": "、".join(i["name"] for i in r["indicators"] if i["tone"] == "criticise")}
        for r in cards["rows"]
    ]
    label = cards["period"]["label"]
    b = Bulletin(
        region_code=region.code,
        region_path=region.path,
        period=cards["period"]["key"],
        title=title or f"关于{label}双重预防机制工作考核情况的通报",
        body=body
        or f"根据{label}双重预防机制工作考核结果，对考核总分优秀的地区予以表扬，对考核不合格的地区予以批评。",
        state="draft",
        rule_set=cards["rule_set"],
        scorecard=snapshot,
        created_by=user.id or None,
    )
    session.add(b)
    session.flush()
    paths = {
        r.code: r.path
        for r in session.scalars(select(Region).where(Region.code.in_([s["code"] for s in snapshot])))
    }
    for s in snapshot:
        if s["total_tone"] in TONES:
            session.add(
                BulletinRegion(
                    bulletin_id=b.id,
                    region_code=s["code"],
                    region_path=paths[s["code"]],
                    region_name=s["name"],
                    tone=s["total_tone"],
                    score=s["total"],
                )
            )
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "assessment_bulletin",
        b.id,
        after=audit.snapshot(b, AUDITED),
        region_path=b.region_path,
    )
    return b


def _check_version(b: Bulletin, version: int) -> None:
    if version != b.version:
        raise Conflict(f"通报已被他人修改（当前版本 {b.version}），请刷新后重试", field="version")


def review(session: Session, user: Principal, bulletin_id: int, version: int) -> Bulletin:
    b = get_readable(session, user, bulletin_id)
    _issuer_side(user, b)
    _check_version(b, version)
    if b.state != "draft":
        raise Conflict(f"通报当前为“{BULLETIN_STATES[b.state]}”，只有草稿可以审核", field="state")
    if b.created_by is not None and b.created_by == user.id:
        raise Forbidden("起草人不能审核自己起草的通报，请由另一名监管人员审核")
    before = audit.snapshot(b, AUDITED)
    b.state, b.reviewed_by, b.reviewed_at = "reviewed", user.id or None, utcnow()
    session.flush()
    audit.record(
        session,
        user,
        "review",
        "assessment_bulletin",
        b.id,
        before=before,
        after=audit.snapshot(b, AUDITED),
        region_path=b.region_path,
    )
    return b


def issue(session: Session, user: Principal, bulletin_id: int, version: int) -> Bulletin:
    """Issue a reviewed 通报: a numbered document of the issuing region; the named regions are told."""
    b = get_readable(session, user, bulletin_id)
    _issuer_side(user, b)
    _check_version(b, version)
    if b.state != "reviewed":
        raise Conflict(f"通报当前为“{BULLETIN_STATES[b.state]}”，须先审核再印发", field="state")
    region = session.get_one(Region, b.region_code)
    loaded = get_registry().get(b.rule_set)
    named = _regions(session, b.id)
    praise = [s for s in b.scorecard if s["total_tone"] == "praise"]
    criticise = [s for s in b.scorecard if s["total_tone"] == "criticise"]
    bands = {t.tone: t.label for t in loaded.model.totals}
    doc = documents.issue(
        session,
        user,
        kind=KIND,
        title=b.title,
        template=TEMPLATE,
        context={
            "addressee": "、".join(s["name"] for s in b.scorecard) + "安全生产委员会",
            "intro": b.body,
            "paragraphs": [],
            "praise": praise,
            "criticise": criticise,
            "praise_band": bands.get("praise", ""),
            "criticise_band": bands.get("criticise", ""),
            "rule_title": loaded.model.title,
            "rule_set": loaded.ref,
        },
        region_code=region.code,
        subject_type="assessment_bulletin",
        subject_id=b.id,
        number_prefix=f"{region.name}{PREFIX_SUFFIX}",
        issuer_region_code=region.code,
    )
    before = audit.snapshot(b, AUDITED)
    b.state, b.issued_by, b.issued_at = "issued", user.id or None, utcnow()
    b.number, b.document_id = doc.number, doc.id
    session.flush()
    audit.record(
        session,
        user,
        "issue",
        "assessment_bulletin",
        b.id,
        before=before,
        after=audit.snapshot(b, AUDITED),
        region_path=b.region_path,
    )
    recipients = session.scalars(
        select(User.id).where(
            User.region_code.in_([r.region_code for r in named]),
            User.role.in_(("inspector", "township")),
            User.is_active.is_(True),
        )
    ).all()
    notifications.notify(
        session,
        user_ids=recipients,
        kind="assessment.bulletin",
        title=f"考核通报：{b.title}（{b.number}）",
        body=f"{region.name}印发考核通报，贵地区被列入通报名单，请查看。",
        link=f"/assessment/bulletins/{b.id}",
    )
    return b


def pdf(session: Session, user: Principal, bulletin_id: int) -> tuple[bytes, str]:
    b = get_readable(session, user, bulletin_id)
    if b.document_id is None:
        raise NotFound(f"通报 {bulletin_id} 尚未印发，没有文书", field="id")
    from app.documents.models import Document

    doc = session.get_one(Document, b.document_id)
    return doc.pdf, f"{b.title}.pdf"
