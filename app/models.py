"""Imports every domain's models so that Alembic and the mappers see the whole schema."""

from app.attachments import models as attachments
from app.audit import models as audit
from app.auth import models as auth
from app.enterprises import models as enterprises
from app.grading import models as grading
from app.hazards import models as hazards
from app.notifications import models as notifications
from app.regions import models as regions
from app.risks import models as risks
from app.scheduler import models as scheduler
from app.supervision import models as supervision

__all__ = [
    "attachments",
    "audit",
    "auth",
    "enterprises",
    "grading",
    "hazards",
    "notifications",
    "regions",
    "risks",
    "scheduler",
    "supervision",
]
