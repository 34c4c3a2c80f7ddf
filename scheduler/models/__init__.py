"""All models, imported here so Alembic and the app see the whole schema."""
from scheduler.models.audit import AuditEvent
from scheduler.models.base import Base, UTCDateTime, now_utc
from scheduler.models.security import FailedLogin
from scheduler.models.users import Membership, Team, TeamRole, User

__all__ = ["AuditEvent", "Base", "FailedLogin", "Membership", "Team", "TeamRole", "User", "UTCDateTime", "now_utc"]
