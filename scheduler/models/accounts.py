"""Shared official accounts, the teams granted them, and connect flows in progress.

Token material lives only in `AccountCredential`, written and read by
scheduler.vault and nothing else.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, UTCDateTime, now_utc, str_enum
from scheduler.models.users import Team, User


class AccountStatus(str, enum.Enum):
    connected = "connected"
    needs_reconnect = "needs_reconnect"
    disconnected = "disconnected"


class AccountPurpose(str, enum.Enum):
    """What the guidelines call an official channel: a unit's or initiative's, or
    an individual's profile as a member of staff."""

    unit = "unit"
    individual = "individual"


class SocialAccount(Base):
    __tablename__ = "social_accounts"
    __table_args__ = (sa.UniqueConstraint("platform", "external_id", name="uq_social_accounts_platform_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(sa.String(20))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))  # user, page, organization
    name: Mapped[str] = mapped_column(sa.String(200))
    handle: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    url: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)
    purpose_kind: Mapped[AccountPurpose] = mapped_column(str_enum(AccountPurpose, "account_purpose"))
    purpose: Mapped[str] = mapped_column(sa.String(300))
    owning_team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    is_alumni_channel: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    status: Mapped[AccountStatus] = mapped_column(str_enum(AccountStatus, "account_status"),
                                                  default=AccountStatus.connected)
    status_reason: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)
    scopes: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Whether the vault holds a refresh token (a fact about the token, never the token).
    can_refresh: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    connected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    owning_team: Mapped[Team] = relationship()
    connected_by: Mapped[User | None] = relationship()
    grants: Mapped[list["AccountGrant"]] = relationship(back_populates="account", cascade="all, delete-orphan",
                                                        order_by="AccountGrant.id")

    @property
    def visible_to_team_ids(self) -> set[int]:
        """Teams that may see this account: the owner and every grantee."""
        return {self.owning_team_id} | {g.team_id for g in self.grants}

    @property
    def granted_team_ids(self) -> set[int]:
        return {g.team_id for g in self.grants}

    def __repr__(self) -> str:
        return f"<SocialAccount {self.id} {self.platform}:{self.external_id}>"


class AccountGrant(Base):
    """A team's right to publish through an account."""

    __tablename__ = "account_grants"
    __table_args__ = (sa.UniqueConstraint("account_id", "team_id", name="uq_account_grants_account_team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    account: Mapped[SocialAccount] = relationship(back_populates="grants")
    team: Mapped[Team] = relationship()


class AccountCredential(Base):
    """Encrypted tokens of one account. Only scheduler.vault touches this table."""

    __tablename__ = "account_credentials"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("social_accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    access_token_encrypted: Mapped[str] = mapped_column(sa.Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    token_type: Mapped[str] = mapped_column(sa.String(20), default="bearer")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class OAuthAttempt(Base):
    """An admin's connect (or reconnect) flow between redirect and final choice.

    The state is stored only as a digest; the PKCE verifier and, after the
    callback, the tokens awaiting the admin's choice of pages are vault-encrypted.
    """

    __tablename__ = "oauth_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    platform: Mapped[str] = mapped_column(sa.String(20))
    admin_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    code_verifier_encrypted: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    reconnect_account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("social_accounts.id", ondelete="CASCADE"), nullable=True)
    purpose_kind: Mapped[AccountPurpose] = mapped_column(str_enum(AccountPurpose, "account_purpose"))
    purpose: Mapped[str] = mapped_column(sa.String(300))
    owning_team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    is_alumni_channel: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    authorization_encrypted: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
