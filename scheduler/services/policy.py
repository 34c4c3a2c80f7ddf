"""Policy administration: versions, preview, activation, and re-checking what is queued.

Every change is a new version (author, time, note); old versions are kept
and can be restored. Activating a version re-checks every post still
queued: a post with a new flag loses its clearance and waits for sign-off;
an approval stays valid when the flags it covered did not change.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
import yaml

import gate
from scheduler.extensions import db
from scheduler.models import (GateVerdict, PolicyVersion, Post, PostState, User, now_utc)
from scheduler.policy_store import current_policy, fallback_policy
from scheduler.services.audit import record_event
from scheduler.services.errors import InvalidInput, NotFound
from scheduler.services.gatekeeping import _gate_post, evaluate_post, valid_approval, void_approvals
from scheduler.services.notifications import notify_users

log = logging.getLogger(__name__)

NOTE_MAX = 500
PREVIEW_RECENT_POSTS = 500
QUEUED = (PostState.scheduled, PostState.awaiting_approval)


def parse_policy_text(text) -> gate.Policy:
    """The gate's own validation; its message names the line to fix."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("The policy is empty.", "source_text")
    try:
        return gate.policy_from_text(text)
    except gate.PolicyError as exc:
        raise InvalidInput(f"The policy was not changed: {exc}", "source_text") from None


def active_text() -> str:
    row = db.session.scalar(sa.select(PolicyVersion).where(PolicyVersion.is_active.is_(True)))
    if row is not None:
        return row.source_text
    from importlib import resources

    return resources.files("gate").joinpath("policies/default.yaml").read_text(encoding="utf-8")


def save_version(actor: User, text, note=None, activate: bool = True) -> tuple[PolicyVersion, dict | None]:
    """Store the text as a version (or find the identical one) and, by default, put it in force."""
    policy = parse_policy_text(text)
    if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX):
        raise InvalidInput(f"The note must be text of at most {NOTE_MAX} characters.", "note")
    version = db.session.scalar(sa.select(PolicyVersion).where(PolicyVersion.version == policy.version))
    if version is None:
        version = PolicyVersion(version=policy.version, source_text=text, note=(note or "").strip() or None,
                                created_by_id=actor.id if actor else None)
        db.session.add(version)
        db.session.flush()
        record_event(actor, "policy.version_created", "policy_version", version.id, version=policy.version,
                     note=version.note or "")
    report = activate_version(actor, version) if activate else None
    return version, report


def activate_version(actor: User, version: PolicyVersion) -> dict:
    if version.is_active:
        return {"checked": 0, "held": 0, "cleared": 0, "unchanged": 0}
    previous = current_policy()
    db.session.execute(sa.update(PolicyVersion).where(PolicyVersion.is_active.is_(True)).values(is_active=False))
    version.is_active = True
    version.activated_at = now_utc()
    db.session.flush()
    record_event(actor, "policy.activated", "policy_version", version.id, version=version.version,
                 previous_version=previous.version)
    return recheck_queued_posts(actor)


def restore_version(actor: User, version_id) -> dict:
    version = db.session.get(PolicyVersion, version_id) if isinstance(version_id, int) else None
    if version is None:
        raise NotFound("There is no such policy version.")
    return activate_version(actor, version)


def _rules(flags: list[dict]) -> set[tuple[str, str]]:
    return {(f["category"], f["rule"]) for f in flags}


def _previous_verdict(post: Post, before_id: int) -> GateVerdict | None:
    return db.session.scalar(sa.select(GateVerdict).where(
        GateVerdict.post_id == post.id, GateVerdict.content_hash == post.content_hash, GateVerdict.id < before_id)
        .order_by(GateVerdict.id.desc()).limit(1))


def recheck_queued_posts(actor=None) -> dict:
    """Re-evaluate every scheduled or waiting post under the policy now in force."""
    from scheduler.services.posts import media_root

    report = {"checked": 0, "held": 0, "cleared": 0, "unchanged": 0}
    posts = db.session.scalars(sa.select(Post).where(Post.state.in_(QUEUED)).order_by(Post.id)).all()
    for post in posts:
        report["checked"] += 1
        if post.state == PostState.awaiting_approval:
            cleared = _schedule_if_clear_now(actor, post, "clear under the new policy")
            report["cleared" if cleared else "unchanged"] += 1
            continue
        verdict = evaluate_post(db.session, post, media_root())
        if verdict.decision == gate.CLEAR:
            report["unchanged"] += 1
            continue
        previous = _previous_verdict(post, verdict.id)
        approval = valid_approval(db.session, post, post.content_hash)
        if approval is not None and previous is not None and _rules(verdict.flags) <= _rules(previous.flags):
            report["unchanged"] += 1  # the manager already signed off these very flags
            continue
        _hold_for_sign_off(actor, post, verdict)
        report["held"] += 1
    log.info("policy re-check: %s", report)
    return report


def _hold_for_sign_off(actor, post: Post, verdict: GateVerdict) -> None:
    from scheduler.services.posts import withhold_clearance

    void_approvals(db.session, post)
    withhold_clearance(actor, post, "the new policy flags it", verdict_id=verdict.id)
    from scheduler.services.approvals import managers_who_may_decide

    categories = ", ".join(sorted({f["category"].replace("_", " ") for f in verdict.flags}))
    notify_users(db.session, [post.author] + managers_who_may_decide(post), "post_held_by_policy",
                 f"A policy change flags a scheduled post ({categories}); it now waits for a manager's sign-off.",
                 f"/posts/{post.id}")


def release_lifted_embargoes() -> int:
    """Posts waiting only because of a check that now passes (an embargo lifted) go on by themselves."""
    waiting = db.session.scalars(sa.select(Post).where(Post.state == PostState.awaiting_approval)).all()
    return sum(_schedule_if_clear_now(None, post, "clear now (an embargo has lifted)") for post in waiting)


def _schedule_if_clear_now(actor, post: Post, reason: str) -> bool:
    """A waiting post the gate now clears goes on by itself (policy change, lifted embargo)."""
    from scheduler.services.posts import media_root, schedule_cleared_post

    if evaluate_post(db.session, post, media_root()).decision != gate.CLEAR:
        return False
    schedule_cleared_post(actor, post, reason=reason)
    return True


def preview(text, now: datetime | None = None) -> dict:
    """What the proposed policy would flag differently among recent and queued posts."""
    from scheduler.services.posts import media_root

    proposed = parse_policy_text(text)
    in_force = current_policy()
    context = gate.EvaluationContext(now=now or now_utc())
    recent = db.session.scalars(sa.select(Post).order_by(Post.id.desc()).limit(PREVIEW_RECENT_POSTS)).all()
    queued = db.session.scalars(sa.select(Post).where(Post.state.in_(QUEUED))).all()
    changes = []
    for post in {p.id: p for p in [*recent, *queued]}.values():
        subject = _gate_post(post, media_root())
        before = gate.evaluate(subject, in_force, context)
        after = gate.evaluate(subject, proposed, context)
        before_rules = {(f.category, f.rule) for f in before.flags}
        after_rules = {(f.category, f.rule) for f in after.flags}
        if before.decision != after.decision or before_rules != after_rules:
            changes.append({
                "post_id": post.id, "state": post.state.value, "text": post.text[:140],
                "before": before.decision, "after": after.decision,
                "new_flags": sorted(f"{c}:{r}" for c, r in after_rules - before_rules),
                "gone_flags": sorted(f"{c}:{r}" for c, r in before_rules - after_rules),
            })
    changes.sort(key=lambda c: (c["state"] not in ("scheduled", "awaiting_approval"), -c["post_id"]))
    return {"proposed_version": proposed.version, "in_force_version": in_force.version,
            "posts_compared": len({p.id for p in [*recent, *queued]}), "changes": changes}


# --- structured edits: each returns new policy text ---------------------------------------

def _load(text: str) -> dict:
    return yaml.safe_load(text)


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def with_embargo(text: str, term, lift: datetime, note: str = "") -> str:
    if not isinstance(term, str) or not term.strip() or len(term) > 200:
        raise InvalidInput("Give the embargoed term (200 characters at most).", "term")
    if lift.tzinfo is None:
        raise InvalidInput("The lift time needs a time zone.", "lift")
    data = _load(text)
    embargoes = data.setdefault("confidential", {}).setdefault("embargoes", [])
    embargoes[:] = [e for e in embargoes if e.get("term", "").lower() != term.strip().lower()]
    embargoes.append({"term": term.strip().lower(), "lift": lift.astimezone(timezone.utc),
                      "note": (note or "").strip()[:300]})
    return _dump(data)


def without_embargo(text: str, term: str) -> str:
    data = _load(text)
    embargoes = data.get("confidential", {}).get("embargoes", [])
    kept = [e for e in embargoes if e.get("term", "").lower() != (term or "").strip().lower()]
    if len(kept) == len(embargoes):
        raise NotFound("There is no such embargoed term.", "term")
    data["confidential"]["embargoes"] = kept
    return _dump(data)


def with_list(text: str, section: str, key: str, values) -> str:
    """Replace one list of terms (code names, public contact details, ...)."""
    if not isinstance(values, list) or not all(isinstance(v, str) and 0 < len(v.strip()) <= 200 for v in values):
        raise InvalidInput("Give one entry a line (200 characters at most each).", key)
    data = _load(text)
    if key not in data.get(section, {}):
        raise NotFound(f"The policy has no list {section}.{key}.", key)
    data[section][key] = [v.strip() for v in values]
    return _dump(data)


def with_action(text: str, category: str, action: str) -> str:
    data = _load(text)
    if category not in data.get("actions", {}):
        raise InvalidInput("Unknown category.", "category")
    if action not in ("flag", "off"):
        raise InvalidInput("The action must be 'flag' or 'off'.", "action")
    data["actions"][category] = action
    return _dump(data)


def in_force_version() -> str:
    return current_policy().version


def shipped_version() -> str:
    return fallback_policy().version
