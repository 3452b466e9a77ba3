"""What a 挂牌督办 case waits for and from whom, read from the transition table (transitions.NEXT_STEPS).

The table is evaluated for a stand-in of the enterprise and of the issuing department, so the case page
says "待本企业整改并申请销号，期限 2026-12-31" or "待督办部门（页测县应急管理局）核查，核查期限 …" without a
rule of its own, and shows the actions the viewer may not take now with the guard's reason.
"""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.principal import Principal
from app.supervision import transitions as t
from app.supervision.models import STATES, SupervisionCase
from app.timeutil import local_today
from app.workflow import nothing_to_wait_for

ENTERPRISE, ISSUER = "企业", "督办部门"
ENTERPRISE_STEPS = {"签收督办通知书", "整改并申请销号"}
VERIFICATION_STEPS = {"指派核查人员", "核查"}


@dataclass(frozen=True)
class NextSteps:
    lines: list[str]
    refused: dict[str, str] = field(default_factory=dict)  # action → why the viewer may not take it now


def parties(session: Session, case: SupervisionCase) -> list[tuple[str, t.Ctx]]:
    enterprise = Principal(
        id=-1, username="", display_name="", role="enterprise", enterprise_id=case.enterprise_id
    )
    issuer = Principal(
        id=-1,
        username="",
        display_name="",
        role="inspector",
        region_code=case.issuer_region_code,
        region_path=case.issuer_region_path,
        department=case.issuer_department,
    )
    return [(ENTERPRISE, t.Ctx(session, case, enterprise)), (ISSUER, t.Ctx(session, case, issuer))]


def describe(
    session: Session, viewer: Principal, case: SupervisionCase, issuer_region_name: str | None
) -> NextSteps:
    own = viewer.role == "enterprise" and viewer.enterprise_id == case.enterprise_id
    text = {
        ENTERPRISE: "本企业" if own else "企业",
        ISSUER: f"督办部门（{issuer_region_name or ''}{case.issuer_department}）",
    }
    today = local_today()
    ps = parties(session, case)
    lines: list[str] = []
    waits = t.WORKFLOW.waiting(t.NEXT_STEPS, ps)
    for w in waits:
        if not w.who:
            continue
        rest = ""
        if w.step in ENTERPRISE_STEPS:
            late = (today - case.deadline).days
            rest = f"，整改期限 {case.deadline.isoformat()}" + (f"（已逾期 {late} 天）" if late > 0 else "")
        if w.step in VERIFICATION_STEPS and case.verification_due:
            rest = f"，核查期限 {case.verification_due.isoformat()}"
        notes: list[str] = []
        verifier = session.get(User, case.verifier_id) if w.step == "核查" and case.verifier_id else None
        if verifier is not None:
            notes.append(f"核查人员：{verifier.display_name}")
        if "approve_extension" in w.actions and case.extension_until:
            notes.append(f"企业申请延至 {case.extension_until.isoformat()}")
        notes += w.held
        if notes:
            rest += f"（{'；'.join(notes)}）"
        lines.append(f"待{'或'.join(text[p] for p in w.who)}{w.step}{rest}")
    if not lines:
        lines = nothing_to_wait_for(waits, STATES[case.state])
    refused = t.WORKFLOW.refused_for(t.Ctx(session, case, viewer), ps) if viewer.role != "township" else {}
    return NextSteps(lines, refused)
