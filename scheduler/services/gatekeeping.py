"""The gate hook: content hashes, verdicts, and the one check every publish makes.

Invariant 2 (DESIGN.md): a post is published only if its current content
hash has a clear verdict under the current policy, or a manager approval
bound to exactly that hash. `clearance()` answers that from the database
and the gate itself, never from a post's state column.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

import gate
from scheduler.models import Approval, ApprovalDecision, GateVerdict, Post, now_utc
from scheduler.policy_store import current_policy


def content_hash(text: str, link: str | None, media: list, declarations: list, targets) -> str:
    """Hash of everything a manager signs off: text, link, media, targets (with their text variants).

    Declarations are included too: removing a consent declaration must not
    keep a clearance that depended on it.
    """
    canonical = {
        "text": text,
        "link": link or "",
        "media": [{k: m.get(k, "") for k in ("media_id", "alt_text", "credit", "licence")} for m in media],
        "declarations": sorted([d.get("kind", ""), d.get("reference", "")] for d in declarations),
        "targets": sorted([int(account_id), variant or ""] for account_id, variant in targets),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def post_content_hash(post: Post) -> str:
    return content_hash(post.text, post.link, post.media or [], post.declarations or [],
                        [(t.account_id, t.text_variant) for t in post.targets])


def _gate_post(post: Post, media_root: Path) -> gate.Post:
    # Every target's text is checked: a per-network variant is content too.
    variants = [t.text_variant for t in post.targets if t.text_variant]
    text = "\n\n".join([post.text, *variants])
    return gate.Post(
        text=text,
        link=post.link,
        media=tuple(gate.MediaItem(path=str(media_root / m["media_id"]) if m.get("media_id") else None,
                                   alt_text=m.get("alt_text", ""), credit=m.get("credit", ""),
                                   licence=m.get("licence", ""), media_id=m.get("media_id", ""))
                    for m in (post.media or [])),
        declarations=tuple(gate.Declaration(kind=d.get("kind", ""), reference=d.get("reference", ""))
                           for d in (post.declarations or [])),
    )


def evaluate_post(session: Session, post: Post, media_root: Path) -> GateVerdict:
    """Run the gate on the post as it is now and store the verdict."""
    policy = current_policy()
    verdict = gate.evaluate(_gate_post(post, media_root), policy, gate.EvaluationContext(now=now_utc()))
    record = GateVerdict(post_id=post.id, content_hash=post_content_hash(post), policy_version=verdict.policy_version,
                         decision=verdict.decision, flags=[f.to_dict() for f in verdict.flags])
    session.add(record)
    session.flush()
    return record


def valid_approval(session: Session, post: Post, content_hash_now: str) -> Approval | None:
    return session.scalar(sa.select(Approval).where(
        Approval.post_id == post.id, Approval.content_hash == content_hash_now,
        Approval.decision == ApprovalDecision.approved, Approval.voided_at.is_(None),
    ).order_by(Approval.id.desc()).limit(1))


@dataclass(frozen=True)
class Clearance:
    cleared: bool
    reason: str
    verdict: GateVerdict | None = None
    approval: Approval | None = None


def clearance(session: Session, post: Post, media_root: Path) -> Clearance:
    """May this post go out now? Checked by the worker at claim time."""
    current = post_content_hash(post)
    approval = valid_approval(session, post, current)
    if approval is not None:
        return Clearance(True, "approved by a manager for exactly this content", approval=approval)
    # Re-run the gate: the policy may have changed and embargoes lift by date.
    verdict = evaluate_post(session, post, media_root)
    if verdict.decision == gate.CLEAR:
        return Clearance(True, "clear under the current policy", verdict=verdict)
    return Clearance(False, "the gate flags this content and no manager approved it", verdict=verdict)


def void_approvals(session: Session, post: Post) -> int:
    """Any change of content voids every earlier sign-off."""
    result = session.execute(sa.update(Approval).where(Approval.post_id == post.id, Approval.voided_at.is_(None))
                             .values(voided_at=now_utc()))
    return result.rowcount or 0
