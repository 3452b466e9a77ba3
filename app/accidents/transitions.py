"""The 事故调查 workflow as one table: (state, action) → (next state, roles, guard).

报告 → 调查 (team, 60 days, one extension ≤ 60 days) → 调查报告 → 批复结案 → 待整改评估 (raised by the
daily job from 结案 + 10 months, 安委办〔2021〕4号 第三条) → 评估完成. Payload checks live in service.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.accidents.models import STATES, Accident
from app.auth.principal import Principal
from app.workflow import Transition, TransitionTable

REGULATOR = frozenset({"inspector", "admin"})
SYSTEM_ROLES = frozenset({"admin"})

ACTION_LABELS = {
    "start_investigation": "成立调查组，开始调查",
    "extend_investigation": "延长调查期限",
    "submit_report": "提交事故调查报告",
    "close": "批复结案",
    "open_evaluation": "启动整改评估",
    "record_evaluation": "记录整改评估结论",
}
SYSTEM_ACTIONS = {"report": "事故报告", "open_evaluation": "启动整改评估（定时任务）"}


@dataclass(frozen=True)
class Ctx:
    session: Session
    accident: Accident
    user: Principal
    today: date

    @property
    def state(self) -> str:
        return self.accident.state

    @property
    def role(self) -> str:
        return self.user.role


Guard = Callable[[Ctx], str | None]


def _not_extended(ctx: Ctx) -> str | None:
    if ctx.accident.extension_days:
        return "调查期限已经延长过一次，不能再次延长（国务院令第493号 第二十九条：延长的期限最长不超过60日）"
    return None


def _window_open(ctx: Ctx) -> str | None:
    opens = ctx.accident.evaluation_opens_on
    if opens is not None and ctx.today < opens:
        return (
            f"整改评估自 {opens.isoformat()} 起开展"
            "（安委办〔2021〕4号 第三条：事故结案后10个月至1年内组织评估）"
        )
    return None


def _label(action: str) -> str:
    return ACTION_LABELS.get(action) or SYSTEM_ACTIONS.get(action) or action


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("reported", "start_investigation"): ("investigating", REGULATOR, None),
    ("investigating", "extend_investigation"): ("investigating", REGULATOR, _not_extended),
    ("investigating", "submit_report"): ("report_submitted", REGULATOR, None),
    ("report_submitted", "close"): ("closed", REGULATOR, None),
    # Raised by the daily job (actor SYSTEM, role admin) once the evaluation window opens.
    ("closed", "open_evaluation"): ("evaluation_due", SYSTEM_ROLES, _window_open),
    ("evaluation_due", "record_evaluation"): ("evaluated", REGULATOR, None),
}

WORKFLOW: TransitionTable[Ctx] = TransitionTable(TABLE, subject="事故", label=_label)
PERSON_ACTIONS = tuple(ACTION_LABELS)


def state_label(state: str) -> str:
    return STATES.get(state, state)
