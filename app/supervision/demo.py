"""Demo 挂牌督办 cases in every state, listed by the demo city inspector on the demo's 重大 hazards.

Runs after the hazards demo. Idempotent: does nothing when cases exist. Enterprise steps are taken
by a principal of the enterprise itself (no user id), so the history reads like a real case.
"""

import io
import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.attachments.models import Attachment
from app.auth import service as auth
from app.auth.models import User
from app.auth.principal import SYSTEM, Principal
from app.enterprises.models import Enterprise
from app.hazards.demo import demo_photo
from app.hazards.models import Hazard
from app.supervision import service
from app.supervision.models import SupervisionCase
from app.supervision.schemas import ActionIn, CaseIn
from app.timeutil import frozen_at, local_today, utcnow

# The path each demo case walks (after listing); the last one is listed in the past and left overdue.
PATHS: list[list[str]] = [
    [],
    ["acknowledge"],
    ["acknowledge", "report_progress"],
    ["acknowledge", "apply_closure"],
    ["acknowledge", "apply_closure", "assign_verifier"],
    ["acknowledge", "apply_closure", "assign_verifier", "pass_verification"],
    ["revoke"],
    ["acknowledge", "request_extension"],
]
NOTES = {
    "acknowledge": "已签收督办通知书，成立整改领导小组",
    "report_progress": "整改方案已批准，设备已订购，局部停产落实到位",
    "apply_closure": "整改已完成，企业自行组织验收合格，验收报告及照片附后",
    "pass_verification": "经现场核查，整改措施落实到位，准予摘牌销号",
    "revoke": "经复核该隐患不属于重大事故隐患，撤销督办（演示）",
    "request_extension": "关键设备供货周期长，申请延期",
}


def _enterprise_actor(session: Session, ent_id: int) -> Principal:
    ent = session.get_one(Enterprise, ent_id)
    return Principal(
        id=0, username="demo-enterprise", display_name=ent.name, role="enterprise", enterprise_id=ent.id
    )


def load_demo_cases(session: Session) -> int:
    """List some of the demo's open 重大 hazards and walk them into every state. Returns cases created."""
    if session.scalar(select(func.count()).select_from(SupervisionCase)):
        return 0
    user = session.scalar(select(User).where(User.username == "inspector"))
    if user is None:
        return 0
    inspector = auth.principal_for(session, user)
    hazards = list(
        session.scalars(
            select(Hazard)
            .where(Hazard.grade == "major", Hazard.state.in_(("rectifying", "awaiting_acceptance")))
            .order_by(Hazard.id)
            .limit(len(PATHS) + 1)
        )
    )
    today = local_today()
    created = 0
    for i, hazard in enumerate(hazards):
        path = PATHS[i] if i < len(PATHS) else ["acknowledge"]
        overdue = i == len(PATHS)
        body = CaseIn(
            subject_id=hazard.id,
            level=None,
            responsible_unit=session.get_one(Enterprise, hazard.enterprise_id).name,
            requirements="立即采取局部停产等安全措施，落实整改措施、责任、资金、时限和预案，按期完成整改并申请销号。",
            deadline=today + timedelta(days=[60, 45, 30, 90, 20, 15, 40, 120, 30][i % 9]),
        )
        if overdue:
            # Listed 40 days ago with a 30-day deadline: now 10 days overdue.
            with frozen_at(utcnow() - timedelta(days=40)):
                case = service.list_case(
                    session, inspector, body.model_copy(update={"deadline": today - timedelta(days=10)})
                )
        else:
            case = service.list_case(session, inspector, body)
        created += 1
        enterprise = _enterprise_actor(session, case.enterprise_id)
        photo = session.scalar(
            select(Attachment.id)
            .where(Attachment.enterprise_id == case.enterprise_id)
            .order_by(Attachment.id)
        )
        if photo is None and "apply_closure" in path:
            evidence = io.BytesIO(demo_photo(random.Random(case.id)))
            photo = attachments.save_image(
                session, enterprise, evidence, "整改验收照片.png", case.enterprise_id
            ).id
        for action in path if not overdue else ["acknowledge"]:
            actor = (
                enterprise
                if action in ("acknowledge", "report_progress", "apply_closure", "request_extension")
                else inspector
            )
            body_in = ActionIn(
                kind=None,
                level=None,
                department=None,
                version=case.version,
                note=NOTES.get(action),
                attachments=[photo] if action == "apply_closure" and photo else [],
                verifier_id=inspector.id if action == "assign_verifier" else None,
                new_deadline=case.deadline + timedelta(days=60) if action == "request_extension" else None,
            )
            case = service.act(
                session, enterprise if actor is enterprise else inspector, case.id, action, body_in
            )
    if created:
        service.mark_overdue(session, SYSTEM)
    return created
