"""The 自查报告 workflow as one table: (state, action) → (next state, roles, guard).

draft/returned —file→ filed —return→ returned —file→ filed —accept→ accepted. A guard looks at who acts
on which report; payload checks (the return reason) live in service.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.campaigns.models import REPORT_STATES, Campaign, CampaignAnswer, CampaignReport
from app.workflow import Transition, TransitionTable

ENTERPRISE = frozenset({"enterprise"})
REGULATOR = frozenset({"inspector", "admin"})

ACTION_LABELS = {"file": "报送自查报告", "return": "退回重新自查", "accept": "审核通过"}


@dataclass(frozen=True)
class Ctx:
    session: Session
    campaign: Campaign
    report: CampaignReport
    user: Principal
    applicable_items: int

    @property
    def state(self) -> str:
        return self.report.state

    @property
    def role(self) -> str:
        return self.user.role


Guard = Callable[[Ctx], str | None]


def has_authority(user: Principal, campaign: Campaign) -> bool:
    """The issuing department, any department of a region above it, or an inspector of a region inside
    the campaign's region (the township or county that supervises the enterprise); admin."""
    if user.is_admin:
        return True
    if user.role != "inspector" or not user.region_path:
        return False
    if user.region_code == campaign.region_code:
        return user.department == campaign.department
    return campaign.region_path.startswith(user.region_path) or user.region_path.startswith(
        campaign.region_path
    )


def _authority(ctx: Ctx) -> str | None:
    if has_authority(ctx.user, ctx.campaign):
        return None
    return "只有组织本次专项整治的部门、其上级部门或属地监管部门可以执行此操作"


def _all_answered(ctx: Ctx) -> str | None:
    answered = ctx.session.scalar(
        select(func.count()).select_from(CampaignAnswer).where(CampaignAnswer.report_id == ctx.report.id)
    )
    missing = ctx.applicable_items - (answered or 0)
    if missing > 0:
        return f"检查清单还有 {missing} 项未填写结果，全部填写后才能报送"
    return None


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("draft", "file"): ("filed", ENTERPRISE, _all_answered),
    ("returned", "file"): ("filed", ENTERPRISE, _all_answered),
    ("filed", "return"): ("returned", REGULATOR, _authority),
    ("filed", "accept"): ("accepted", REGULATOR, _authority),
}


def label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


WORKFLOW = TransitionTable(TABLE, "自查报告", label)
refusal = WORKFLOW.refusal
allowed_actions = WORKFLOW.allowed_actions
STATE_LABELS = REPORT_STATES
