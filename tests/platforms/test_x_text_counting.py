"""X's weighted length: URLs 23, emoji 2 (whole sequences), CJK 2, Latin 1, NFC first."""
import pytest

from platforms import Draft
from platforms.x_text import weighted_length


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello", 5),
        ("café", 4),
        ("cafe\u0301", 4),  # NFC turns e + combining acute into one character
        ("日本語", 6),
        ("한국어", 6),
        ("😀", 2),
        ("👍🏽", 2),  # skin tone modifier is part of the emoji
        ("👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family counts once
        ("🇬🇧", 2),  # flag = two regional indicators
        ("https://example.com/a/very/long/path?with=query&and=more", 23),
        ("see https://example.com/x.", 4 + 23 + 1),  # trailing full stop is not part of the URL
        ("two links http://a.org and example.com", 10 + 23 + 5 + 23),
        ("“quotes” — dash", 15),  # typographic quotes and dashes weigh 1
        ("wait…", 6),  # U+2026 is outside twitter-text's light ranges: it weighs 2
    ],
)
def test_weighted_length(text, expected):
    assert weighted_length(text) == expected


def test_x_validate_counts_the_appended_link_and_the_limit(make_platform):
    x = make_platform("x")
    at_limit = "a" * (280 - 24)
    assert x.validate(Draft(at_limit, link="https://example.org/" + "p" * 200)) == []
    too_long = x.validate(Draft(at_limit + "b", link="https://example.org/"))
    assert [p.code for p in too_long] == ["too_long"]
    assert x.validate(Draft("日" * 140)) == []
    assert [p.code for p in x.validate(Draft("日" * 141))] == ["too_long"]
    assert x.validate(Draft("😀" * 140)) == []
    assert [p.code for p in x.validate(Draft("😀" * 140 + "!"))] == ["too_long"]
