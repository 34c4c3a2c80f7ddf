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

    def __bool__(self) -> bool:
        return self._regex is not None

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match]:
        if self._regex is None:
            return iter(())
        return self._regex.finditer(text, start, len(text) if end is None else end)

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match | None:
        if self._regex is None:
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
