"""Imports every domain's models so that Alembic and the mappers see the whole schema."""

from app.attachments.models import Attachment
from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, User
from app.enterprises.models import Enterprise
from app.grading.models import EnterpriseLevel, RegionLevel
from app.hazards.models import (  # noqa: E501
    CheckItem,
    CheckList,
    CheckPlan,
    CheckResult,
    CheckTask,
    Hazard,
    HazardEvent,
    HazardExtension,
    HazardReport,
    Tip,
)
from app.notifications import models as notifications_models  # noqa: F401  (inbox, deliveries)
from app.regions.models import Region
from app.risks import models as risks_models  # noqa: F401  (risk register tables)
from app.scheduler import models as scheduler_models  # noqa: F401  (job runs, leases, 双随机 plans)
from app.supervision import models as supervision_models  # noqa: F401  (挂牌督办 tables)

__all__ = [
    "Attachment",
    "CheckItem",
    "CheckList",
    "CheckPlan",
    "CheckResult",
    "CheckTask",
    "Hazard",
    "HazardEvent",
    "HazardExtension",
    "HazardReport",
    "Tip",
    "AuditEntry",
    "AuthToken",
    "Enterprise",
    "EnterpriseLevel",
    "LoginAttempt",
    "Region",
    "RegionLevel",
    "User",
]
