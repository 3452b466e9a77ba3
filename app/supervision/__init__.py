"""挂牌督办 (listed supervision of major hazards).

Importing the package (app.models does) registers the hazard close guard: a hazard under an open
supervision case can only be closed through the case's verification (摘牌销号).
"""

from typing import Any

from sqlalchemy.orm import Session

from app.hazards import transitions as _hazard_transitions


def _close_guard(session: Session, hazard: Any) -> str | None:
    from app.supervision.service import hazard_close_guard

    return hazard_close_guard(session, hazard)


if not any(g.__module__ == __name__ for g in _hazard_transitions.close_guards):
    _hazard_transitions.close_guards.append(_close_guard)
