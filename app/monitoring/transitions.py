"""The alarm lifecycle as one table: 报警 → 确认 → 处置 → 消警."""

from dataclasses import dataclass

from app.auth.principal import Principal
from app.monitoring.models import Alarm
from app.workflow import Transition, TransitionTable

OPERATORS = frozenset({"enterprise", "admin"})

ACTION_LABELS = {"acknowledge": "确认报警", "dispose": "记录处置", "clear": "消警"}
SYSTEM_ACTIONS = {"open": "报警", "escalate": "超时未确认，通知包保责任人和监管部门"}


@dataclass(frozen=True)
class Ctx:
    alarm: Alarm
    user: Principal

    @property
    def state(self) -> str:
        return self.alarm.state

    @property
    def role(self) -> str:
        return self.user.role


def _back_to_normal(ctx: Ctx) -> str | None:
    if ctx.alarm.returned_at is None:
        if ctx.alarm.kind == "stale":
            return "测点数据尚未恢复上传，不能消警"
        return "测点数值尚未恢复到报警限以内，不能消警"
    return None


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("open", "acknowledge"): ("acknowledged", OPERATORS, None),
    ("acknowledged", "dispose"): ("disposed", OPERATORS, None),
    ("disposed", "clear"): ("cleared", OPERATORS, _back_to_normal),
}
ACTIONS = tuple(dict.fromkeys(action for _, action in TABLE))


def label(action: str) -> str:
    return ACTION_LABELS.get(action) or SYSTEM_ACTIONS.get(action, action)


WORKFLOW = TransitionTable(TABLE, "报警", label)
refusal = WORKFLOW.refusal
allowed_actions = WORKFLOW.allowed_actions
