"""The hazard lifecycle as one table: (state, action) → (next state, roles, guard).

A guard looks at who acts on which hazard (not at the request body) and returns a refusal reason, or None.
`allowed_actions` evaluates the same table, so what the UI offers is exactly what the service accepts.
Payload checks (dates, plans, photos) live in service.py next to each action's effect.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.hazards.models import REPORT_RECIPIENTS, Hazard, HazardExtension, HazardReport
from app.workflow import Transition, TransitionTable

ENTERPRISE = frozenset({"enterprise"})
REGULATOR = frozenset({"inspector", "admin"})
BOTH = ENTERPRISE | REGULATOR
OPEN = ("reported", "rectifying", "awaiting_acceptance")

ACTION_LABELS = {
    "start_rectification": "制定整改方案（限期整改）",
    "fix_on_spot": "即查即改",
    "request_extension": "申请延期",
    "decide_extension": "审批延期",
    "add_progress": "记录整改进展",
    "submit_for_acceptance": "申请验收",
    "accept": "验收通过（销号）",
    "reject": "验收不通过",
    "withdraw": "撤销",
    "reopen": "重新打开",
    "change_grade": "变更隐患等级",
    "review_major": "确认重大隐患 / 降为一般",
    "file_report": "填报双报告",
    "regulator_close": "监管部门核查销号",
}


@dataclass(frozen=True)
class Ctx:
    session: Session
    hazard: Hazard
    user: Principal

    @property
    def state(self) -> str:
        return self.hazard.state

    @property
    def role(self) -> str:
        return self.user.role


Guard = Callable[[Ctx], str | None]

# The 挂牌督办 module appends here, e.g. to refuse closing while a supervision case is open.
close_guards: list[Callable[[Session, Hazard], str | None]] = []


def pending_extension(session: Session, hazard_id: int) -> HazardExtension | None:
    return session.scalar(
        select(HazardExtension).where(
            HazardExtension.hazard_id == hazard_id, HazardExtension.status == "pending"
        )
    )


def _general_only(ctx: Ctx) -> str | None:
    return "重大事故隐患不能即查即改，须制定治理方案" if ctx.hazard.grade == "major" else None


def _no_pending_extension(ctx: Ctx) -> str | None:
    if pending_extension(ctx.session, ctx.hazard.id):
        return "已有待审批的延期申请"
    return None


def _extension_decider(ctx: Ctx) -> str | None:
    ext = pending_extension(ctx.session, ctx.hazard.id)
    if ext is None:
        return "没有待审批的延期申请"
    if ctx.hazard.grade == "major":
        return None if ctx.user.role in REGULATOR else "重大事故隐患的延期由监管部门审批"
    if ctx.user.role != "enterprise":
        return "一般隐患的延期由企业安全管理人员审批"
    if ext.requested_by == ctx.user.id:
        return "不能审批自己提出的延期申请"
    return None


def _acceptor(ctx: Ctx) -> str | None:
    if ctx.hazard.grade == "major":
        return None if ctx.user.role in REGULATOR else "重大事故隐患须由监管部门核查验收"
    if ctx.user.role != "enterprise":
        return "一般隐患由企业组织验收"
    if ctx.hazard.rectifier_id == ctx.user.id:
        return "验收人不能是整改人"
    return None


def check_close_guards(session: Session, hazard: Hazard) -> str | None:
    for guard in close_guards:
        reason = guard(session, hazard)
        if reason:
            return reason
    return None


def _can_close(ctx: Ctx) -> str | None:
    return _acceptor(ctx) or check_close_guards(ctx.session, ctx.hazard)


def _regulator_close(ctx: Ctx) -> str | None:
    if ctx.hazard.grade != "major":
        return "只有重大事故隐患由监管部门核查销号"
    return check_close_guards(ctx.session, ctx.hazard)


def _withdrawer(ctx: Ctx) -> str | None:
    if ctx.user.role in REGULATOR:
        return None
    if ctx.hazard.grade == "major":
        return "重大事故隐患只能由监管部门撤销"
    if ctx.hazard.source in ("enforcement", "tip"):
        return "监管部门登记的隐患只能由监管部门撤销"
    return None


def _grade_changer(ctx: Ctx) -> str | None:
    # Enterprises may raise a hazard to 重大 (with a 判定标准 item); only the regulator lowers it.
    if ctx.user.role == "enterprise" and ctx.hazard.grade == "major":
        return "重大事故隐患的等级只能由监管部门变更"
    return None


def _unconfirmed_major(ctx: Ctx) -> str | None:
    if ctx.hazard.grade == "major" and ctx.hazard.major_unconfirmed:
        return None
    return "只有按“其他（依据…）”认定、尚未确认的重大事故隐患需要监管部门确认"


def reports_owed(session: Session, hazard_id: int) -> list[str]:
    """The 双报告 recipients not yet reported to, in REPORT_RECIPIENTS order."""
    done = set(session.scalars(select(HazardReport.recipient).where(HazardReport.hazard_id == hazard_id)))
    return [r for r in REPORT_RECIPIENTS if r not in done]


def _major_only(ctx: Ctx) -> str | None:
    if ctx.hazard.grade != "major":
        return "只有重大事故隐患需要双报告"
    return None if reports_owed(ctx.session, ctx.hazard.id) else "双报告已全部填报"


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("reported", "start_rectification"): ("rectifying", ENTERPRISE, None),
    ("reported", "fix_on_spot"): ("awaiting_acceptance", ENTERPRISE, _general_only),
    ("rectifying", "request_extension"): ("rectifying", ENTERPRISE, _no_pending_extension),
    ("rectifying", "decide_extension"): ("rectifying", BOTH, _extension_decider),
    ("rectifying", "add_progress"): ("rectifying", ENTERPRISE, None),
    ("rectifying", "submit_for_acceptance"): ("awaiting_acceptance", ENTERPRISE, _no_pending_extension),
    ("awaiting_acceptance", "accept"): ("closed", BOTH, _can_close),
    ("awaiting_acceptance", "reject"): ("rectifying", BOTH, _acceptor),
    # A hazard under 挂牌督办 may be rectified under the case without a plan in the register.
    ("reported", "regulator_close"): ("closed", REGULATOR, _regulator_close),
    ("rectifying", "regulator_close"): ("closed", REGULATOR, _regulator_close),
    ("awaiting_acceptance", "regulator_close"): ("closed", REGULATOR, _regulator_close),
    ("reported", "withdraw"): ("withdrawn", BOTH, _withdrawer),
    ("rectifying", "withdraw"): ("withdrawn", BOTH, _withdrawer),
    ("closed", "reopen"): ("rectifying", REGULATOR, None),
    **{(s, "change_grade"): (s, BOTH, _grade_changer) for s in OPEN},
    **{(s, "review_major"): (s, REGULATOR, _unconfirmed_major) for s in OPEN},
    **{(s, "file_report"): (s, ENTERPRISE, _major_only) for s in OPEN},
}
ACTIONS = tuple(dict.fromkeys(action for _, action in TABLE))
# The actions that move a hazard on, by the step they make (accept and reject are both "验收"): pages
# say what a hazard waits for and from whom by evaluating the table for these (app.hazards.next_steps).
# Corrections (撤销, 重新打开, 变更等级, 核查销号 under 督办) are not a next step.
NEXT_STEPS = {
    "start_rectification": "制定整改方案",
    "fix_on_spot": "即查即改",
    "decide_extension": "审批延期申请",
    "submit_for_acceptance": "整改并申请验收",
    "accept": "验收",
    "reject": "验收",
    "review_major": "确认重大事故隐患认定",
    "file_report": "填报双报告",
}


WORKFLOW = TransitionTable(TABLE, "隐患", lambda action: ACTION_LABELS.get(action, action))
refusal = WORKFLOW.refusal
allowed_actions = WORKFLOW.allowed_actions
