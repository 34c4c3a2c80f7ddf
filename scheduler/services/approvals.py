"""Manager sign-off: approve, request changes, reject — each bound to the content the manager saw.

Four eyes: nobody decides on their own post. When the author is the team's
only manager, the decision falls to the admins.
"""
from __future__ import annotations

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.models import (Approval, ApprovalDecision, Membership, Post, PostState, TargetState, TeamRole, User)
from scheduler.services.audit import record_event
from scheduler.services.errors import Conflict, InvalidInput
from scheduler.services.lifecycle import move_post, move_target
from scheduler.services.notifications import notify_users
from scheduler.services.posts import _preview, schedule_cleared_post

NOTE_MAX = 2000


def managers_who_may_decide(post: Post) -> list[User]:
    """The team's active managers, except the author and whoever last changed the content."""
    excluded = {post.author_id, post.last_editor_id} - {None}
    return list(db.session.scalars(sa.select(User).join(Membership).where(
        Membership.team_id == post.team_id, Membership.role == TeamRole.manager, User.active.is_(True),
        User.id.not_in(excluded))))


def may_decide(user: User, post: Post) -> bool:
    """Managers of the team (never the author); the team's deputy and the admins too once the post
    has escalated, or when the author is the team's only manager."""
    if user is None or not getattr(user, "active", False) or user.id in (post.author_id, post.last_editor_id):
        return False
    if user.role_in(post.team_id) == TeamRole.manager:
        return True
    fallback = post.escalated_at is not None or not managers_who_may_decide(post)
    return fallback and (bool(user.is_admin) or user.id == post.team.deputy_user_id)


def fallback_deciders(post: Post) -> list[User]:
    """Who is asked when the team's own managers cannot (or did not) decide: the deputy, else the admins."""
    from scheduler.services.notifications import active_admins

    deputy = post.team.deputy
    excluded = {post.author_id, post.last_editor_id}
    if deputy is not None and deputy.active and deputy.id not in excluded:
        return [deputy]
    return [admin for admin in active_admins(db.session) if admin.id not in excluded]


def escalate_waiting_posts() -> int:
    """Posts waiting too long, or too close to their slot, go to the deputy or admins; the author is told."""
    from datetime import timedelta

    from scheduler.models import now_utc

    now = now_utc()
    escalated = 0
    waiting = db.session.scalars(sa.select(Post).where(Post.state == PostState.awaiting_approval,
                                                       Post.escalated_at.is_(None))).all()
    for post in waiting:
        team = post.team
        waited_too_long = post.submitted_at is not None and \
            now - post.submitted_at >= timedelta(minutes=team.approval_wait_limit_minutes)
        slot_is_near = post.scheduled_at is not None and \
            post.scheduled_at - now <= timedelta(minutes=team.escalate_minutes_before_slot)
        if not (waited_too_long or slot_is_near):
            continue
        post.escalated_at = now
        reason = "it has waited too long" if waited_too_long else "its time is close"
        record_event(None, "post.escalated", "post", post.id, reason=reason)
        notify_users(db.session, fallback_deciders(post), "approval_escalated",
                     f"Escalated to you because {reason}: {post.author.display_name}'s post for {team.name} "
                     f"needs a sign-off.", f"/posts/{post.id}")
        notify_users(db.session, [post.author], "post_escalated",
                     f"Your post \"{_preview(post.text)}\" was escalated because {reason}.", f"/posts/{post.id}")
        escalated += 1
    return escalated


def _check_decision(manager: User, post: Post, content_hash) -> None:
    if manager.id == post.author_id:
        raise Conflict("You cannot decide on your own post: another manager must.")
    if manager.id == post.last_editor_id:
        raise Conflict("You changed this post, so another manager must sign it off.")
    if not may_decide(manager, post):
        raise Conflict("Only a manager of this team (or an admin, when the author is its only manager) can decide.")
    if post.state != PostState.awaiting_approval:
        raise Conflict("This post is not waiting for approval.")
    if content_hash != post.content_hash:
        raise Conflict("The post changed after you opened it. Review the new version before deciding.")


def _clean_note(note, required: bool) -> str | None:
    if note is not None and not isinstance(note, str):
        raise InvalidInput("The note must be text.", "note")
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput("Say what needs to change: the author will read this note.", "note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is too long ({NOTE_MAX} characters at most).", "note")
    return note or None


def _record(manager: User, post: Post, decision: ApprovalDecision, note: str | None) -> Approval:
    from scheduler.policy_store import current_policy

    approval = Approval(post_id=post.id, manager_id=manager.id, decision=decision, content_hash=post.content_hash,
                        policy_version=current_policy().version, note=note)
    db.session.add(approval)
    db.session.flush()
    record_event(manager, f"post.{decision.value}", "post", post.id, content_hash=post.content_hash,
                 policy_version=approval.policy_version, note=note or "")
    return approval


def approve_post(manager: User, post: Post, content_hash: str, note: str | None = None) -> Approval:
    """Sign off exactly the content seen; the post is scheduled (or expires if it is late and the team says so)."""
    _check_decision(manager, post, content_hash)
    approval = _record(manager, post, ApprovalDecision.approved, _clean_note(note, required=False))
    schedule_cleared_post(manager, post, reason="approved")
    notify_users(db.session, [post.author], "post_approved",
                 f"{manager.display_name} approved your post \"{_preview(post.text)}\".", f"/posts/{post.id}")
    return approval


def request_changes(manager: User, post: Post, content_hash: str, note) -> Approval:
    """Back to the author as a draft, with the manager's note."""
    _check_decision(manager, post, content_hash)
    approval = _record(manager, post, ApprovalDecision.changes_requested, _clean_note(note, required=True))
    move_post(db.session, post, PostState.draft, manager, approval_id=approval.id)
    notify_users(db.session, [post.author], "changes_requested",
                 f"{manager.display_name} asked for changes to \"{_preview(post.text)}\": {approval.note}",
                 f"/posts/{post.id}")
    return approval


def reject_post(manager: User, post: Post, content_hash: str, note) -> Approval:
    _check_decision(manager, post, content_hash)
    approval = _record(manager, post, ApprovalDecision.rejected, _clean_note(note, required=True))
    for target in post.targets:
        if target.state == TargetState.pending:
            move_target(db.session, target, TargetState.cancelled, manager)
    move_post(db.session, post, PostState.rejected, manager, approval_id=approval.id)
    notify_users(db.session, [post.author], "post_rejected",
                 f"{manager.display_name} rejected \"{_preview(post.text)}\": {approval.note}", f"/posts/{post.id}")
    return approval


def inbox(user: User, limit: int = 500) -> list[Post]:
    """Posts this user may decide on now, the soonest slot first."""
    query = sa.select(Post).where(Post.state == PostState.awaiting_approval, Post.author_id != user.id)
    # (may_decide below also drops posts this user last edited.)
    if not user.is_admin:
        from scheduler.models import Team

        managed = sa.select(Membership.team_id).where(Membership.user_id == user.id,
                                                      Membership.role == TeamRole.manager)
        deputised = sa.select(Team.id).where(Team.deputy_user_id == user.id)
        query = query.where(sa.or_(Post.team_id.in_(managed), Post.team_id.in_(deputised)))
    candidates = db.session.scalars(query.order_by(Post.scheduled_at.asc().nulls_last(), Post.id).limit(limit))
    return [post for post in candidates if may_decide(user, post)]


DECISIONS = {"approve": approve_post, "request_changes": request_changes, "reject": reject_post}


def decide(manager: User, post: Post, decision, content_hash, note=None) -> Approval:
    if decision not in DECISIONS:
        raise InvalidInput("The decision must be approve, request_changes or reject.", "decision")
    if not isinstance(content_hash, str):
        raise InvalidInput("Send the content_hash of the version you reviewed.", "content_hash")
    return DECISIONS[decision](manager, post, content_hash, note)
