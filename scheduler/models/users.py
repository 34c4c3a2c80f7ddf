"""People and teams: users, teams and team memberships."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, UTCDateTime, now_utc, str_enum

EMAIL_MAX = 254
NAME_MAX = 120
TIME_ZONE_MAX = 64


class TeamRole(str, enum.Enum):
    member = "member"
    manager = "manager"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    time_zone: Mapped[str] = mapped_column(sa.String(TIME_ZONE_MAX), default="Europe/London", server_default="Europe/London")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login: the session remembers "<id>:<digest of the password hash>",
    # so changing the password invalidates every other session of this user.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_digest()}"

    def session_digest(self) -> str:
        return hashlib.sha256(self.password_hash.encode("utf-8")).hexdigest()[:16]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def role_in(self, team_id: int) -> TeamRole | None:
        for membership in self.memberships:
            if membership.team_id == team_id:
                return membership.role
        return None

    @property
    def team_ids(self) -> set[int]:
        return {m.team_id for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    time_zone: Mapped[str] = mapped_column(sa.String(TIME_ZONE_MAX), default="Europe/London", server_default="Europe/London")
    # What happens to a post cleared after its time has passed: "expire" (tell
    # the author; never publish an announcement late) or "publish_late".
    late_approval_rule: Mapped[str] = mapped_column(sa.String(24), default="expire", server_default="expire")
    # Escalation: a flagged post that waits longer than this, or is this close
    # to its slot, goes to the deputy (or the admins) and the author is told.
    approval_wait_limit_minutes: Mapped[int] = mapped_column(sa.Integer, default=24 * 60, server_default="1440")
    escalate_minutes_before_slot: Mapped[int] = mapped_column(sa.Integer, default=60, server_default="60")
    # Another team's manager who may decide when this team's managers cannot.
    deputy_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="Membership.id"
    )
    deputy: Mapped["User | None"] = relationship(foreign_keys=[deputy_user_id])

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id", name="uq_memberships_team_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[TeamRole] = mapped_column(
        str_enum(TeamRole, "team_role", length=16),
        default=TeamRole.member,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")
