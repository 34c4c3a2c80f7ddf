"""All models, imported here so Alembic and the app see the whole schema."""
from scheduler.models.accounts import (AccountCredential, AccountGrant, AccountPurpose, AccountStatus,
                                       OAuthAttempt, SocialAccount)
from scheduler.models.audit import AuditChainHead, AuditEvent
from scheduler.models.base import Base, UTCDateTime, now_utc
from scheduler.models.notifications import Notification
from scheduler.models.policy import PolicyVersion
from scheduler.models.posts import (FINAL_TARGET_STATES, Approval, ApprovalDecision, GateVerdict, LateApprovalRule,
                                    Post, PostingSlot, PostState, PostTarget, PublishAttempt, TargetState)
from scheduler.models.security import FailedLogin
from scheduler.models.users import Membership, Team, TeamRole, User

__all__ = ["AuditChainHead", "AccountCredential", "AccountGrant", "AccountPurpose", "AccountStatus", "AuditEvent", "Notification",
           "OAuthAttempt", "SocialAccount", "PolicyVersion", "FINAL_TARGET_STATES", "Approval", "ApprovalDecision", "GateVerdict",
           "LateApprovalRule", "Post", "PostingSlot", "PostState", "PostTarget", "PublishAttempt", "TargetState", "Base", "FailedLogin", "Membership", "Team", "TeamRole", "User", "UTCDateTime", "now_utc"]
