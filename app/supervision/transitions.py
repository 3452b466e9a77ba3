"""The 挂牌督办 workflow as one table: (state, action) → (next state, roles, guard).

A guard looks at who acts on which case (not at the request body) and returns a refusal reason or None.
`allowed_actions` evaluates the same table, so what a page offers is exactly what the service accepts.
Payload checks (dates, attachments, verifier) live in service.py next to each action's effect.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app import workdays
from app.auth.principal import Principal
from app.rules_engine import time_limit
from app.supervision.models import LEVEL_ORDER, LEVELS, OPEN_STATES, RUNNING, SupervisionCase
from app.timeutil import local_today
from app.workflow import Transition, TransitionTable

ENTERPRISE = frozenset({"enterprise"})
REGULATOR = frozenset({"inspector", "admin"})

ACTION_LABELS = {
    "acknowledge": "签收督办通知书",
    "report_progress": "报告整改进展",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "不予延期",
    "apply_closure": "申请销号",
    "assign_verifier": "指派核查人员",
    "pass_verification": "核查通过，摘牌销号",
    "fail_verification": "核查不通过，退回整改",
    "revoke": "撤销督办",
    "escalate": "提级督办",
    "record_enforcement": "记录逾期处置（约谈/处罚/停产整顿）",
}
# Written by the daily job and at listing; never offered to a person.
SYSTEM_ACTIONS = {"list": "挂牌督办", "mark_overdue": "逾期未销号"}


@dataclass(frozen=True)
class Ctx:
    session: Session
    case: SupervisionCase
    user: Principal

    @property
    def state(self) -> str:
        return self.case.state

    @property
    def role(self) -> str:
        return self.user.role


Guard = Callable[[Ctx], str | None]


def has_authority(user: Principal, case: SupervisionCase) -> bool:
    """The issuing department, or any department of a region above the issuing region, or admin."""
    if user.is_admin:
        return True
    if user.role != "inspector" or not user.region_path:
        return False
    if user.region_code == case.issuer_region_code:
        return user.department == case.issuer_department
    return case.issuer_region_path.startswith(user.region_path)


def _authority(ctx: Ctx) -> str | None:
    if has_authority(ctx.user, ctx.case):
        return None
    return "只有挂牌督办的部门或其上级部门可以执行此操作"


def extension_latest_request_day(case: SupervisionCase) -> date:
    """The last day a 延期 request is accepted: the policy's lead time before the deadline."""
    lead = time_limit("extension_request_lead")
    return workdays.add_days(case.deadline, -lead.value, lead.unit)


def _extension_requestable(ctx: Ctx) -> str | None:
    if ctx.case.extension_until is not None:
        return "已有待审批的延期申请"
    latest = extension_latest_request_day(ctx.case)
    if local_today() > latest:
        lead = time_limit("extension_request_lead")
        unit = "个工作日" if lead.unit == "working_days" else "日"
        return (
            f"延期申请须在整改期限（{ctx.case.deadline.isoformat()}）届满前 {lead.value}{unit}提出，"
            f"最迟 {latest.isoformat()}"
        )
    return None


def _extension_pending(ctx: Ctx) -> str | None:
    if ctx.case.extension_until is None:
        return "没有待审批的延期申请"
    return _authority(ctx)


def _no_pending_extension(ctx: Ctx) -> str | None:
    return "有待审批的延期申请，请等待审批结果" if ctx.case.extension_until is not None else None


def _escalatable(ctx: Ctx) -> str | None:
    if ctx.case.level == LEVEL_ORDER[-1]:
        return "已是省级挂牌督办，不能再提级"
    user = ctx.user
    if not user.is_admin:
        # Depth of the inspector's region: 1 province, 2 city, 3 county.
        depth = len([c for c in user.region_path.split("/") if c])
        if depth == 0 or depth > len(LEVEL_ORDER) or 3 - depth <= LEVEL_ORDER.index(ctx.case.level):
            return f"提级督办须由上级部门执行：当前为{LEVELS[ctx.case.level]}督办"
    return _authority(ctx)


def _overdue(ctx: Ctx) -> str | None:
    if ctx.case.deadline >= local_today():
        return f"整改期限 {ctx.case.deadline.isoformat()} 尚未届满，不能记录逾期处置"
    return _authority(ctx)


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("listed", "acknowledge"): ("rectifying", ENTERPRISE, None),
    ("rectifying", "report_progress"): ("rectifying", ENTERPRISE, None),
    **{(s, "request_extension"): (s, ENTERPRISE, _extension_requestable) for s in RUNNING},
    **{(s, "approve_extension"): (s, REGULATOR, _extension_pending) for s in RUNNING},
    **{(s, "refuse_extension"): (s, REGULATOR, _extension_pending) for s in RUNNING},
    ("rectifying", "apply_closure"): ("closure_applied", ENTERPRISE, _no_pending_extension),
    ("closure_applied", "assign_verifier"): ("verifying", REGULATOR, _authority),
    ("verifying", "pass_verification"): ("closed", REGULATOR, _authority),
    ("verifying", "fail_verification"): ("rectifying", REGULATOR, _authority),
    **{(s, "revoke"): ("revoked", REGULATOR, _authority) for s in OPEN_STATES},
    **{(s, "escalate"): (s, REGULATOR, _escalatable) for s in OPEN_STATES},
    **{(s, "record_enforcement"): (s, REGULATOR, _overdue) for s in RUNNING},
}
ACTIONS = tuple(dict.fromkeys(action for _, action in TABLE))
# The actions that move a case on, by the step they make (pass and fail are both "核查"): pages say what
# a case waits for and from whom by evaluating the table for these (app.supervision.next_steps).
NEXT_STEPS = {
    "acknowledge": "签收督办通知书",
    "apply_closure": "整改并申请销号",
    "approve_extension": "审批延期申请",
    "refuse_extension": "审批延期申请",
    "assign_verifier": "指派核查人员",
    "pass_verification": "核查",
    "fail_verification": "核查",
}


def label(action: str) -> str:
    return ACTION_LABELS.get(action) or SYSTEM_ACTIONS.get(action, action)


WORKFLOW = TransitionTable(TABLE, "督办事项", label)
refusal = WORKFLOW.refusal
allowed_actions = WORKFLOW.allowed_actions
