"""Composing, submitting, editing, scheduling and cancelling posts.

Submitting or editing runs the gate: clear -> scheduled, flagged -> waiting
for a manager. Any change of content voids earlier approvals.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

import gate
from platforms import Draft
from scheduler.connectors import DISPLAY_NAMES, connector_for
from scheduler.extensions import db
from scheduler.models import (AccountGrant, AccountStatus, LateApprovalRule, Post,
                              PostState, PostTarget, SocialAccount, TargetState, Team, User, now_utc)
from scheduler.services.audit import record_event
from scheduler.services.errors import Conflict, InvalidInput
from scheduler.services.gatekeeping import evaluate_post, post_content_hash, void_approvals
from scheduler.services.lifecycle import move_post, move_target
from scheduler.services.scheduling import next_free_slot

TEXT_MAX = 10_000
LINK_MAX = 2_000
DECLARATION_KINDS = {gate.CONSENT: "the people pictured or named have given permission",
                     gate.RIGHTS_CLEARED: "the rights to this material are cleared"}
PAST_TOLERANCE = timedelta(seconds=60)
# A publish job is one network call or two (a refresh); past this RQ stops it
# and the reconciler settles the claim as unconfirmed.
PUBLISH_JOB_TIMEOUT_SECONDS = 120
EDITABLE = {PostState.draft, PostState.awaiting_approval, PostState.scheduled}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def media_root() -> Path:
    return Path(current_app.extensions["gatepost.settings"].instance_path) / "media"


# --- input checks -------------------------------------------------------------------

def _clean_text(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Write the text of the post.", "text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"The text is too long ({len(text)} characters; {TEXT_MAX} at most).", "text")
    return text


def _clean_link(link) -> str | None:
    if link in (None, ""):
        return None
    if not isinstance(link, str) or len(link) > LINK_MAX or not _URL.match(link.strip()):
        raise InvalidInput("The link must be a web address starting with http:// or https://.", "link")
    return link.strip()


def _clean_declarations(declarations) -> list[dict]:
    if declarations in (None, []):
        return []
    if not isinstance(declarations, list):
        raise InvalidInput("Declarations must be a list.", "declarations")
    clean = []
    for item in declarations:
        if not isinstance(item, dict) or item.get("kind") not in DECLARATION_KINDS:
            raise InvalidInput("Each declaration needs a kind: " + " or ".join(DECLARATION_KINDS) + ".",
                               "declarations")
        reference = item.get("reference", "")
        if not isinstance(reference, str) or len(reference) > 300:
            raise InvalidInput("A declaration's reference must be text of at most 300 characters.", "declarations")
        clean.append({"kind": item["kind"], "reference": reference.strip()})
    return clean


def _clean_media(media) -> list[dict]:
    if media in (None, []):
        return []
    if not isinstance(media, list) or len(media) > 4:
        raise InvalidInput("Attach at most 4 images.", "media")
    clean = []
    for item in media:
        if not isinstance(item, dict) or not isinstance(item.get("media_id"), str) \
                or not re.fullmatch(r"[0-9a-f]{64}\.(jpg|png|gif)", item["media_id"]):
            raise InvalidInput("Each image must be one uploaded to Gatepost (unknown media_id).", "media")
        if not (media_root() / item["media_id"]).is_file():
            raise InvalidInput("An attached image was not found; upload it again.", "media")
        entry = {"media_id": item["media_id"]}
        for key in ("alt_text", "credit", "licence"):
            value = item.get(key, "")
            if not isinstance(value, str) or len(value) > 1000:
                raise InvalidInput(f"The image's {key.replace('_', ' ')} must be text (1000 characters at most).",
                                   "media")
            entry[key] = value.strip()
        clean.append(entry)
    return clean


def _clean_targets(team: Team, targets) -> list[tuple[SocialAccount, str | None]]:
    if not isinstance(targets, list) or not targets:
        raise InvalidInput("Choose at least one account to publish to.", "targets")
    seen, clean = set(), []
    for item in targets:
        if not isinstance(item, dict) or not isinstance(item.get("account_id"), int) \
                or isinstance(item.get("account_id"), bool):
            raise InvalidInput("Each target needs an account_id (a whole number).", "targets")
        account = db.session.get(SocialAccount, item["account_id"])
        granted = account is not None and db.session.scalar(sa.select(AccountGrant.id).where(
            AccountGrant.account_id == account.id, AccountGrant.team_id == team.id)) is not None
        if not granted:
            raise InvalidInput(f"{team.name} may not publish to account {item['account_id']}: an admin must grant "
                               "it first.", "targets")
        if account.status != AccountStatus.connected:
            raise InvalidInput(f"{account.name} needs to be reconnected by an admin before anything can be "
                               "scheduled to it.", "targets")
        if account.id in seen:
            raise InvalidInput(f"{account.name} is chosen twice.", "targets")
        seen.add(account.id)
        variant = item.get("text_variant")
        if variant is not None and (not isinstance(variant, str) or len(variant) > TEXT_MAX):
            raise InvalidInput("A text variant must be text.", "targets")
        clean.append((account, variant.strip() if variant and variant.strip() else None))
    return clean


def _check_for_networks(text: str, link: str | None, media: list[dict],
                        targets: list[tuple[SocialAccount, str | None]]) -> None:
    """Length and media as each network counts them: refused now, not at publish time."""
    from platforms import Image

    images = tuple(Image(data=(media_root() / m["media_id"]).read_bytes(), mime_type=_mime(m["media_id"]),
                         alt_text=m.get("alt_text")) for m in media)
    for account, variant in targets:
        problems = connector_for(account.platform).validate(Draft(text=variant or text, link=link, images=images))
        if problems:
            raise InvalidInput(f"For {account.name} on {DISPLAY_NAMES.get(account.platform, account.platform)}: "
                               + " ".join(p.message for p in problems), "text")


def _mime(media_id: str) -> str:
    return {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}[media_id.rsplit(".", 1)[1]]


def _clean_when(team: Team, account_ids: list[int], scheduled_at: datetime | None, publish_now: bool,
                add_to_queue: bool) -> datetime:
    chosen = sum(bool(x) for x in (scheduled_at is not None, publish_now, add_to_queue))
    if chosen != 1:
        raise InvalidInput("Choose one of: a time, publish now, or add to the queue.", "scheduled_at")
    if publish_now:
        return now_utc()
    if add_to_queue:
        return next_free_slot(db.session, team, account_ids)
    if scheduled_at.tzinfo is None:
        raise InvalidInput("The time needs a time zone.", "scheduled_at")
    if scheduled_at < now_utc() - PAST_TOLERANCE:
        raise InvalidInput("That time is in the past. Choose a later time or publish now.", "scheduled_at")
    return scheduled_at


# --- use cases ----------------------------------------------------------------------

def create_post(actor: User, team: Team, *, text, link=None, media=None, declarations=None, targets=None,
                scheduled_at: datetime | None = None, publish_now: bool = False, add_to_queue: bool = False,
                submit: bool = True) -> Post:
    """Compose a post; unless `submit` is False it goes through the gate straight away."""
    text, link = _clean_text(text), _clean_link(link)
    media, declarations = _clean_media(media), _clean_declarations(declarations)
    clean_targets = _clean_targets(team, targets)
    when = _clean_when(team, [a.id for a, _ in clean_targets], scheduled_at, publish_now, add_to_queue)
    _check_for_networks(text, link, media, clean_targets)
    post = Post(team_id=team.id, author_id=actor.id, last_editor_id=actor.id, text=text, link=link, media=media, declarations=declarations,
                state=PostState.draft, scheduled_at=when, content_hash="")
    post.targets = [PostTarget(account_id=account.id, text_variant=variant, state=TargetState.pending,
                               due_at=when, idempotency_key=uuid.uuid4().hex) for account, variant in clean_targets]
    db.session.add(post)
    db.session.flush()
    post.content_hash = post_content_hash(post)
    record_event(actor, "post.created", "post", post.id, team_id=team.id, content_hash=post.content_hash,
                 scheduled_at=when.isoformat(), targets=[a.id for a, _ in clean_targets])
    if submit:
        submit_post(actor, post)
    return post


def submit_post(actor, post: Post) -> Post:
    """Run the gate on the current content: clear -> scheduled, flagged -> awaiting approval."""
    verdict = evaluate_post(db.session, post, media_root())
    record_event(actor, "post.gate_verdict", "post", post.id, decision=verdict.decision,
                 policy_version=verdict.policy_version, content_hash=verdict.content_hash,
                 flags=[{"category": f["category"], "rule": f["rule"]} for f in verdict.flags])
    if verdict.decision == gate.CLEAR:
        schedule_cleared_post(actor, post, reason="clear")
    else:
        post.submitted_at, post.escalated_at = now_utc(), None
        withhold_clearance(actor, post, "the gate flags it", verdict_id=verdict.id)
        _tell_deciders(post, verdict)
    return post


def withhold_clearance(actor, post: Post, why: str, **details) -> None:
    """The post may not go out as it is: its waiting targets go back to pending and it waits for a manager."""
    for target in post.targets:
        if target.state == TargetState.scheduled:
            move_target(db.session, target, TargetState.pending, actor, why=why)
    move_post(db.session, post, PostState.awaiting_approval, actor, why=why, **details)


def _tell_deciders(post: Post, verdict) -> None:
    """The team's managers (or the admins, when the author is the only one) learn a post needs them."""
    from scheduler.services.approvals import fallback_deciders, managers_who_may_decide
    from scheduler.services.notifications import notify_users

    deciders = managers_who_may_decide(post) or fallback_deciders(post)
    categories = ", ".join(sorted({f["category"].replace("_", " ") for f in verdict.flags}))
    notify_users(db.session, [u for u in deciders if u.id != post.author_id], "approval_needed",
                 f"{post.author.display_name}'s post for {post.team.name} needs your sign-off ({categories}).",
                 f"/posts/{post.id}")


def schedule_cleared_post(actor, post: Post, reason: str) -> None:
    """Cleared (by the gate or a manager): targets go on the queue, or expire if the time has passed."""
    late = post.scheduled_at is not None and post.scheduled_at < now_utc() - PAST_TOLERANCE
    if late and (post.team.late_approval_rule == LateApprovalRule.expire.value or _is_embargoed(post)):
        expire_post(post, "it was cleared after its scheduled time, and "
                    + ("embargoed announcements never go out late" if _is_embargoed(post)
                       else "the team does not publish late"))
        return
    move_post(db.session, post, PostState.scheduled, actor, reason=reason)
    for target in post.targets:
        if target.state in (TargetState.pending, TargetState.held):
            target.due_at = max(post.scheduled_at, now_utc()) if late else post.scheduled_at
            move_target(db.session, target, TargetState.scheduled, actor)
            enqueue_target(target)


EMBARGO_RULES = {"embargoed_term", "embargo_marker"}


def _is_embargoed(post: Post) -> bool:
    """Did the gate flag this very content for an embargo (under any policy version)?"""
    from scheduler.models import GateVerdict

    verdicts = db.session.scalars(sa.select(GateVerdict.flags).where(GateVerdict.post_id == post.id,
                                                                     GateVerdict.content_hash == post.content_hash))
    return any(flag.get("rule") in EMBARGO_RULES for flags in verdicts for flag in flags)


def enqueue_target(target: PostTarget) -> None:
    from scheduler.jobs import publish_target
    from scheduler.queueing import enqueue_after_commit

    enqueue_after_commit(db.session, publish_target, target.id, at=target.due_at,
                         job_id=publish_job_id(target), job_timeout=PUBLISH_JOB_TIMEOUT_SECONDS)


def resume_held_targets(account: SocialAccount) -> int:
    """After a reconnect: held targets go back on the queue (or expire, by the team's late rule)."""
    held = db.session.scalars(sa.select(PostTarget).where(PostTarget.account_id == account.id,
                                                          PostTarget.state == TargetState.held)).all()
    resumed = 0
    for target in held:
        post = target.post
        if post.state != PostState.scheduled:
            move_target(db.session, target, TargetState.pending, None, why="account reconnected")
            continue
        late = target.due_at is not None and target.due_at < now_utc() - PAST_TOLERANCE
        if late and post.team.late_approval_rule == LateApprovalRule.expire.value:
            move_target(db.session, target, TargetState.expired, None, why="its time passed while held")
            from scheduler.services.lifecycle import complete_if_done

            complete_if_done(db.session, post)
            continue
        target.due_at = max(target.due_at or now_utc(), now_utc())
        move_target(db.session, target, TargetState.scheduled, None, why="account reconnected")
        enqueue_target(target)
        resumed += 1
    return resumed


def publish_job_id(target: PostTarget) -> str:
    return f"publish-{target.id}-{int(target.due_at.timestamp())}"


def expire_post(post: Post, why: str) -> None:
    from scheduler.services.notifications import notify_users

    move_post(db.session, post, PostState.expired, None, why=why)
    for target in post.targets:
        if target.state in (TargetState.pending, TargetState.scheduled, TargetState.held):
            move_target(db.session, target, TargetState.expired, None)
    notify_users(db.session, [post.author], "post_expired",
                 f"Your post \"{_preview(post.text)}\" was not published: {why}.", f"/posts/{post.id}")


def _preview(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _require_editable(post: Post) -> None:
    if post.state not in EDITABLE:
        raise Conflict(f"This post is {post.state.value} and can no longer be changed.")
    if any(t.state in (TargetState.publishing, TargetState.published, TargetState.unconfirmed)
           for t in post.targets):
        raise Conflict("Part of this post has already gone out (or may have): it can no longer be edited. "
                       "Cancel what has not gone out and write a new post.")


def edit_post(actor: User, post: Post, **changes) -> Post:
    """Change content (and/or targets); the gate runs again and earlier approvals are void."""
    _require_editable(post)
    allowed = {"text", "link", "media", "declarations", "targets"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"Unknown field: {sorted(unknown)[0]}.", sorted(unknown)[0])
    text = _clean_text(changes["text"]) if "text" in changes else post.text
    link = _clean_link(changes["link"]) if "link" in changes else post.link
    media = _clean_media(changes["media"]) if "media" in changes else post.media
    declarations = _clean_declarations(changes["declarations"]) if "declarations" in changes else post.declarations
    if "targets" in changes:
        clean_targets = _clean_targets(post.team, changes["targets"])
    else:
        clean_targets = [(t.account, t.text_variant) for t in post.targets]
    _check_for_networks(text, link, media, clean_targets)
    post.text, post.link, post.media, post.declarations = text, link, media, declarations
    if "targets" in changes:
        keep = {account.id: variant for account, variant in clean_targets}
        for target in list(post.targets):
            if target.account_id not in keep:
                post.targets.remove(target)
        existing = {t.account_id: t for t in post.targets}
        for account_id, variant in keep.items():
            if account_id in existing:
                existing[account_id].text_variant = variant
            else:
                post.targets.append(PostTarget(account_id=account_id, text_variant=variant,
                                               state=TargetState.pending, due_at=post.scheduled_at,
                                               idempotency_key=uuid.uuid4().hex))
    db.session.flush()
    new_hash = post_content_hash(post)
    if new_hash == post.content_hash:
        return post  # nothing a manager signs off has changed
    voided = void_approvals(db.session, post)
    post.content_hash = new_hash
    post.last_editor_id = actor.id
    record_event(actor, "post.edited", "post", post.id, content_hash=new_hash, approvals_voided=voided)
    if post.state == PostState.scheduled:
        for target in post.targets:
            if target.state == TargetState.scheduled:
                move_target(db.session, target, TargetState.pending, actor, why="content changed")
    if post.state != PostState.draft:
        submit_post(actor, post)
    return post


def reschedule_post(actor: User, post: Post, *, scheduled_at: datetime | None = None, publish_now: bool = False,
                    add_to_queue: bool = False) -> Post:
    """A new time for what has not gone out; published targets are never published again."""
    if post.state not in EDITABLE:
        raise Conflict(f"This post is {post.state.value}; it cannot be rescheduled.")
    waiting = [t for t in post.targets if t.state in (TargetState.pending, TargetState.scheduled, TargetState.held)]
    if not waiting:
        raise Conflict("Nothing in this post is waiting to be published.")
    when = _clean_when(post.team, [t.account_id for t in waiting], scheduled_at, publish_now, add_to_queue)
    post.scheduled_at = when
    for target in waiting:
        target.due_at = when
        if target.state == TargetState.scheduled:
            enqueue_target(target)  # the job for the old time finds nothing due and stops
    db.session.flush()
    record_event(actor, "post.rescheduled", "post", post.id, scheduled_at=when.isoformat())
    return post


def cancel_post(actor: User, post: Post) -> Post:
    if post.state not in EDITABLE:
        raise Conflict(f"This post is {post.state.value}; there is nothing to cancel.")
    if any(t.state == TargetState.publishing for t in post.targets):
        raise Conflict("This post is being published right now; try again in a moment.")
    for target in post.targets:
        if target.state in (TargetState.pending, TargetState.scheduled, TargetState.held):
            move_target(db.session, target, TargetState.cancelled, actor)
    if any(t.state != TargetState.cancelled for t in post.targets):
        move_post(db.session, post, PostState.completed, actor, why="cancelled after part of it went out")
    else:
        move_post(db.session, post, PostState.cancelled, actor)
    return post


def mark_target_published(actor: User, target: PostTarget, url: str | None = None) -> PostTarget:
    """A person checked the account: the unconfirmed post is there."""
    from scheduler.services.lifecycle import complete_if_done

    if target.state != TargetState.unconfirmed:
        raise Conflict("Only a post whose outcome is unknown can be marked as published.")
    link = _clean_link(url)
    target.external_url = link or target.external_url
    target.published_at = now_utc()
    target.last_error = None
    move_target(db.session, target, TargetState.published, actor, confirmed_by_person=True)
    complete_if_done(db.session, target.post)
    return target


def retry_target(actor: User, target: PostTarget) -> PostTarget:
    """A person decided to send again (after checking an unconfirmed one is not there, or after a failure)."""
    if target.state not in (TargetState.unconfirmed, TargetState.failed):
        raise Conflict("Only a failed post, or one whose outcome is unknown, can be retried.")
    post = target.post
    if target.account.status != AccountStatus.connected:
        raise Conflict(f"{target.account.name} needs to be reconnected by an admin first.")
    if post.state == PostState.completed:
        move_post(db.session, post, PostState.scheduled, actor, why="a target is retried")
    target.due_at = now_utc()
    target.attempts = 0
    move_target(db.session, target, TargetState.scheduled, actor, retried_by_person=True)
    enqueue_target(target)
    return target


def submit_draft(actor: User, post: Post) -> Post:
    """Send a draft (e.g. revised after a manager asked for changes) through the gate again."""
    if post.state != PostState.draft:
        raise Conflict("Only a draft can be submitted.")
    if post.scheduled_at is not None and post.scheduled_at < now_utc() - PAST_TOLERANCE \
            and post.team.late_approval_rule == LateApprovalRule.expire.value:
        raise InvalidInput("Its scheduled time has passed: choose a new time first.", "scheduled_at")
    return submit_post(actor, post)
