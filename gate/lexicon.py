"""Compile policy word lists into one fast, word-bounded regular expression each.

Terms are written in lower case as they would be read. A space matches any run
of spaces or hyphens ("anti racism" matches "anti-racism"); a trailing "*"
allows any word ending ("fuck*" matches "fucking"). Matching is always on whole
words, which is what keeps "Scunthorpe", "assessment" and "cocktail" clear.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_WORD_START = r"(?<![a-z0-9])"
_WORD_END = r"(?![a-z0-9])"
_TOKEN = re.compile(r"[a-z0-9]+")

_STEM_KEY = 3
# Words too common to be a useful prefilter key when a term has a rarer one.
_COMMON = frozenset("""the and you not your our this that with for are was were have has all out yet now new get can
will one about before after public official between already tell anyone first look off early back only post share
its it's his her their them they she him who what when is be been being to of in on at by as an or if do did does
no so up down just very more most some any than then there here from into over under again once
""".split())

# The token set of the last text scanned. Every lexicon is tried against the same few
# views of a post in turn, so one entry is enough; a tuple swap keeps it thread-safe.
_last_tokens: tuple[str, frozenset[str]] = ("", frozenset())


def tokens_of(text: str) -> frozenset[str]:
    """The set of [a-z0-9] words in `text`, computed once per text."""
    global _last_tokens
    cached_text, cached_tokens = _last_tokens
    if cached_text is text:
        return cached_tokens
    tokens = frozenset(_TOKEN.findall(text))
    _last_tokens = (text, tokens)
    return tokens


def _trie_pattern(terms: Iterable[str]) -> str:
    """Turn literal terms into a prefix-sharing alternation; much faster than a flat one."""
    trie: dict = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = []
        optional = "" in node
        for char in sorted(k for k in node if k):
            if char == " ":
                piece = r"[\s\-]+"
            elif char == "\x00":  # the stem marker
                piece = "[a-z']*"
            else:
                piece = re.escape(char)
            branches.append(piece + emit(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional:
            body = "(?:" + body + ")?"
        return body

    return emit(trie)


def clean_term(term: str) -> str:
    return " ".join(term.strip().lower().replace("-", " ").split())


class Lexicon:
    """A named word list that finds its terms as whole words in normalised text."""

    def __init__(self, name: str, terms: Iterable[str]) -> None:
        self.name = name
        cleaned = sorted({clean_term(t) for t in terms if t and t.strip()})
        self.terms = tuple(cleaned)
        if not cleaned:
            self._regex = None
            return
        literal = [t[:-1].rstrip() + "\x00" if t.endswith("*") else t for t in cleaned]
        self._regex = re.compile(_WORD_START + "(?:" + _trie_pattern(literal) + ")" + _WORD_END)
        # Prefilter: a term can only match if its rarest-looking word (the longest) is among the
        # text's words. A lone stem ("fuck*") or a term of symbols or emoji cannot be keyed that way.
        keys, stem_keys = set(), set()
        self._always_scan = False
        for term in cleaned:
            tokens = _TOKEN.findall(term[:-1] if term.endswith("*") else term)
            whole = tokens[:-1] if term.endswith("*") else tokens
            if whole:
                keys.add(max(whole, key=lambda t: (t not in _COMMON, len(t))))
            elif tokens and len(tokens[0]) >= _STEM_KEY:
                stem_keys.add(tokens[0][:_STEM_KEY])  # "fuck*": any word starting "fuck"
            else:
                self._always_scan = True
                break
        self._keys = frozenset(keys)
        self._stem_keys = frozenset(stem_keys)

    def __bool__(self) -> bool:
        return self._regex is not None

    def could_match(self, text: str) -> bool:
        if self._regex is None:
            return False
        if self._always_scan:
            return True
        if not self._keys.isdisjoint(tokens_of(text)):
            return True
        return any(key in text for key in self._stem_keys)

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match]:
        if not self.could_match(text):
            return iter(())
        return self._regex.finditer(text, start, len(text) if end is None else end)

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match | None:
        if not self.could_match(text):
            return None
        return self._regex.search(text, start, len(text) if end is None else end)

    def single_words(self) -> tuple[set[str], set[str]]:
        """Words and stems a de-obfuscating normaliser should recognise."""
        words, stems = set(), set()
        for term in self.terms:
            if " " in term:
                continue
            if term.endswith("*"):
                stems.add(term[:-1])
            else:
                words.add(term)
        return words, stems
