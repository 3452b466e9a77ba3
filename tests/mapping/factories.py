"""Factories for map tests: enterprises with a current level, users of each role."""

from sqlalchemy.orm import Session

from app.enterprises.models import Enterprise
from app.grading.models import EnterpriseLevel
from tests.factories import make_enterprise


def set_level(db: Session, ent: Enterprise, level: str) -> EnterpriseLevel:
    """Give an enterprise a new current level (the previous one becomes history)."""
    for old in db.query(EnterpriseLevel).filter_by(enterprise_id=ent.id, is_current=True):
        old.is_current = False
    row = EnterpriseLevel(
        enterprise_id=ent.id,
        level=level,
        rule_set="enterprise-level@test",
        inputs={},
        trace=[],
        is_current=True,
    )
    db.add(row)
    db.flush()
    return row


def graded(db: Session, region_code: str, level: str | None, **kw: object) -> Enterprise:
    ent = make_enterprise(db, region_code=region_code, **kw)
    if level is not None:
        set_level(db, ent, level)
    return ent
