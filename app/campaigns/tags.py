"""Enterprise tags (涉粉尘, 涉氨制冷, 有限空间 …) for campaign and 安全提示 scopes.

`tagged(tags)` is the one place scopes ask "which enterprises carry one of these tags". Today it reads
campaign_enterprise_tags (set by a department through PUT /api/enterprises/{id}/campaign-tags); when the
enterprise profile of app.credit (table enterprise_profiles) carries tags, this function is where its rows
join in, and no scope query changes.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import Session

from app.campaigns.models import EnterpriseTag
from app.errors import BadInput
from app.rules_engine import get_registry


def known_tags() -> list[str]:
    return [t.tag for t in get_registry().select("campaign_policy").model.tags]


def check_tags(tags: Sequence[str], field: str = "tags") -> list[str]:
    known = known_tags()
    for tag in tags:
        if tag not in known:
            raise BadInput(f"企业标签“{tag}”不在标签目录中，可选：{'、'.join(known)}", field=field)
    return list(dict.fromkeys(tags))


def tagged(tags: Sequence[str]) -> Select[Any]:
    """Ids of the enterprises that carry at least one of the tags."""
    return select(EnterpriseTag.enterprise_id).where(EnterpriseTag.tag.in_(list(tags)))


def tags_of(session: Session, enterprise_id: int) -> list[str]:
    return list(
        session.scalars(
            select(EnterpriseTag.tag)
            .where(EnterpriseTag.enterprise_id == enterprise_id)
            .order_by(EnterpriseTag.tag)
        )
    )


def set_tags(session: Session, enterprise_id: int, tags: Sequence[str]) -> list[str]:
    wanted = check_tags(tags)
    session.execute(delete(EnterpriseTag).where(EnterpriseTag.enterprise_id == enterprise_id))
    if wanted:
        session.execute(insert(EnterpriseTag), [{"enterprise_id": enterprise_id, "tag": t} for t in wanted])
    return wanted
