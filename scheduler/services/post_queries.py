"""Read-only questions about posts for the pages and the API: filtered lists, latest verdicts, offered accounts.

Nothing here changes a row; use cases that do live in scheduler.services.posts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.models import (AccountGrant, AccountStatus, Approval, GateVerdict, Post, PostingSlot, PostState, PostTarget,
                              SocialAccount, Team)
from scheduler.services.errors import InvalidInput

ORDERS = {"newest": (Post.created_at.desc(), Post.id.desc()),
          "scheduled": (Post.scheduled_at.asc(), Post.id.asc())}


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def team_posts(team: Team, *, state: str | None = None, account_id: int | None = None,
               scheduled_from: datetime | None = None, scheduled_before: datetime | None = None,
               order: str = "newest", page: int = 1, per_page: int = 20) -> PostPage:
    """One page of a team's posts, filtered by state, target account and scheduled time [from, before)."""
    query = sa.select(Post).where(Post.team_id == team.id)
    if state:
        if state not in PostState.__members__:
            raise InvalidInput("state must be one of: " + ", ".join(PostState.__members__) + ".", "state")
        query = query.where(Post.state == PostState(state))
    if account_id is not None:
        query = query.where(Post.id.in_(sa.select(PostTarget.post_id).where(PostTarget.account_id == account_id)))
    if scheduled_from is not None:
        query = query.where(Post.scheduled_at >= scheduled_from)
    if scheduled_before is not None:
        query = query.where(Post.scheduled_at < scheduled_before)
    if order not in ORDERS:
        raise InvalidInput("order must be newest or scheduled.", "order")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    posts = db.session.scalars(query.order_by(*ORDERS[order]).limit(per_page).offset((page - 1) * per_page)).all()
    return PostPage(list(posts), total, page, per_page)


def latest_verdict(post: Post) -> GateVerdict | None:
    """The gate's most recent verdict on the post's current content (None if never checked)."""
    return db.session.scalar(sa.select(GateVerdict).where(
        GateVerdict.post_id == post.id, GateVerdict.content_hash == post.content_hash,
    ).order_by(GateVerdict.id.desc()).limit(1))


def manager_decisions(post: Post) -> list[Approval]:
    """Every sign-off, request for changes or rejection on the post, newest first (voided ones included)."""
    return list(db.session.scalars(sa.select(Approval).where(Approval.post_id == post.id)
                                   .order_by(Approval.id.desc())))


def granted_accounts(team: Team) -> list[SocialAccount]:
    """Every account the team was granted, whatever its health."""
    return list(db.session.scalars(sa.select(SocialAccount).join(AccountGrant).where(
        AccountGrant.team_id == team.id).order_by(SocialAccount.platform, SocialAccount.name)))


def publishable_accounts(team: Team) -> list[SocialAccount]:
    """The accounts a new post of this team can go to: granted and connected."""
    return [a for a in granted_accounts(team) if a.status == AccountStatus.connected]


def team_slots(team: Team) -> list[PostingSlot]:
    return list(db.session.scalars(sa.select(PostingSlot).where(PostingSlot.team_id == team.id).order_by(
        PostingSlot.account_id, PostingSlot.weekday, PostingSlot.minute_of_day)))
