"""Demo data: 涉粉尘 tags on the demo's 工贸 enterprises, one city 专项整治 for them, and one 安全提示."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.models import User
from app.campaigns import notices, service
from app.campaigns.schemas import CampaignIn, NoticeIn
from app.campaigns.tags import add_tags
from app.enterprises.models import Enterprise
from app.timeutil import local_today

TRADE = ("machinery", "light_industry", "building_materials", "metallurgy", "nonferrous", "textile")


def load_demo_campaigns(session: Session) -> None:
    inspector = session.scalar(select(User).where(User.role == "inspector").order_by(User.id))
    if inspector is None:
        return
    user = auth.principal_for(session, inspector)
    own = session.scalar(select(User.enterprise_id).where(User.role == "enterprise").order_by(User.id))
    stmt = select(Enterprise.id).where(Enterprise.industry.in_(TRADE)).order_by(Enterprise.id).limit(30)
    dusty = list(dict.fromkeys([*([own] if own else []), *session.scalars(stmt)]))
    for ent_id in dusty:
        add_tags(session, ent_id, ["涉粉尘"])
    today = local_today()
    data = CampaignIn.model_validate(
        {
            "title": "粉尘涉爆企业专项整治（演示）",
            "basis_number": "演示〔2026〕1号",
            "scope": {"tags": ["涉粉尘"]},
            "starts_on": (today - timedelta(days=5)).isoformat(),
            "ends_on": (today + timedelta(days=85)).isoformat(),
            "own_items": [{"text": "除尘系统是否按班次清灰并记录"}],
        }
    )
    service.create_campaign(session, user, data)
    notices.send(session, user, NoticeIn(template="flood", scope={"tags": ["涉粉尘"]}))  # type: ignore[arg-type]
