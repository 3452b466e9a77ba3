"""Imports every domain's models so that Alembic and the mappers see the whole schema."""

from app.accidents import models as accidents
from app.assessment import models as assessment
from app.attachments import models as attachments
from app.audit import models as audit
from app.auth import models as auth
from app.campaigns import models as campaigns
from app.credit import models as credit
from app.documents import models as documents
from app.enforcement import models as enforcement
from app.enterprises import models as enterprises
from app.grading import models as grading
from app.hazards import models as hazards
from app.monitoring import models as monitoring
from app.notifications import models as notifications
from app.regions import models as regions
from app.risks import models as risks
from app.scheduler import models as scheduler
from app.supervision import models as supervision

__all__ = [
    "accidents",
    "assessment",
    "attachments",
    "audit",
    "auth",
    "documents",
    "enforcement",
    "campaigns",
    "credit",
    "enterprises",
    "grading",
    "hazards",
    "monitoring",
    "notifications",
    "regions",
    "risks",
    "scheduler",
    "supervision",
]
