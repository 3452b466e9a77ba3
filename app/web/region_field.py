"""The 行政区 field of the list pages: people type a name (海港区) or a code; the page resolves it.

The API's `region` stays a code. A name is looked up among the regions the viewer can see (their own
region and everything below it; every region for admin); none or several matches come back as a message
for beside the field, never an error page. `names` feeds a <datalist> so the browser offers completions.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.regions.models import Region

DATALIST_LIMIT = 300
DATALIST_LEVELS = ("county", "township")


def _visible(user: Principal) -> str:
    """LIKE pattern of the paths of the regions the viewer can see."""
    return f"{user.region_path}%"


def resolve(session: Session, user: Principal, value: str | None) -> tuple[str | None, str | None]:
    """(region code, None), or (None, message) when the name or code matches no / several regions."""
    value = (value or "").strip()
    if not value:
        return None, None
    if value.isdigit():
        if session.get(Region, value) is None:
            return None, f"没有找到代码为“{value}”的行政区"
        return value, None
    found = list(
        session.scalars(
            select(Region)
            .where(Region.name == value, Region.path.like(_visible(user)))
            .order_by(Region.code)
            .limit(20)
        )
    )
    if not found:
        return None, f"没有找到名为“{value}”的行政区"
    if len(found) == 1:
        return found[0].code, None
    parents = {
        r.code: r.name
        for r in session.scalars(select(Region).where(Region.code.in_({r.parent_code for r in found})))
    }
    choices = "、".join(f"{parents.get(r.parent_code or '', '')}{r.name}（{r.code}）" for r in found)
    return None, f"有多个名为“{value}”的行政区：{choices}，请输入代码"


def names(session: Session, user: Principal) -> list[str]:
    """Names of the counties and townships the viewer can see, for the field's <datalist>."""
    rows = session.scalars(
        select(Region.name)
        .where(Region.level.in_(DATALIST_LEVELS), Region.path.like(_visible(user)))
        .order_by(Region.code)
        .limit(DATALIST_LIMIT)
    )
    return list(dict.fromkeys(rows))
