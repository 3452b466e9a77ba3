"""Workflows as tables: {(state, action): (next state, roles allowed, guard)}.

A guard looks at who acts on which record and returns a refusal reason, or None. The same table answers
"may this user do this now, and if not, why" and "what may this user do now", so what a page offers is
exactly what the service accepts.
"""

from collections.abc import Callable, Mapping, Sequence
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
class Waiting:
    """One next step of a record, read from the table: the actions of the current state that make it
    and who may take them now.

    `who`: the labels of the parties (a stand-in user each: "企业", "监管部门") that may take at least one
    of the actions. `refused`: named people of such a party whom a guard turns away, with the reason (the
    整改人 may not accept). `held`: why an action of the step is held up for every party (a hazard under
    挂牌督办 is not accepted in the register); when `who` is empty, why nobody may take the step now."""

    step: str
    actions: tuple[str, ...]
    who: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()
    held: tuple[str, ...] = ()


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

    def _guard_says(self, ctx: C, action: str) -> str | None:
        """The guard's refusal for someone of a role the action allows (None: allowed, or not the role)."""
        _, roles, guard = self.table[(ctx.state, action)]
        if ctx.role not in roles or guard is None:
            return None
        return guard(ctx)

    def waiting(
        self,
        steps: Mapping[str, str],
        parties: Sequence[tuple[str, C]],
        people: Sequence[tuple[str, C]] = (),
    ) -> list[Waiting]:
        """What the record waits for: the actions of the current state named in `steps` (action → the step
        it makes; accept and reject both make "验收"), and for each step which `parties` (label, context
        with a stand-in user of that party, all in the record's current state) may take one of them now.
        `people` (label, context of a real person) are checked as well, so a step can say who may not."""
        state = parties[0][1].state
        groups: dict[str, list[str]] = {}
        for s, action in self.table:
            if s == state and action in steps:
                groups.setdefault(steps[action], []).append(action)
        out: list[Waiting] = []
        for step, actions in groups.items():
            who = [label for label, ctx in parties if any(self.refusal(ctx, a) is None for a in actions)]
            roles = {ctx.role for label, ctx in parties if label in who}
            refused: list[tuple[str, str]] = []
            for name, ctx in people:
                reasons = [self.refusal(ctx, a) for a in actions]
                if ctx.role in roles and all(reasons) and (name, str(reasons[0])) not in refused:
                    refused.append((name, str(reasons[0])))
            held: list[str] = []
            for a in actions:
                allowed = [ctx for _, ctx in parties if ctx.role in self.table[(state, a)][1]]
                answers = [self._guard_says(ctx, a) for ctx in allowed]
                if answers and all(answers):
                    # Held for everyone: say why for the party that takes the step (or for every party).
                    held += [str(self._guard_says(c, a)) for c in allowed if not who or c.role in roles]
            out.append(Waiting(step, tuple(actions), tuple(who), tuple(refused), tuple(dict.fromkeys(held))))
        return out

    def refused_for(self, viewer: C, parties: Sequence[tuple[str, C]]) -> dict[str, str]:
        """Actions of the current state that someone of the viewer's party may take now but the viewer may
        not, with the guard's reason: a page shows them disabled with the reason, before any click."""
        out: dict[str, str] = {}
        for s, action in self.table:
            if s != viewer.state:
                continue
            reason = self.refusal(viewer, action)
            if reason and any(c.role == viewer.role and self.refusal(c, action) is None for _, c in parties):
                out[action] = reason
        return out


def nothing_to_wait_for(waits: list[Waiting], state_label: str) -> list[str]:
    """The next-step line when no party can move the record on: what holds it up, or that it has ended."""
    held = [r for w in waits for r in w.held]
    if held:
        return [f"暂不能继续办理：{'；'.join(dict.fromkeys(held))}"]
    return [f"{state_label}，流程已结束"]
