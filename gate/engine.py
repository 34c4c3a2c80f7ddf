"""Runs every enabled category's checks over a post and turns the flags into a verdict."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .inspection import Inspection
from .model import CLEAR, NEEDS_APPROVAL, EvaluationContext, Flag, Post, Verdict
from .lexicon import Lexicon, LexiconIndex
from .normalise import Vocabulary, normalise

if TYPE_CHECKING:
    from .policy import Policy

logger = logging.getLogger(__name__)


class Engine:
    """The checks compiled from one policy. Built once per policy, shared by every evaluation."""

    def __init__(self, policy: Policy) -> None:
        # Imported here so that policy.py -> engine.py -> checks -> policy types stays acyclic.
        from .checks import build_checks

        self.policy = policy
        self.checks = build_checks(policy)
        words: set[str] = set()
        stems: set[str] = set()
        for check in self.checks:
            for lexicon in check.evasion_lexicons():
                found_words, found_stems = lexicon.single_words()
                words |= found_words
                stems |= found_stems
        self.vocabulary = Vocabulary(words, stems)
        LexiconIndex(_lexicons_of(self.checks))

    def evaluate(self, post: Post, context: EvaluationContext) -> Verdict:
        text = post.text
        normalised = normalise(text, self.vocabulary)
        inspection = Inspection(post, context, self.policy.clauses, normalised)
        for check in self.checks:
            try:
                check.run(inspection)
            except Exception:  # a bug in one check must not wave the post through: fail closed
                logger.exception("gate check %s failed (policy %s)", check.category, self.policy.version)
                inspection.flags.append(Flag(check.category, "check_failed", self.policy.clauses[check.category], 0, 0,
                                             "", "This check could not run on the post; review it by hand."))
        flags = _deduplicate(inspection.flags)
        decision = NEEDS_APPROVAL if flags else CLEAR
        return Verdict(decision, tuple(flags), self.policy.version)


def _lexicons_of(checks) -> list[Lexicon]:
    """Every Lexicon a check holds, directly or in a list, tuple or dict attribute."""
    found: list[Lexicon] = []
    for check in checks:
        for value in vars(check).values():
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
            for item in items:
                candidates = item if isinstance(item, tuple) else (item,)
                found.extend(c for c in candidates if isinstance(c, Lexicon) and c.shared)
    return found


def _deduplicate(flags: list[Flag]) -> list[Flag]:
    """One flag per (category, rule, span); a span inside another of the same rule is dropped."""
    ordered = sorted(set(flags), key=lambda f: (f.media_id or "", f.start, -(f.end - f.start), f.category, f.rule,
                                                f.explanation))
    kept: list[Flag] = []
    for flag in ordered:
        if any(k.category == flag.category and k.rule == flag.rule and k.media_id == flag.media_id
               and k.start <= flag.start and flag.end <= k.end and (k.end > k.start or flag.end == flag.start)
               for k in kept):
            continue
        kept.append(flag)
    return kept


def evaluate(post: Post, policy: Policy | None = None, context: EvaluationContext | None = None) -> Verdict:
    """Check one post against the policy (the shipped default if none is given)."""
    from .policy import default_policy

    policy = policy or default_policy()
    context = context or EvaluationContext()
    return policy.engine.evaluate(post, context)
