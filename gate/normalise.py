"""Text normalisation that remembers where every character came from.

Checks run on two normalised views of a post and report spans in the original:

* ``folded`` — NFKC, case folding, accents and zero-width characters removed,
  look-alike letters from other scripts mapped to Latin. Used for patterns
  (phone numbers, e-mail addresses, markers).
* ``words`` — ``folded`` plus de-obfuscation of words a lexicon cares about:
  leetspeak and symbols inside words ("sh1t", "@ss"), masked letters ("f*ck"),
  letters spaced or dotted apart ("f u c k", "s.h.i.t") and stretched letters
  ("fuuuck"). A token is only rewritten when the rewrite is a lexicon word, so
  "3pm", "b2b" or an e-mail address are left exactly as written.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

# Letters from other scripts that render like Latin ones and are used to dodge filters.
_LOOKALIKES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
    "α": "a", "ε": "e", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ι": "i", "κ": "k", "ν": "v",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ",
})

_LEET_PRIMARY = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                 "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e"}
_LEET_SECONDARY = {"1": "l", "|": "i", "!": "l", "0": "o", "5": "s", "4": "a", "3": "e", "7": "t",
                   "@": "a", "$": "s", "+": "t", "8": "b", "9": "g", "€": "e"}
_MASKS = frozenset("*#%_")

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*]{1,2}[a-z]){2,}(?![a-z0-9])")
_TOKEN_TAIL = re.compile(r"[a-z0-9@$!|+*#%€]*$")
_TOKEN_HEAD = re.compile(r"[a-z0-9@$!|+*#%€]*")
_LETTERS_TAIL = re.compile(r"[a-z]*$")
_LETTERS_HEAD = re.compile(r"[a-z]*")
# A letter touching a digit or symbol: the only places leetspeak and masking can hide.
# (Written symbol-first so the regex engine can skip straight to candidate characters.)
_SYMBOL_IN_WORD = re.compile(r"[0-9@$!|+*#%€](?:(?<=[a-z].)|(?=[a-z]))")
# Cheap hint that letters are spaced out somewhere; the full pattern runs only then.
_SPACED_HINT = re.compile(r"[ .\-_*][a-z][ .\-_*]{1,2}[a-z](?![a-z0-9])")
_STRETCHED = re.compile(r"([a-z])\1\1")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """Fold one non-ASCII character to the ASCII-ish form the checks match against."""
    if unicodedata.category(char) == "Cf":  # zero-width joiners, soft hyphens, BOMs
        return ""
    folded = unicodedata.normalize("NFKC", char).casefold()
    stripped = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return stripped.translate(_LOOKALIKES)


class OffsetMap:
    """Maps spans of a derived string back to the string it was derived from.

    Stored as segments: an exact segment copies characters one for one; a
    replaced segment stands for a source span as a whole.
    """

    __slots__ = ("_dst_starts", "_dst_ends", "_src_starts", "_src_ends", "_exact")

    def __init__(self) -> None:
        self._dst_starts: list[int] = []
        self._dst_ends: list[int] = []
        self._src_starts: list[int] = []
        self._src_ends: list[int] = []
        self._exact: list[bool] = []

    def add(self, dst_start: int, dst_end: int, src_start: int, src_end: int, exact: bool) -> None:
        if dst_end <= dst_start:
            return  # deleted characters: nothing in the derived text points at them
        self._dst_starts.append(dst_start)
        self._dst_ends.append(dst_end)
        self._src_starts.append(src_start)
        self._src_ends.append(src_end)
        self._exact.append(exact)

    def _segment(self, index: int) -> int:
        return max(bisect_right(self._dst_starts, index) - 1, 0)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        if not self._dst_starts:
            return start, end
        first = self._segment(start)
        src_start = (self._src_starts[first] + (start - self._dst_starts[first])
                     if self._exact[first] else self._src_starts[first])
        last = self._segment(max(end - 1, start))
        src_end = (self._src_starts[last] + (end - self._dst_starts[last])
                   if self._exact[last] else self._src_ends[last])
        return src_start, max(src_end, src_start)


class Vocabulary:
    """The words worth de-obfuscating: single-word lexicon terms, plus stems ("fuck*")."""

    def __init__(self, words: set[str], stems: set[str]) -> None:
        self.words = frozenset(words)
        self.stems = tuple(sorted(stems))
        by_length: dict[int, list[str]] = {}
        for word in sorted(self.words):
            by_length.setdefault(len(word), []).append(word)
        self._by_length = by_length
        self._deleet_cache: dict[str, str | None] = {}

    def deleet(self, token: str) -> str | None:
        """`_deleet` with a cache: the same handles, times and tokens recur from post to post."""
        cache = self._deleet_cache
        if token not in cache:
            if len(cache) > 50_000:
                cache.clear()
            cache[token] = _deleet(token, self)
        return cache[token]

    def __contains__(self, candidate: str) -> bool:
        return candidate in self.words or any(candidate.startswith(s) for s in self.stems)

    def unmask(self, token: str) -> str | None:
        """Resolve "f*ck" / "sh#t" / "f***ing" to the one lexicon word it can stand for."""
        def fits(written: str, word: str) -> bool:
            return all(t == w or (t in _MASKS and i > 0) for i, (t, w) in enumerate(zip(written, word)))

        for word in self._by_length.get(len(token), ()):
            if fits(token, word):
                return word
        for stem in self.stems:
            rest = token[len(stem):]
            if len(token) > len(stem) and fits(token[:len(stem)], stem) and rest.isalpha():
                return stem + rest
        return None


@dataclass(frozen=True)
class NormalisedText:
    original: str
    folded: str
    words: str
    _folded_map: OffsetMap | None
    _words_map: OffsetMap | None

    @property
    def is_aligned(self) -> bool:
        """True when no character was added, removed or moved: offsets are the same in every view."""
        return self._folded_map is None and self._words_map is None

    def folded_to_original(self, start: int, end: int) -> tuple[int, int]:
        if self._folded_map is None:
            return start, end
        return self._folded_map.source_span(start, end)

    def words_to_original(self, start: int, end: int) -> tuple[int, int]:
        if self._words_map is not None:
            start, end = self._words_map.source_span(start, end)
        return self.folded_to_original(start, end)


def _fold(text: str) -> tuple[str, OffsetMap | None]:
    if text.isascii():
        return text.lower(), None  # same length, so offsets are unchanged
    pieces: list[str] = []
    offsets = OffsetMap()
    one_for_one = True  # stays true while every character folds to exactly one character
    out_len = 0
    cursor = 0
    for run in _NON_ASCII.finditer(text):
        if run.start() > cursor:
            plain = text[cursor:run.start()].lower()
            offsets.add(out_len, out_len + len(plain), cursor, run.start(), exact=True)
            pieces.append(plain)
            out_len += len(plain)
        folds = [fold_char(char) for char in run.group()]
        if all(len(f) == 1 for f in folds):  # emoji, "£", "’" -> "'": a straight copy, offset for offset
            joined = "".join(folds)
            offsets.add(out_len, out_len + len(joined), run.start(), run.end(), exact=True)
            pieces.append(joined)
            out_len += len(joined)
        else:
            one_for_one = False
            for index, folded in enumerate(folds, start=run.start()):
                offsets.add(out_len, out_len + len(folded), index, index + 1, exact=len(folded) == 1)
                pieces.append(folded)
                out_len += len(folded)
        cursor = run.end()
    if cursor < len(text):
        plain = text[cursor:].lower()
        offsets.add(out_len, out_len + len(plain), cursor, len(text), exact=True)
        pieces.append(plain)
    # Python's lower() can change length too (e.g. "İ"); only a same-length result keeps offsets as they are.
    folded_text = "".join(pieces)
    if one_for_one and len(folded_text) == len(text):
        return folded_text, None
    return folded_text, offsets


def _deleet(token: str, vocabulary: Vocabulary) -> str | None:
    """Return the lexicon word a symbol-laden token spells, or None; same length as the token."""
    if not any(c.isalpha() for c in token):
        return None
    if any(c in _MASKS for c in token) and token[0].isalpha():
        unmasked = vocabulary.unmask(token)
        if unmasked:
            return unmasked
    for table in (_LEET_PRIMARY, _LEET_SECONDARY):
        candidate = "".join(table.get(c, c) for c in token)
        if candidate in vocabulary:
            return candidate
        trimmed = token.rstrip("!|")  # "shit!" — the bang is punctuation, not an "i"
        if trimmed != token:
            candidate = "".join(table.get(c, c) for c in trimmed)
            if candidate in vocabulary:
                return candidate + token[len(trimmed):]
    return None


def _unstretch(token: str, vocabulary: Vocabulary) -> str | None:
    once = re.sub(r"([a-z])\1+", r"\1", token)
    if once in vocabulary:
        return once
    twice = re.sub(r"([a-z])\1{2,}", r"\1\1", token)
    if twice in vocabulary:
        return twice
    return None


def _token_around(text: str, index: int, before: re.Pattern, after: re.Pattern) -> tuple[int, int]:
    """The run of token characters around `index`, found with two anchored regex calls."""
    start = before.search(text, max(0, index - 40), index).start()
    end = after.match(text, index).end()
    return start, end


def _rewrite_words(folded: str, vocabulary: Vocabulary) -> tuple[str, OffsetMap | None]:
    # (start, end, replacement) for every token that spells a lexicon word in disguise
    edits: list[tuple[int, int, str]] = []
    seen_end = -1
    for hit in _SYMBOL_IN_WORD.finditer(folded):
        if hit.start() < seen_end:
            continue
        start, end = _token_around(folded, hit.start(), _TOKEN_TAIL, _TOKEN_HEAD)
        seen_end = end
        replacement = vocabulary.deleet(folded[start:end])
        if replacement:
            edits.append((start, end, replacement))
    spaced = _SPACED_HINT.search(folded) or folded[1:2] in (" ", ".", "-", "_", "*")
    for match in (_SPACED_LETTERS.finditer(folded) if spaced else ()):
        joined = "".join(c for c in match.group() if c.isalpha())
        if joined in vocabulary:
            edits.append((match.start(), match.end(), joined))
    seen_end = -1
    for hit in _STRETCHED.finditer(folded):
        if hit.start() < seen_end:
            continue
        start, end = _token_around(folded, hit.start(), _LETTERS_TAIL, _LETTERS_HEAD)
        seen_end = end
        replacement = _unstretch(folded[start:end], vocabulary)
        if replacement:
            edits.append((start, end, replacement))
    if not edits:
        return folded, None
    edits.sort()
    pieces: list[str] = []
    offsets = OffsetMap()
    out_len = 0
    cursor = 0
    for start, end, replacement in edits:
        if start < cursor:
            continue  # overlapping rewrite: the first one wins
        if start > cursor:
            offsets.add(out_len, out_len + start - cursor, cursor, start, exact=True)
            pieces.append(folded[cursor:start])
            out_len += start - cursor
        exact = len(replacement) == end - start
        offsets.add(out_len, out_len + len(replacement), start, end, exact=exact)
        pieces.append(replacement)
        out_len += len(replacement)
        cursor = end
    if cursor < len(folded):
        offsets.add(out_len, out_len + len(folded) - cursor, cursor, len(folded), exact=True)
        pieces.append(folded[cursor:])
    return "".join(pieces), offsets


def normalise(text: str, vocabulary: Vocabulary) -> NormalisedText:
    """Build the folded and words views of `text`, each with its way back to the original."""
    folded, folded_map = _fold(text)
    words, words_map = _rewrite_words(folded, vocabulary)
    return NormalisedText(text, folded, words, folded_map, words_map)
