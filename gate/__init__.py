"""The guideline gate: checks a post against the staff social media guidelines and explains every flag.

A pure library (no web framework, no database): the scheduler calls `evaluate`
on every submit and edit; `python -m gate` offers the same checks on the command line.
"""
from .engine import evaluate
from .model import (
    CATEGORIES,
    CLEAR,
    CONSENT,
    NEEDS_APPROVAL,
    RIGHTS_CLEARED,
    Declaration,
    EvaluationContext,
    Flag,
    MediaItem,
    Post,
    Verdict,
)
from .policy import Policy, PolicyError, PolicyHolder, default_policy, load_policy, policy_from_text

__all__ = [
    "CATEGORIES", "CLEAR", "CONSENT", "NEEDS_APPROVAL", "RIGHTS_CLEARED",
    "Declaration", "EvaluationContext", "Flag", "MediaItem", "Post", "Verdict",
    "Policy", "PolicyError", "PolicyHolder", "default_policy", "load_policy", "policy_from_text", "evaluate",
]
