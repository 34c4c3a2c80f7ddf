"""Posts, their per-account targets, gate verdicts, approvals and publish attempts."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.accounts import SocialAccount
from scheduler.models.base import Base, UTCDateTime, now_utc, str_enum
from scheduler.models.users import Team, User


class PostState(str, enum.Enum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    scheduled = "scheduled"      # cleared; its targets publish when due
    completed = "completed"      # every target reached a final state
    rejected = "rejected"
    cancelled = "cancelled"
    expired = "expired"          # its time passed before it was cleared


class TargetState(str, enum.Enum):
    pending = "pending"          # the post is not cleared yet
    scheduled = "scheduled"
    publishing = "publishing"    # claimed by a worker
    published = "published"
    failed = "failed"
    unconfirmed = "unconfirmed"  # sent, outcome unknown: a person decides
    held = "held"                # the account needs reconnecting
    cancelled = "cancelled"
    expired = "expired"


FINAL_TARGET_STATES = frozenset({TargetState.published, TargetState.failed, TargetState.unconfirmed,
                                 TargetState.cancelled, TargetState.expired})


class LateApprovalRule(str, enum.Enum):
    publish_late = "publish_late"
    expire = "expire"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # Whoever last changed the content: like the author, they may not sign it off (four eyes).
    last_editor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                       nullable=True)
    text: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    media: Mapped[list] = mapped_column(sa.JSON, default=list)
    declarations: Mapped[list] = mapped_column(sa.JSON, default=list)
    state: Mapped[PostState] = mapped_column(str_enum(PostState, "post_state"), default=PostState.draft, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    team: Mapped[Team] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    targets: Mapped[list["PostTarget"]] = relationship(back_populates="post", cascade="all, delete-orphan",
                                                       order_by="PostTarget.id")


class PostTarget(Base):
    """One post on one account: its own text variant, state, outcome and history."""

    __tablename__ = "post_targets"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "account_id", name="uq_post_targets_post_account"),
        sa.Index("ix_post_targets_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("social_accounts.id", ondelete="RESTRICT"), index=True)
    text_variant: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    state: Mapped[TargetState] = mapped_column(str_enum(TargetState, "target_state"), default=TargetState.pending)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    claim_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    external_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    external_url: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[SocialAccount] = relationship()
    attempts_log: Mapped[list["PublishAttempt"]] = relationship(back_populates="target", cascade="all, delete-orphan",
                                                                order_by="PublishAttempt.id")

    @property
    def team_id(self) -> int:  # authorisation looks objects up by team
        return self.post.team_id

    @property
    def text(self) -> str:
        return self.text_variant if self.text_variant else self.post.text


class PublishAttempt(Base):
    __tablename__ = "publish_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("post_targets.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(30))
    message: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    job_id: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)

    target: Mapped[PostTarget] = relationship(back_populates="attempts_log")


class GateVerdict(Base):
    """The gate's decision on one exact content, under one policy version."""

    __tablename__ = "gate_verdicts"
    __table_args__ = (sa.Index("ix_gate_verdicts_lookup", "post_id", "content_hash", "policy_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    policy_version: Mapped[str] = mapped_column(sa.String(80))
    decision: Mapped[str] = mapped_column(sa.String(20))
    flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ApprovalDecision(str, enum.Enum):
    approved = "approved"
    changes_requested = "changes_requested"
    rejected = "rejected"


class Approval(Base):
    """A manager's decision, bound to the exact content (hash) they saw."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    decision: Mapped[ApprovalDecision] = mapped_column(str_enum(ApprovalDecision, "approval_decision"))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    policy_version: Mapped[str] = mapped_column(sa.String(80))
    note: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    manager: Mapped[User] = relationship()


class PostingSlot(Base):
    """A weekly posting time for one account and team, in the team's time zone."""

    __tablename__ = "posting_slots"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "team_id", "weekday", "minute_of_day", name="uq_posting_slots_time"),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("minute_of_day >= 0 AND minute_of_day < 1440", name="minute_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(sa.Integer)  # Monday = 0
    minute_of_day: Mapped[int] = mapped_column(sa.Integer)
