"""Enterprise tags (涉粉尘, 涉氨制冷, 有限空间 …) for campaign and 安全提示 scopes.

The one source is the enterprise profile of app.credit (enterprise_profiles.tags, edited through
PUT /api/credit/profiles/{id}). The profile stores codes ("dust"); campaigns, notices and the policy
(rules/policies/campaigns.yaml) speak in labels ("涉粉尘"); app.credit.models.TAGS maps one to the other.
`tagged(tags)` is the one place scopes ask "which enterprises carry one of these tags".
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, cast, false, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

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


class _Carries(ColumnElement[bool]):
    """The profile's tags array holds this code; compiled per database (below)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [("code", InternalTraversal.dp_string)]  # the statement cache's key

    def __init__(self, code: str) -> None:
        self.code = code


@compiles(_Carries)
def _carries_text(element: _Carries, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has no "array contains": match the quoted code in the array's text. Codes are a closed set
    # of ASCII words (TAGS), so the quotes make the match exact ("dust" never matches inside another code).
    expr = cast(EnterpriseProfile.tags, String).like(f'%"{element.code}"%')
    return compiler.process(expr, **kw)


@compiles(_Carries, "postgresql")
def _carries_jsonb(element: _Carries, compiler: SQLCompiler, **kw: Any) -> str:
    # JSONB containment: served by the GIN index ix_enterprise_profiles_tags (migration 0027), whose
    # expression also gives the planner statistics (a LIKE over the text was estimated at a few rows
    # whatever the share of tagged enterprises, and the progress query then chose nested loops).
    expr = cast(EnterpriseProfile.tags, JSONB).op("@>")(literal([element.code], JSONB))
    return compiler.process(expr, **kw)


def tagged(tags: Sequence[str]) -> Select[Any]:
    """Ids of the enterprises whose profile carries at least one of the tags."""
    matches = [_Carries(CODES[t]) for t in tags if t in CODES]
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
