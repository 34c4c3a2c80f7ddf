"""The gate's value objects: what goes in (a post and its context) and what comes out (a verdict)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

CATEGORIES = (
    "offensive",
    "harassment",
    "defamation",
    "copyright",
    "discrimination",
    "confidential",
    "personal_data",
    "reputation",
)

CLEAR = "clear"
NEEDS_APPROVAL = "needs_approval"

CONSENT = "consent"
RIGHTS_CLEARED = "rights_cleared"


@dataclass(frozen=True)
class MediaItem:
    """One attached image: a local file plus what the author declared about it."""

    path: str | None
    alt_text: str = ""
    credit: str = ""
    licence: str = ""
    media_id: str = ""


@dataclass(frozen=True)
class Declaration:
    """Something the author vouches for, e.g. kind="consent" with the consent form's reference."""

    kind: str
    reference: str = ""


@dataclass(frozen=True)
class Post:
    text: str
    link: str | None = None
    media: tuple[MediaItem, ...] = ()
    declarations: tuple[Declaration, ...] = ()

    def declares(self, kind: str) -> bool:
        return any(d.kind == kind for d in self.declarations)


@dataclass(frozen=True)
class EvaluationContext:
    """When and where the post would go out; `now` decides embargoes, so verdicts stay reproducible."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    channel: dict | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("EvaluationContext.now must be timezone-aware (UTC)")


@dataclass(frozen=True)
class Flag:
    """One reason a manager must look: which clause, where in the text (or which media item), and why."""

    category: str
    rule: str
    clause: str
    start: int
    end: int
    excerpt: str
    explanation: str
    media_id: str | None = None

    def to_dict(self) -> dict:
        shaped = {
            "category": self.category,
            "rule": self.rule,
            "clause": self.clause,
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
            "explanation": self.explanation,
        }
        # Media flags have no text span; the scheduler needs to know which attachment is meant.
        if self.media_id is not None:
            shaped["media_id"] = self.media_id
        return shaped


@dataclass(frozen=True)
class Verdict:
    decision: str
    flags: tuple[Flag, ...]
    policy_version: str

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(f.category for f in self.flags)

    def to_dict(self) -> dict:
        return {
            "decision": self.decision,
            "policy_version": self.policy_version,
            "flags": [f.to_dict() for f in self.flags],
        }
