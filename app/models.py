"""Imports every domain's models so that Alembic and the mappers see the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, User
from app.enterprises.models import Enterprise
from app.grading.models import EnterpriseLevel, RegionLevel
from app.regions.models import Region

__all__ = [
    "AuditEntry",
    "AuthToken",
    "Enterprise",
    "EnterpriseLevel",
    "LoginAttempt",
    "Region",
    "RegionLevel",
    "User",
]
