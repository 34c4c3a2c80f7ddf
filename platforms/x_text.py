"""X's weighted character count, following twitter-text's v3 configuration.

X counts code points after NFC normalisation: most Latin, punctuation and
common symbols weigh 1, everything else (CJK, emoji...) weighs 2, every URL
weighs 23 whatever its length (t.co wrapping), and an emoji sequence (ZWJ
families, skin tones, flags, keycaps) weighs 2 as a whole.
"""
from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
DEFAULT_WEIGHT = 2

# twitter-text v3 "ranges" of weight 1 (scale 100 / weight 100 in its config).
_LIGHT_RANGES = (
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
)

# Bare domains are linkified (and so weigh 23) only for known TLDs; this is a
# deliberately short list of the common ones, not twitter-text's full list.
_TLDS = (
    "com|org|net|edu|gov|int|mil|io|co|uk|ac|de|fr|eu|info|biz|me|tv|ly|app|dev|"
    "news|online|site|ca|au|nz|ie|nl|be|es|it|jp|cn|in|us"
)
_URL_PATTERN = re.compile(
    r"(?<![\w@.])(?:https?://[^\s]+|(?:www\.)?(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")\b(?:/[^\s]*)?)",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?'\")]}"

_ZWJ = 0x200D
_VARIATION_SELECTOR_16 = 0xFE0F
_KEYCAP = 0x20E3


def _is_emoji_base(cp: int) -> bool:
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x2300 <= cp <= 0x23FF
        or 0x2B00 <= cp <= 0x2BFF
        or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
    )


def _is_emoji_modifier(cp: int) -> bool:
    return (
        cp == _VARIATION_SELECTOR_16
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tag sequences (subdivision flags)
        or cp == _KEYCAP
    )


def _is_regional_indicator(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _char_weight(cp: int) -> int:
    for low, high in _LIGHT_RANGES:
        if low <= cp <= high:
            return 1
    return DEFAULT_WEIGHT


def _text_weight(text: str) -> int:
    weight = 0
    i = 0
    n = len(text)
    while i < n:
        cp = ord(text[i])
        keycap = (
            text[i] in "0123456789#*"
            and i + 1 < n
            and (ord(text[i + 1]) == _KEYCAP or (ord(text[i + 1]) == _VARIATION_SELECTOR_16 and i + 2 < n and ord(text[i + 2]) == _KEYCAP))
        )
        if _is_regional_indicator(cp):
            # A flag is a pair of regional indicators and counts once.
            i += 2 if i + 1 < n and _is_regional_indicator(ord(text[i + 1])) else 1
            weight += DEFAULT_WEIGHT
            continue
        if _is_emoji_base(cp) or keycap:
            i += 1
            while i < n:
                nxt = ord(text[i])
                if _is_emoji_modifier(nxt):
                    i += 1
                elif nxt == _ZWJ and i + 1 < n and _is_emoji_base(ord(text[i + 1])):
                    i += 2
                else:
                    break
            weight += DEFAULT_WEIGHT
            continue
        weight += _char_weight(cp)
        i += 1
    return weight


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of the URLs X would wrap with t.co."""
    spans = []
    for match in _URL_PATTERN.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
            end -= 1
        spans.append((start, end))
    return spans


def weighted_length(text: str) -> int:
    """The length X compares against its 280 limit."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for start, end in find_urls(text):
        total += _text_weight(text[position:start]) + URL_WEIGHT
        position = end
    return total + _text_weight(text[position:])
