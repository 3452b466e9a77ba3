"""What a hazard waits for and from whom, read from the transition table (transitions.NEXT_STEPS).

The table is evaluated for a stand-in of each party (someone of the enterprise, a regulator) and for the
people the guards single out (the 整改人, the one who asked for the 延期), so a page can say
"待本企业另一名人员验收（验收人不能是整改人：张三）", "待监管部门核查验收" or
"待本企业整改并申请验收，期限 2026-12-31" without a rule of its own, show the actions the viewer may not take
now with the guard's reason, and say what to do when no other account of the enterprise could act.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import Principal
from app.hazards import transitions as t
from app.hazards.models import REPORT_RECIPIENTS, STATES, Hazard
from app.timeutil import local_today
from app.workflow import nothing_to_wait_for

ENTERPRISE, REGULATOR = "企业", "监管部门"
# Steps taken against the rectification deadline: their line gives it.
DEADLINE_STEPS = {"制定整改方案", "即查即改", "整改并申请验收"}
# The same step in the regulator's words (重大事故隐患: the regulator verifies, 16号令).
REGULATOR_WORDING = {"验收": "核查验收"}


@dataclass(frozen=True)
class NextSteps:
    lines: list[str]  # "待本企业整改并申请验收，期限 2026-12-31"
    advice: list[str] = field(default_factory=list)  # what to do when the hazard would be stuck
    refused: dict[str, str] = field(default_factory=dict)  # action → why the viewer may not take it now


def _stand_in(role: str, enterprise_id: int | None = None) -> Principal:
    return Principal(id=-1, username="", display_name="", role=role, enterprise_id=enterprise_id)


def _person(session: Session, user_id: int | None) -> Principal | None:
    user = session.get(User, user_id) if user_id else None
    return auth.principal_for(session, user) if user else None


def _deadline(hazard: Hazard, today: date) -> str:
    if hazard.deadline is None:
        return ""
    late = (today - hazard.deadline).days
    return f"，期限 {hazard.deadline.isoformat()}" + (f"（已逾期 {late} 天）" if late > 0 else "")


def _other_accounts(session: Session, enterprise_id: int, besides: set[int]) -> int:
    stmt = select(func.count(User.id)).where(
        User.enterprise_id == enterprise_id,
        User.role == "enterprise",
        User.is_active.is_(True),
        User.id.not_in(besides),
    )
    return session.scalar(stmt) or 0


def describe(session: Session, viewer: Principal, hazard: Hazard) -> NextSteps:
    own = viewer.role == "enterprise" and viewer.enterprise_id == hazard.enterprise_id
    party_text = {ENTERPRISE: "本企业" if own else "企业", REGULATOR: REGULATOR}
    parties = [
        (ENTERPRISE, t.Ctx(session, hazard, _stand_in("enterprise", hazard.enterprise_id))),
        (REGULATOR, t.Ctx(session, hazard, _stand_in("inspector"))),
    ]
    # The people a guard may single out (each once), by id: to name them and count the other accounts.
    extension = t.pending_extension(session, hazard.id)
    people: list[tuple[str, t.Ctx]] = []
    by_id: dict[int, Principal] = {}
    for user_id in (hazard.rectifier_id, extension.requested_by if extension else None):
        person = _person(session, user_id)
        if person is not None and person.id not in by_id:
            by_id[person.id] = person
            people.append((str(person.id), t.Ctx(session, hazard, person)))
    waits = t.WORKFLOW.waiting(t.NEXT_STEPS, parties, people)
    today = local_today()
    lines: list[tuple[str, list[str], str]] = []  # (who, steps, rest)
    advice: list[str] = []
    for w in waits:
        if not w.who:
            continue
        step = w.step
        if w.who == (REGULATOR,):
            step = REGULATOR_WORDING.get(step, step)
        who = "或".join(party_text[p] for p in w.who)
        rest = _deadline(hazard, today) if w.step in DEADLINE_STEPS and ENTERPRISE in w.who else ""
        notes: list[str] = []
        if "decide_extension" in w.actions and extension is not None:
            notes.append(f"申请延至 {extension.new_deadline.isoformat()}")
        if "file_report" in w.actions:
            owed = t.reports_owed(session, hazard.id)
            notes.append(f"尚未报告：{'、'.join(REPORT_RECIPIENTS[r] for r in owed)}")
        turned_away = {int(key): (by_id[int(key)].display_name, reason) for key, reason in w.refused}
        notes += [f"{reason}：{name}" for name, reason in turned_away.values()] + list(w.held)
        if turned_away:
            who = f"{who}另一名人员"
            advice += _advice(session, viewer, hazard, own, step, turned_away)
        if notes:
            rest += f"（{'；'.join(notes)}）"
        if lines and lines[-1][0] == who and lines[-1][2] == rest:
            lines[-1][1].append(step)  # 制定整改方案或即查即改
        else:
            lines.append((who, [step], rest))
    text = [f"待{who}{'或'.join(steps)}{rest}" for who, steps, rest in lines]
    if not text:
        text = nothing_to_wait_for(waits, STATES[hazard.state])
    viewer_ctx = t.Ctx(session, hazard, viewer)
    refused = t.WORKFLOW.refused_for(viewer_ctx, parties) if viewer.role != "township" else {}
    return NextSteps(text, list(dict.fromkeys(advice)), refused)


def _advice(
    session: Session,
    viewer: Principal,
    hazard: Hazard,
    own: bool,
    step: str,
    refused: dict[int, tuple[str, str]],
) -> list[str]:
    """When the only ones who could act are those the rules turn away: say plainly what to do.
    `refused`: user id → (name, the guard's reason)."""
    if _other_accounts(session, hazard.enterprise_id, set(refused)) > 0:
        return [f"请由本企业另一名人员用自己的账号登录后{step}。"] if viewer.id in refused else []
    why = "；".join(dict.fromkeys(reason for _, reason in refused.values()))
    if own and viewer.id in refused:
        return [
            f"本企业目前只有您（{viewer.display_name}）一个账号，而{why}：请联系系统管理员为本企业另建一个账号，"
            f"由另一名人员用该账号登录后{step}。"
        ]
    names = "、".join(name for name, _ in refused.values())
    return [
        f"该企业目前只有 {names} 一个账号，而{why}：须由系统管理员为该企业另建一个账号，"
        f"由另一名人员登录后{step}。"
    ]
