"""Confidential: markers, embargoes with lift dates, code names, unreleased figures, credentials."""
from datetime import datetime, timezone

import pytest

from .conftest import categories


@pytest.mark.parametrize("text", [
    "INTERNAL ONLY: draft NSS results show us dropping 12 places.",
    "Not for circulation: the shortlist for the new VC is down to three names.",
    "Embargoed until 00:01 Thursday: our researchers discover a new antibiotic.",
    "Exciting news soon about Project Kestrel!",
    "Leaked memo: senior management want to cut 150 posts.",
    "Sneak peek at next year's league table: we're up to 18th! Not announced until Thursday.",
    "We're expecting redundancies in Estates after the spring review.",
    "The Wifi password for the conference is Canterbury2026!",
    "The alarm code for the practice rooms has changed to 1966.",
    "Our shared login is kentsocial / Kent$ocial2026 for the weekend.",
    "Here's our key: sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
])
def test_confidential_material_is_flagged(check, text):
    assert "confidential" in categories(check(text))


@pytest.mark.parametrize("text", [
    "Our confidential counselling service is free for all students.",
    "Need to talk? Free and confidential advice, seven days a week.",
    "Workshop: how to draft your personal statement. Bring a first draft!",
    "IT will never ask for your password by email. Reset it at password.kent.ac.uk.",
    "Our MA in Intelligence History covers spies, code names and secret operations.",
    "The NSS results come out in July; thank you to everyone who took part.",
])
def test_open_uses_of_confidential_words_stay_clear(check, text):
    verdict = check(text)
    assert "confidential" not in categories(verdict), [(f.rule, f.excerpt) for f in verdict.flags]


def test_credentials_cite_the_account_information_clause(check):
    flag = next(f for f in check("Door code is 4821#").flags if f.rule == "credential")
    assert "keep individual account information private" in flag.clause


def test_embargoed_term_is_flagged_before_the_lift_date_and_clear_after(check):
    text = "Our Global Skills Institute launches next month with £5m of funding."
    before = check(text, now=datetime(2026, 11, 30, 23, 59, tzinfo=timezone.utc))
    after = check(text, now=datetime(2026, 12, 1, 0, 2, tzinfo=timezone.utc))
    flag = next(f for f in before.flags if f.rule == "embargoed_term")
    assert text[flag.start:flag.end] == "Global Skills Institute"
    assert "2026-12-01 00:01 UTC" in flag.explanation
    assert after.decision == "clear"
