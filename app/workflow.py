"""Workflows as tables: {(state, action): (next state, roles allowed, guard)}.

A guard looks at who acts on which record and returns a refusal reason, or None. The same table answers
"may this user do this now, and if not, why" and "what may this user do now", so what a page offers is
exactly what the service accepts.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class _Ctx(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def role(self) -> str: ...


C = TypeVar("C", bound=_Ctx)
Transition = tuple[str, frozenset[str], Callable[[C], str | None] | None]


@dataclass(frozen=True)
class TransitionTable(Generic[C]):
    table: Mapping[tuple[str, str], Transition[C]]
    subject: str  # "隐患", "督办事项": used in refusal messages
    label: Callable[[str], str]

    def next_state(self, state: str, action: str) -> str:
        return self.table[(state, action)][0]

    def refusal(self, ctx: C, action: str) -> str | None:
        """Why this user may not take this action now (None: allowed)."""
        entry = self.table.get((ctx.state, action))
        if entry is None:
            return f"{self.subject}当前状态下不能执行“{self.label(action)}”"
        _, roles, guard = entry
        if ctx.role not in roles:
            return f"当前角色不能执行“{self.label(action)}”"
        return guard(ctx) if guard else None

    def allowed_actions(self, ctx: C) -> list[str]:
        return [
            action
            for (state, action) in self.table
            if state == ctx.state and self.refusal(ctx, action) is None
        ]
