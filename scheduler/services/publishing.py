"""The publishing worker's use case: claim one target, check it may go out, publish, record.

At most once per target (invariant 4): the claim is one conditional UPDATE,
committed before the network is called, so only one worker can win it; a
call that may have reached the network is never repeated by a machine.
"""
from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

import sqlalchemy as sa

from platforms import Draft, Image, PlatformError
from scheduler.connectors import connector_for
from scheduler.extensions import db
from scheduler.models import AccountStatus, PostState, PostTarget, PublishAttempt, TargetState, now_utc
from scheduler.services.gatekeeping import clearance
from scheduler.services.lifecycle import complete_if_done, move_target
from scheduler.services.notifications import notify_users
from scheduler.services.posts import _mime, _preview, enqueue_target, media_root, withhold_clearance
from scheduler.vault import AccountNeedsReconnect, VaultError, current_vault

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 15 * 60
DUE_SLACK = timedelta(seconds=2)  # enqueue_at may fire a moment early


def backoff_delay(attempt: int) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def claim(target_id: int) -> str | None:
    """Take the target for this worker, or None if it is not (or no longer) ours to publish."""
    claim_id = uuid.uuid4().hex
    result = db.session.execute(
        sa.update(PostTarget)
        .where(PostTarget.id == target_id, PostTarget.state == TargetState.scheduled,
               PostTarget.due_at <= now_utc() + DUE_SLACK)
        .values(state=TargetState.publishing, claim_id=claim_id, claimed_at=now_utc(),
                attempts=PostTarget.attempts + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return None
    db.session.commit()
    return claim_id


def publish_target(target_id: int, job_id: str | None = None) -> str:
    """Run one publish job; returns what happened (for logs and tests)."""
    claim_id = claim(target_id)
    if claim_id is None:
        log.info("target %s is not due or already taken; nothing to do", target_id)
        return "skipped"
    target = db.session.get(PostTarget, target_id, populate_existing=True)
    post, account = target.post, target.account
    attempt = PublishAttempt(target_id=target.id, outcome="started", job_id=job_id)
    db.session.add(attempt)
    db.session.flush()
    from scheduler.services.audit import record_event

    # The claim was one UPDATE (no ORM transition); its audit event is written here.
    record_event(None, "target.publishing", "post_target", target.id, claim_id=claim_id, job_id=job_id,
                 attempt=target.attempts)

    # Invariant 2, checked here and not taken from the state column.
    if post.state != PostState.scheduled:
        return _finish(target, attempt, TargetState.pending if post.state == PostState.awaiting_approval
                       else TargetState.cancelled, "refused", f"the post is {post.state.value}")
    allowed = clearance(db.session, post, media_root())
    if not allowed.cleared:
        outcome = _finish(target, attempt, TargetState.pending, "refused_by_gate", allowed.reason)
        _hold_post_for_sign_off(post)
        return outcome
    if account.status != AccountStatus.connected:
        return _hold(target, attempt, f"{account.name} needs to be reconnected by an admin")

    connector = connector_for(account.platform)
    draft = Draft(text=target.text, link=post.link, images=tuple(
        Image(data=(media_root() / m["media_id"]).read_bytes(), mime_type=_mime(m["media_id"]),
              filename=m["media_id"], alt_text=m.get("alt_text") or None) for m in (post.media or [])))
    problems = connector.validate(draft)
    if problems:
        return _finish(target, attempt, TargetState.failed, "invalid", " ".join(p.message for p in problems))
    db.session.commit()  # the claim and the checks are recorded before the network is called

    try:
        result = current_vault().call_with_token(
            account.id, connector,
            lambda token: connector.publish(token, account.external_id, draft,
                                            idempotency_key=target.idempotency_key))
    except AccountNeedsReconnect as exc:
        return _hold(target, attempt, str(exc))
    except PlatformError as exc:
        return _failed_call(target, attempt, exc)
    except VaultError as exc:
        return _hold(target, attempt, str(exc))
    except Exception:  # a bug after the request may have left: never repeat blindly
        log.exception("unexpected error publishing target %s", target.id)
        return _finish(target, attempt, TargetState.unconfirmed, "unknown",
                       "Gatepost failed while publishing; the post may or may not be on the network.")

    target.external_id, target.external_url = result.external_id, result.url
    target.published_at = now_utc()
    account.last_published_at = target.published_at
    return _finish(target, attempt, TargetState.published, "published", None)


def _failed_call(target: PostTarget, attempt: PublishAttempt, exc: PlatformError) -> str:
    if exc.kind == "transient":
        if target.attempts >= MAX_TRANSIENT_ATTEMPTS:
            return _finish(target, attempt, TargetState.failed, "transient",
                           f"The network kept failing ({exc.message}); gave up after {target.attempts} attempts.")
        return _retry_at(target, attempt, now_utc() + backoff_delay(target.attempts), "transient", exc.message)
    if exc.kind == "rate_limited":
        wait = timedelta(seconds=max(1, exc.retry_after_seconds or 60))
        return _retry_at(target, attempt, now_utc() + wait, "rate_limited", exc.message)
    if exc.kind == "auth":
        return _hold(target, attempt, exc.message)
    if exc.kind == "unknown":
        return _finish(target, attempt, TargetState.unconfirmed, "unknown",
                       f"The request may have reached the network but no answer came ({exc.message}).")
    if exc.kind == "duplicate":
        return _finish(target, attempt, TargetState.failed, "duplicate",
                       f"The network says this was already posted ({exc.message}). Check the account.")
    return _finish(target, attempt, TargetState.failed, "invalid", f"The network refused the post: {exc.message}")


def _retry_at(target: PostTarget, attempt: PublishAttempt, when, outcome: str, message: str) -> str:
    target.due_at = when
    result = _finish(target, attempt, TargetState.scheduled, outcome, message, commit=False)
    enqueue_target(target)
    db.session.commit()
    return result


def _hold(target: PostTarget, attempt: PublishAttempt, reason: str) -> str:
    """Auth trouble: this target and the account's other waiting targets wait for a reconnect."""
    result = _finish(target, attempt, TargetState.held, "auth", reason, commit=False)
    others = db.session.scalars(sa.select(PostTarget).where(PostTarget.account_id == target.account_id,
                                                            PostTarget.state == TargetState.scheduled))
    for other in others:
        move_target(db.session, other, TargetState.held, None, why="account needs reconnecting")
    db.session.commit()
    return result


def _hold_post_for_sign_off(post) -> None:
    from scheduler.services.audit import record_event

    withhold_clearance(None, post, "the gate flags the current content at publish time")
    record_event(None, "post.held_for_sign_off", "post", post.id)
    notify_users(db.session, [post.author], "post_held",
                 f"Your post \"{_preview(post.text)}\" now needs a manager's sign-off before it can go out.",
                 f"/posts/{post.id}")
    db.session.commit()


NOTIFY_AUTHOR = {TargetState.failed: "could not be published to {account}: {reason}",
                 TargetState.unconfirmed: "may or may not have reached {account}: {reason} Check the account, "
                                          "then mark it as published or retry."}


def _finish(target: PostTarget, attempt: PublishAttempt, state: TargetState, outcome: str, message: str | None,
            commit: bool = True) -> str:
    attempt.outcome, attempt.message, attempt.finished_at = outcome, (message or None) and message[:1000], now_utc()
    target.last_error = (message or None) and message[:1000] if state != TargetState.published else None
    target.claim_id = None
    move_target(db.session, target, state, None, outcome=outcome, message=(message or "")[:300])
    if state in NOTIFY_AUTHOR:
        text = NOTIFY_AUTHOR[state].format(account=target.account.name, reason=message or "")
        notify_users(db.session, [target.post.author], f"target_{state.value}",
                     f"Your post \"{_preview(target.post.text)}\" {text}", f"/posts/{target.post_id}")
        from scheduler.services.mail import send_mail_after_commit

        send_mail_after_commit(target.post.author.email, f"Gatepost: post {state.value}",
                               f"Your post \"{_preview(target.post.text)}\" {text}")
    complete_if_done(db.session, target.post)
    if commit:
        db.session.commit()
    log.info("target %s -> %s (%s)", target.id, state.value, outcome)
    return outcome
