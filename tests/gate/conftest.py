from datetime import datetime, timezone
from pathlib import Path

import pytest

from gate import EvaluationContext, Post, default_policy, evaluate

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).parent / "corpus" / "dev.jsonl"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def policy():
    return default_policy()


@pytest.fixture
def check(policy):
    """Evaluate text (or a Post) at a fixed time; returns the verdict."""
    def run(text_or_post, now=NOW, **post_fields):
        post = text_or_post if isinstance(text_or_post, Post) else Post(text_or_post, **post_fields)
        return evaluate(post, policy, EvaluationContext(now=now))
    return run


def categories(verdict) -> set[str]:
    return {f.category for f in verdict.flags}
