"""The state machine of posts and targets: every change of state goes through here.

Each move checks that the transition is allowed and writes its audit event
in the same transaction. Follow-up work (publish jobs) is enqueued by the
callers with enqueue_after_commit, so nothing runs before the commit.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from scheduler.models import Post, PostState, PostTarget, TargetState, now_utc
from scheduler.services.audit import record_event_in
from scheduler.services.errors import Conflict

P, T = PostState, TargetState

POST_TRANSITIONS: dict[PostState, frozenset[PostState]] = {
    P.draft: frozenset({P.awaiting_approval, P.scheduled, P.cancelled}),
    P.awaiting_approval: frozenset({P.scheduled, P.awaiting_approval, P.draft, P.rejected, P.cancelled,
                                    P.expired}),
    P.scheduled: frozenset({P.scheduled, P.awaiting_approval, P.draft, P.cancelled, P.expired, P.completed}),
    P.completed: frozenset({P.scheduled}),  # a person retries an unconfirmed or failed target
    P.rejected: frozenset(),
    P.cancelled: frozenset(),
    P.expired: frozenset(),
}

TARGET_TRANSITIONS: dict[TargetState, frozenset[TargetState]] = {
    T.pending: frozenset({T.scheduled, T.cancelled, T.expired}),
    T.scheduled: frozenset({T.pending, T.publishing, T.held, T.cancelled, T.expired}),
    T.publishing: frozenset({T.published, T.failed, T.unconfirmed, T.scheduled, T.held,
                             T.pending, T.cancelled}),  # the last two: refused before any network call
    T.held: frozenset({T.scheduled, T.pending, T.cancelled, T.expired}),
    T.unconfirmed: frozenset({T.published, T.scheduled, T.failed}),  # a person decides
    T.failed: frozenset({T.scheduled}),  # a person retries
    T.published: frozenset(),
    T.cancelled: frozenset(),
    T.expired: frozenset(),
}

READABLE = {
    "draft": "draft", "awaiting_approval": "waiting for a manager", "scheduled": "scheduled",
    "completed": "done", "rejected": "rejected", "cancelled": "cancelled", "expired": "expired",
    "pending": "waiting for clearance", "publishing": "publishing", "published": "published",
    "failed": "failed", "unconfirmed": "sent, outcome unknown", "held": "held: the account needs reconnecting",
}


class TransitionRefused(Conflict):
    pass


def move_post(session: Session, post: Post, to: PostState, actor=None, **details) -> None:
    """Change a post's state (or refuse), auditing it in the same transaction."""
    before = post.state
    if to not in POST_TRANSITIONS[before]:
        raise TransitionRefused(f"A post that is {READABLE[before.value]} cannot become {READABLE[to.value]}.")
    post.state = to
    post.updated_at = now_utc()
    session.flush()
    record_event_in(session, actor, f"post.{to.value}", "post", post.id, previous=before.value, **details)


def move_target(session: Session, target: PostTarget, to: TargetState, actor=None, **details) -> None:
    before = target.state
    if to not in TARGET_TRANSITIONS[before]:
        raise TransitionRefused(f"A target that is {READABLE[before.value]} cannot become {READABLE[to.value]}.")
    target.state = to
    session.flush()
    record_event_in(session, actor, f"target.{to.value}", "post_target", target.id, post_id=target.post_id,
                    account_id=target.account_id, previous=before.value, **details)


def complete_if_done(session: Session, post: Post) -> bool:
    """A scheduled post whose targets are all final is completed."""
    from scheduler.models import FINAL_TARGET_STATES

    if post.state == P.scheduled and post.targets and all(t.state in FINAL_TARGET_STATES for t in post.targets):
        move_post(session, post, P.completed, None,
                  outcome={t.account_id: t.state.value for t in post.targets})
        return True
    return False
