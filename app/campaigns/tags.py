"""Enterprise tags (涉粉尘, 涉氨制冷, 有限空间 …) for campaign and 安全提示 scopes.

The one source is the enterprise profile of app.credit (enterprise_profiles.tags, edited through
PUT /api/credit/profiles/{id}). The profile stores codes ("dust"); campaigns, notices and the policy
(rules/policies/campaigns.yaml) speak in labels ("涉粉尘"); app.credit.models.TAGS maps one to the other.
`tagged(tags)` is the one place scopes ask "which enterprises carry one of these tags".
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, cast, false, or_, select
from sqlalchemy.orm import Session

from app.credit.models import TAGS, EnterpriseProfile
from app.errors import BadInput
from app.rules_engine import get_registry

CODES = {label: code for code, label in TAGS.items()}


def known_tags() -> list[str]:
    """The policy's tags that the profile can carry (a scope on any other tag could never match)."""
    return [t.tag for t in get_registry().select("campaign_policy").model.tags if t.tag in CODES]


def check_tags(tags: Sequence[str], field: str = "tags") -> list[str]:
    known = known_tags()
    for tag in tags:
        if tag not in known:
            raise BadInput(f"企业标签“{tag}”不在标签目录中，可选：{'、'.join(known)}", field=field)
    return list(dict.fromkeys(tags))


def tagged(tags: Sequence[str]) -> Select[Any]:
    """Ids of the enterprises whose profile carries at least one of the tags.

    The profile keeps its codes in a JSON array. SQLite and PostgreSQL share no "array contains"
    operator, so this matches the quoted code in the array's text: codes are a closed set of ASCII
    words (TAGS), and the quotes make the match exact ("dust" never matches inside another code)."""
    codes = [CODES[t] for t in tags if t in CODES]
    text = cast(EnterpriseProfile.tags, String)
    matches = [text.like(f'%"{code}"%') for code in codes]
    return select(EnterpriseProfile.enterprise_id).where(or_(*matches) if matches else false())


def tags_of(session: Session, enterprise_id: int) -> list[str]:
    """The labels of the enterprise's profile tags (none without a profile)."""
    profile = session.get(EnterpriseProfile, enterprise_id)
    return [TAGS[c] for c in (profile.tags if profile else []) if c in TAGS]


def add_tags(session: Session, enterprise_id: int, tags: Sequence[str]) -> None:
    """Demo data and tests only: add tags (labels) to the enterprise's profile, creating the profile if
    there is none. Users change tags through the profile API, which versions and audits the change."""
    codes = [CODES[t] for t in check_tags(tags)]
    profile = session.get(EnterpriseProfile, enterprise_id)
    if profile is None:
        session.add(EnterpriseProfile(enterprise_id=enterprise_id, tags=codes))
    else:
        profile.tags = list(dict.fromkeys([*profile.tags, *codes]))
    session.flush()
