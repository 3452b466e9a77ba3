"""严重失信主体名单 (应急管理部令第11号): proposing from a 行政处罚 decision, 告知, 异议, written decision,
公示, removal at term end or early on a 信用修复 application, and revocation of an early removal.

Every read goes through enterprises.owned_by_readable (the one scoping rule); out of scope is 404. Every
step writes a CreditListingEvent and an audit row; written decisions are issued by app.documents.
"""

from calendar import monthrange
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import workdays
from app.audit import service as audit
from app.auth.principal import Principal
from app.credit import transitions as t
from app.credit.models import FINISHED, LISTED, PUBLIC, STATES, CreditListing, CreditListingEvent
from app.credit.schemas import ListingActionIn, ListingIn
from app.documents import service as documents
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.notifications import service as notifications
from app.regions.models import Region
from app.rules_engine import get_registry
from app.rules_engine.errors import RuleInputError
from app.supervision.numbering import notice_prefix
from app.timeutil import local_today

AUDITED = [
    "state",
    "notified_on",
    "objection_due",
    "decision_number",
    "decided_on",
    "published_on",
    "term_end",
    "removal_applied_on",
    "removed_on",
]
KIND = "credit.listing_decision"
TEMPLATE = "credit/listing_decision.html"


def add_months(day: date, months: int) -> date:
    """Same day `months` later (the last day of the month when it has no such day: 2/29 → 2/28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def rule_set(region_code: str | None, on: date | None = None) -> Any:
    """The 严重失信主体名单 rule of a region on a date (a province file overrides the national one)."""
    try:
        return get_registry().select("credit_list", jurisdiction=region_code, on=on).model
    except RuleInputError as exc:
        raise BadInput(str(exc), field="penalty_decision_date") from None


def rule_by_ref(ref: str) -> Any:
    return get_registry().get(ref).model


def _limit_due(rule: Any, key: str, start: date) -> date:
    lim = rule.limit(key)
    return workdays.add_days(start, lim.value, lim.unit)


# ---------------------------------------------------------------- reads


def readable(stmt: Any, user: Principal) -> Any:
    return enterprises.owned_by_readable(stmt, CreditListing.enterprise_id, user)


def get_readable(session: Session, user: Principal, listing_id: int) -> CreditListing:
    row = session.scalar(readable(select(CreditListing).where(CreditListing.id == listing_id), user))
    if row is None:
        raise NotFound(f"名单事项 {listing_id} 不存在")
    return row


def list_listings(
    session: Session,
    user: Principal,
    *,
    state: str | None = None,
    enterprise_id: int | None = None,
    current: bool | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    if state is not None and state not in STATES:
        raise BadInput(f"状态应为 {', '.join(STATES)} 之一", field="state")
    stmt = readable(select(CreditListing), user)
    if state:
        stmt = stmt.where(CreditListing.state == state)
    if enterprise_id:
        stmt = stmt.where(CreditListing.enterprise_id == enterprise_id)
    if current is True:
        stmt = stmt.where(CreditListing.state.in_(LISTED))
    if after_id:
        stmt = stmt.where(CreditListing.id > after_id)
    rows = session.scalars(stmt.order_by(CreditListing.id).limit(limit))
    return [summary(session, user, r) for r in rows]


def is_listed(session: Session, enterprise_id: int) -> bool:
    """Whether an enterprise is on the list now (pages and exports mark it)."""
    stmt = select(CreditListing.id).where(
        CreditListing.enterprise_id == enterprise_id, CreditListing.state.in_(LISTED)
    )
    return session.scalar(stmt.limit(1)) is not None


def listed_enterprise_ids(session: Session, ids: list[int] | None = None) -> set[int]:
    stmt = select(CreditListing.enterprise_id).where(CreditListing.state.in_(LISTED))
    if ids is not None:
        stmt = stmt.where(CreditListing.enterprise_id.in_(ids))
    return set(session.scalars(stmt))


def allowed_actions(session: Session, user: Principal, listing: CreditListing) -> list[str]:
    acts = t.WORKFLOW.allowed_actions(t.Ctx(session, listing, user))
    return [a for a in acts if a != "expire"]  # the scheduler's step, never offered to a person


def summary(session: Session, user: Principal, r: CreditListing) -> dict[str, Any]:
    return {
        "id": r.id,
        "enterprise_id": r.enterprise_id,
        "subject_name": r.subject_name,
        "credit_code": r.credit_code,
        "state": r.state,
        "state_label": STATES[r.state],
        "condition_code": r.condition_code,
        "reason": r.reason,
        "basis": r.basis,
        "rule_set": r.rule_set,
        "penalty_decision_number": r.penalty_decision_number,
        "penalty_decision_date": r.penalty_decision_date.isoformat(),
        "penalty_case_id": r.penalty_case_id,
        "issuer_department": r.issuer_department,
        "notified_on": _iso(r.notified_on),
        "objection_due": _iso(r.objection_due),
        "decision_number": r.decision_number,
        "decided_on": _iso(r.decided_on),
        "document_id": r.document_id,
        "published_on": _iso(r.published_on),
        "term_end": _iso(r.term_end),
        "early_removal_from": _iso(r.early_removal_from),
        "removal_applied_on": _iso(r.removal_applied_on),
        "removed_on": _iso(r.removed_on),
        "removal_document_id": r.removal_document_id,
        "version": r.version,
        "allowed_actions": allowed_actions(session, user, r),
    }


def detail(session: Session, user: Principal, listing_id: int) -> dict[str, Any]:
    r = get_readable(session, user, listing_id)
    events = session.scalars(
        select(CreditListingEvent)
        .where(CreditListingEvent.listing_id == r.id)
        .order_by(CreditListingEvent.id)
    )
    out = summary(session, user, r)
    out["events"] = [
        {
            "action": e.action,
            "label": t.label(e.action),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor_name": e.actor_name,
            "at": e.at.isoformat(),
            "note": e.note,
        }
        for e in events
    ]
    return out


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


# ---------------------------------------------------------------- propose


def propose(session: Session, user: Principal, body: ListingIn) -> CreditListing:
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管部门可以拟列入严重失信主体名单")
    ent = enterprises.get_readable(session, user, body.enterprise_id)
    today = local_today()
    if body.penalty_decision_date > today:
        raise BadInput("行政处罚决定日期不能晚于今天", field="penalty_decision_date")
    rule = rule_set(ent.region_code, body.penalty_decision_date)
    cond = rule.condition(body.condition_code)
    if cond is None:
        codes = "、".join(c.code for c in rule.conditions)
        raise BadInput(
            f"列入情形 {body.condition_code} 不在 {rule.title} 中，可选：{codes}", field="condition_code"
        )
    # Outside the listed sectors only the 安全评价/检测 institutions (their conditions name 机构) are covered.
    if ent.industry not in rule.scope.industries and "机构" not in cond.subjects:
        raise BadInput(
            f"该企业所属行业不在 {rule.title} 的适用范围内（{rule.scope.citation.article or ''}）",
            field="enterprise_id",
        )
    if ent.region_code is None:
        raise BadInput("企业没有所在行政区，不能列入", field="enterprise_id")
    open_row = session.scalar(
        select(CreditListing.id).where(
            CreditListing.enterprise_id == ent.id,
            CreditListing.penalty_decision_number == body.penalty_decision_number,
            CreditListing.state.not_in(FINISHED),
        )
    )
    if open_row is not None:
        raise Conflict(f"该处罚决定已有未办结的名单事项（编号 {open_row}）", field="penalty_decision_number")
    issuer_region = user.region_code or ent.region_code
    region = session.get_one(Region, ent.region_code)
    article = " ".join(p for p in (cond.citation.article, cond.citation.item) if p)
    listing = CreditListing(
        enterprise_id=ent.id,
        subject_name=ent.name,
        credit_code=ent.credit_code,
        region_code=ent.region_code,
        region_path=region.path,
        issuer_region_code=issuer_region,
        issuer_department=user.department or "",
        rule_set=f"{rule.id}@{rule.version}",
        condition_code=cond.code,
        reason=f"{cond.text}：{body.facts}"[:500],
        basis=f"《{rule.title}》{article}".strip()[:500],
        penalty_case_id=body.penalty_case_id,
        penalty_decision_number=body.penalty_decision_number,
        penalty_decision_date=body.penalty_decision_date,
        state="proposed",
    )
    session.add(listing)
    session.flush()
    _event(session, user, listing, "propose", None, body.facts, {"condition": cond.code})
    audit.record(
        session,
        user,
        "propose",
        "credit_listing",
        listing.id,
        after=audit.snapshot(listing, AUDITED),
        enterprise_id=ent.id,
        region_path=listing.region_path,
        note=listing.reason,
    )
    return listing


# ---------------------------------------------------------------- actions


def act(
    session: Session, user: Principal, listing_id: int, action: str, body: ListingActionIn
) -> CreditListing:
    listing = get_readable(session, user, listing_id)
    if action not in t.ACTIONS or action == "expire":
        raise NotFound(
            f"未知操作 {action}，可选：{', '.join(a for a in t.ACTIONS if a != 'expire')}", field="action"
        )
    if body.version != listing.version:
        raise Conflict(
            f"名单事项已被他人修改（当前版本 {listing.version}），请刷新后重试",
            field="version",
            extra={"current_version": listing.version},
        )
    reason = t.WORKFLOW.refusal(t.Ctx(session, listing, user), action)
    if reason:
        raise Conflict(
            reason,
            field="action",
            extra={"state": listing.state, "allowed_actions": allowed_actions(session, user, listing)},
        )
    _apply(session, user, listing, action, body.note, body.conditions_met, local_today())
    return listing


def _need_note(note: str | None, what: str) -> str:
    if not note:
        raise BadInput(f"请填写{what}", field="note")
    return note


def _apply(
    session: Session,
    user: Principal,
    listing: CreditListing,
    action: str,
    note: str | None,
    conditions_met: list[str],
    today: date,
) -> None:
    rule = rule_by_ref(listing.rule_set)
    before = audit.snapshot(listing, AUDITED)
    from_state = listing.state
    data: dict[str, Any] = {}
    if action == "notify":
        listing.notified_on = today
        listing.objection_due = _limit_due(rule, "objection_period", today)
        data["objection_due"] = listing.objection_due.isoformat()
        _notify_enterprise(
            session,
            listing,
            "credit_notified",
            f"拟列入安全生产严重失信主体名单告知：{listing.subject_name}",
            f"列入事由：{listing.reason}；依据：{listing.basis}。"
            f"可在 {listing.objection_due.isoformat()} 前提出陈述申辩或异议。",
        )
    elif action == "object":
        _need_note(note, "陈述申辩或异议的内容")
    elif action in ("decide", "withdraw"):
        if action == "withdraw":
            _need_note(note, "不予列入的理由（如异议成立）")
        else:
            listing.decided_on = today
            listing.term_end = add_months(today, 12 * rule.term.years)
            listing.early_removal_from = add_months(today, rule.early_removal.min_months)
            doc = _issue(
                session, user, listing, "列入严重失信主体名单决定书", _decision_paragraphs(listing, rule)
            )
            listing.decision_number = doc.number
            listing.document_id = doc.id
            data["document_id"] = doc.id
    elif action == "publish":
        listing.published_on = today
    elif action == "apply_early_removal":
        _need_note(note, "信用修复情况（履行处罚、消除不良影响等）")
        listing.removal_applied_on = today
        data["decision_due"] = _limit_due(rule, "early_removal_decision", today).isoformat()
    elif action == "approve_early_removal":
        required = [c.code for c in rule.early_removal.conditions]
        missing = [c for c in required if c not in conditions_met]
        if missing:
            texts = "；".join(c.text for c in rule.early_removal.conditions if c.code in missing)
            raise BadInput(f"提前移出须逐项确认条件，未确认：{texts}", field="conditions_met")
        listing.removed_on = today
        data["conditions_met"] = required
        doc = _issue(
            session,
            user,
            listing,
            "提前移出严重失信主体名单决定书",
            [
                f"你单位于 {listing.removal_applied_on} 申请提前移出严重失信主体名单。"
                "经审查，符合提前移出条件，"
                f"决定自 {today.isoformat()} 起将你单位移出严重失信主体名单，停止公示。",
                *(note and [note] or []),
            ],
        )
        listing.removal_document_id = doc.id
        data["document_id"] = doc.id
    elif action == "refuse_early_removal":
        _need_note(note, "不予提前移出的理由")
        listing.removal_applied_on = None
    elif action == "revoke_early_removal":
        _need_note(note, "撤销的事实（隐瞒真实情况、弄虚作假的情形）")
        listing.removed_on = None
        doc = _issue(
            session,
            user,
            listing,
            "撤销提前移出严重失信主体名单决定书",
            [
                f"经查，你单位申请提前移出严重失信主体名单时存在隐瞒真实情况、弄虚作假情形：{note}。"
                f"决定撤销提前移出决定，恢复列入状态，管理期限至 {listing.term_end} 止。"
            ],
        )
        data["document_id"] = doc.id
    elif action == "expire":
        listing.removed_on = today
    listing.state = t.WORKFLOW.next_state(from_state, action)
    session.flush()
    _event(session, user, listing, action, from_state, note, data)
    audit.record(
        session,
        user,
        action,
        "credit_listing",
        listing.id,
        before=before,
        after=audit.snapshot(listing, AUDITED),
        enterprise_id=listing.enterprise_id,
        region_path=listing.region_path,
        note=note,
    )


def _decision_paragraphs(listing: CreditListing, rule: Any) -> list[str]:
    return [
        f"你单位因 {listing.reason}，于 {listing.penalty_decision_date} 受到行政处罚"
        f"（{listing.penalty_decision_number}）。",
        f"依据{listing.basis}，本机关决定将你单位列入安全生产严重失信主体名单，"
        f"管理期限 {rule.term.years} 年，自 {listing.decided_on} 起至 {listing.term_end} 止。",
        f"列入满 {rule.early_removal.min_months} 个月后，符合条件的可以申请提前移出"
        f"（自 {listing.early_removal_from} 起）。",
        "如不服本决定，可以依法申请行政复议或者提起行政诉讼。",
    ]


def _issue(
    session: Session, user: Principal, listing: CreditListing, title: str, paragraphs: list[str]
) -> Any:
    issuer_region = session.get_one(Region, listing.issuer_region_code)
    prefix = (
        notice_prefix(
            issuer_region.code, issuer_region.name, issuer_region.level, listing.issuer_department or "应急"
        )[:-1]
        + "信"
    )
    rows = [
        ("名称", listing.subject_name),
        ("统一社会信用代码", listing.credit_code),
        ("列入事由", listing.reason),
        ("依据", listing.basis),
        ("行政处罚决定书", f"{listing.penalty_decision_number}（{listing.penalty_decision_date}）"),
        ("管理期限", f"{listing.decided_on} 至 {listing.term_end}"),
    ]
    return documents.issue(
        session,
        user,
        kind=KIND,
        title=title,
        template=TEMPLATE,
        context={
            "subject_name": listing.subject_name,
            "credit_code": listing.credit_code,
            "paragraphs": paragraphs,
            "rows": rows,
        },
        enterprise_id=listing.enterprise_id,
        subject_type="credit_listing",
        subject_id=listing.id,
        number_prefix=prefix,
        issuer=listing.issuer_department or None,
        issued_on=local_today(),
        issuer_region_code=listing.issuer_region_code,
    )


def _event(
    session: Session,
    user: Principal,
    listing: CreditListing,
    action: str,
    from_state: str | None,
    note: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        CreditListingEvent(
            listing_id=listing.id,
            actor_id=user.id or None,
            actor_name=user.display_name or user.username,
            action=action,
            from_state=from_state,
            to_state=listing.state,
            note=note,
            attachments=[],
            data=data or None,
        )
    )


def _notify_enterprise(session: Session, listing: CreditListing, kind: str, title: str, body: str) -> None:
    notifications.notify(
        session,
        user_ids=notifications.enterprise_users(session, listing.enterprise_id),
        kind=kind,
        title=title,
        body=body,
        link=f"/api/credit/listings/{listing.id}",
        enterprise_id=listing.enterprise_id,
    )


# ---------------------------------------------------------------- the daily job


def expire_due(session: Session, actor: Principal, today: date) -> dict[str, int]:
    """Remove every listing whose term has ended (idempotent: finished listings are not touched)."""
    rows = session.scalars(
        select(CreditListing)
        .where(CreditListing.state.in_(("published", "removal_applied")), CreditListing.term_end <= today)
        .order_by(CreditListing.id)
    ).all()
    for row in rows:
        _apply(session, actor, row, "expire", "管理期满，自动移出名单并停止公示", [], row.term_end or today)
    return {"expired": len(rows)}


# ---------------------------------------------------------------- public list


def public_list(session: Session, today: date | None = None) -> list[dict[str, Any]]:
    """The public 严重失信主体名单: published listings whose term runs today, only the allowed fields."""
    today = today or local_today()
    rows = session.scalars(
        select(CreditListing)
        .where(CreditListing.state.in_(PUBLIC), CreditListing.term_end > today)
        .order_by(CreditListing.decided_on.desc(), CreditListing.id.desc())
    )
    return [public_entry(r) for r in rows]


def public_entry(r: CreditListing) -> dict[str, Any]:
    rule = rule_by_ref(r.rule_set)
    values = {
        "name": r.subject_name,
        "credit_code": r.credit_code,
        "reason": r.reason,
        "basis": r.basis,
        "decision_number": r.decision_number,
        "decision_date": _iso(r.decided_on),
        "term_end": _iso(r.term_end),
    }
    return {k: values[k] for k in rule.public_fields if k in values}


def enterprise_by_credit_code(session: Session, code: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
