"""The 严重失信主体名单 workflow as one table: (state, action) → (next state, roles, guard).

proposed → notify (告知) → notified → [object (陈述申辩/异议) → objected] → decide (书面决定, PDF) → decided
→ publish (公示) → published → expire (scheduler, at term end) | apply_early_removal (满 12 个月) →
removal_applied → approve_early_removal → removed_early → revoke_early_removal (弄虚作假) → published.
withdraw (不予列入) ends a listing before the decision. Payload checks live in service.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.credit.models import STATES, CreditListing
from app.timeutil import local_today
from app.workflow import Transition, TransitionTable

ENTERPRISE = frozenset({"enterprise"})
REGULATOR = frozenset({"inspector", "admin"})
SYSTEM_ROLES = frozenset({"system", "admin"})

ACTION_LABELS = {
    "notify": "告知当事人（拟列入）",
    "object": "提出陈述申辩/异议",
    "decide": "作出列入决定",
    "withdraw": "不予列入",
    "publish": "公示",
    "apply_early_removal": "申请提前移出（信用修复）",
    "approve_early_removal": "决定提前移出",
    "refuse_early_removal": "不予提前移出",
    "revoke_early_removal": "撤销提前移出，恢复列入",
    "expire": "管理期满移出",
}
SYSTEM_ACTIONS = {"propose": "拟列入"}


@dataclass(frozen=True)
class Ctx:
    session: Session
    listing: CreditListing
    user: Principal

    @property
    def state(self) -> str:
        return self.listing.state

    @property
    def role(self) -> str:
        return self.user.role


Guard = Callable[[Ctx], str | None]


def has_authority(user: Principal, listing: CreditListing) -> bool:
    """谁处罚、谁决定: the department of the issuing region that imposed the penalty, or admin."""
    if user.is_admin:
        return True
    return (
        user.role == "inspector"
        and user.region_code == listing.issuer_region_code
        and (user.department or "") == listing.issuer_department
    )


def _authority(ctx: Ctx) -> str | None:
    if has_authority(ctx.user, ctx.listing):
        return None
    return "只有作出行政处罚决定的部门可以办理该名单事项（谁处罚、谁决定、谁负责）"


def _own(ctx: Ctx) -> str | None:
    if ctx.user.enterprise_id == ctx.listing.enterprise_id:
        return None
    return "只有被列入的企业本身可以提出"


def _objection_open(ctx: Ctx) -> str | None:
    due = ctx.listing.objection_due
    if due is not None and local_today() > due:
        return f"陈述申辩/异议期限已于 {due.isoformat()} 届满"
    return _own(ctx)


def _objection_period_over(ctx: Ctx) -> str | None:
    due = ctx.listing.objection_due
    if due is not None and local_today() <= due:
        return f"当事人陈述申辩/异议期限（至 {due.isoformat()}）尚未届满，且未提出异议"
    return _authority(ctx)


def _early_removal_open(ctx: Ctx) -> str | None:
    start = ctx.listing.early_removal_from
    if start is not None and local_today() < start:
        return f"列入满 12 个月后方可申请提前移出（{start.isoformat()} 起）"
    return _own(ctx)


def _within_term(ctx: Ctx) -> str | None:
    end = ctx.listing.term_end
    if end is not None and local_today() >= end:
        return f"管理期限已于 {end.isoformat()} 届满，无需恢复列入"
    return _authority(ctx)


def _term_over(ctx: Ctx) -> str | None:
    end = ctx.listing.term_end
    if end is None or local_today() < end:
        return f"管理期限尚未届满（{end.isoformat() if end else '未定'}）"
    return None


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("proposed", "notify"): ("notified", REGULATOR, _authority),
    ("proposed", "withdraw"): ("withdrawn", REGULATOR, _authority),
    ("notified", "object"): ("objected", ENTERPRISE, _objection_open),
    ("notified", "decide"): ("decided", REGULATOR, _objection_period_over),
    ("notified", "withdraw"): ("withdrawn", REGULATOR, _authority),
    ("objected", "decide"): ("decided", REGULATOR, _authority),
    ("objected", "withdraw"): ("withdrawn", REGULATOR, _authority),
    ("decided", "publish"): ("published", REGULATOR, _authority),
    ("published", "apply_early_removal"): ("removal_applied", ENTERPRISE, _early_removal_open),
    ("published", "expire"): ("expired", SYSTEM_ROLES, _term_over),
    ("removal_applied", "approve_early_removal"): ("removed_early", REGULATOR, _authority),
    ("removal_applied", "refuse_early_removal"): ("published", REGULATOR, _authority),
    ("removal_applied", "expire"): ("expired", SYSTEM_ROLES, _term_over),
    ("removed_early", "revoke_early_removal"): ("published", REGULATOR, _within_term),
}
ACTIONS = tuple(dict.fromkeys(a for _, a in TABLE))
assert set(ACTIONS) <= set(ACTION_LABELS)


def label(action: str) -> str:
    return ACTION_LABELS.get(action) or SYSTEM_ACTIONS.get(action) or STATES.get(action, action)


WORKFLOW: TransitionTable[Ctx] = TransitionTable(TABLE, "名单事项", label)
