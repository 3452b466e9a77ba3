"""The 企业 field of regulator forms (accepting a 举报): people type a name or a 统一社会信用代码; the page
resolves it among the enterprises the viewer can read (enterprises.list_enterprises applies the scope).

`choices` feeds a <datalist> (at most DATALIST_LIMIT labels "名称（信用代码）"), so the browser offers
completions as one types; anything typed is still looked up over the whole scope. Nothing is guessed:
only an exact name, code or label is taken; a partial name comes back as a message with the candidates.
"""

import re

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise

DATALIST_LIMIT = 300
CANDIDATES = 8
_CODE = re.compile(r"[0-9A-Z]{18}")
_LABEL_CODE = re.compile(r"（([0-9A-Z]{18})）$")


def label(ent: Enterprise) -> str:
    return f"{ent.name}（{ent.credit_code}）" if ent.credit_code else ent.name


def choices(session: Session, user: Principal) -> list[str]:
    rows = enterprises.list_enterprises(session, user, after_id=None, limit=DATALIST_LIMIT)
    return sorted(label(e) for e in rows)


def resolve(session: Session, user: Principal, value: str | None) -> tuple[int | None, str | None, str]:
    """(enterprise id, None, label) or (None, message, value to show in the field)."""
    text = (value or "").strip()
    if not text:
        return None, "必填：请输入企业名称或统一社会信用代码", ""
    found = _LABEL_CODE.search(text)
    code = found.group(1) if found else (text.upper() if _CODE.fullmatch(text.upper()) else None)
    if code:
        hits = [
            e for e in enterprises.list_enterprises(session, user, q=code, limit=5) if e.credit_code == code
        ]
        if len(hits) == 1:
            return hits[0].id, None, label(hits[0])
    name = _LABEL_CODE.sub("", text)
    rows = enterprises.list_enterprises(session, user, q=name, limit=50)
    exact = [e for e in rows if e.name == name]
    if len(exact) == 1:
        return exact[0].id, None, label(exact[0])
    if not rows:
        return None, f"本辖区内没有名称或统一社会信用代码为“{text}”的企业", text
    if len(rows) == 1:
        return None, f"您要找的是“{label(rows[0])}”吗？请确认后再提交", label(rows[0])
    some = "、".join(label(e) for e in rows[:CANDIDATES])
    more = f"等 {len(rows)} 家" if len(rows) > CANDIDATES else ""
    return None, f"名称含“{name}”的企业有：{some}{more}，请输入完整名称或统一社会信用代码", text
