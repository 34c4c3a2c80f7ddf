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
        # The stem marker goes last: its "[a-z']*" can match nothing, and the first branch that
        # succeeds wins, so trying it first would cut "research on" short at "research".
        for char in sorted((k for k in node if k), key=lambda k: (k == "\x00", k)):
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


def _term_pattern(term: str) -> str:
    if term.endswith("*"):
        return _trie_pattern([term[:-1].rstrip() + "\x00"])
    return _trie_pattern([term])


def clean_term(term: str) -> str:
    return " ".join(term.strip().lower().replace("-", " ").split())


class Hit(tuple):
    """A lexicon match found by the shared scan: (start, end, text), with the parts of re.Match the checks use.

    A tuple subclass because the scan makes one per match and tuple creation is cheap.
    """

    __slots__ = ()

    def start(self) -> int:
        return self[0]

    def end(self) -> int:
        return self[1]

    def span(self) -> tuple[int, int]:
        return self[0], self[1]

    def group(self) -> str:
        return self[2]


class Lexicon:
    """A named word list that finds its terms as whole words in normalised text."""

    def __init__(self, name: str, terms: Iterable[str], shared: bool = True) -> None:
        self.name = name
        # False for lists only ever applied to short fields (a media credit, alt text): keeping them out
        # of the shared scan stops every post being matched against them.
        self.shared = shared
        self.index: LexiconIndex | None = None
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
        if self.index is not None:
            return bool(self.index.hits_for(self, text))
        if self._always_scan:
            return True
        if not self._keys.isdisjoint(tokens_of(text)):
            return True
        return any(key in text for key in self._stem_keys)

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match]:
        if self._regex is None:
            return iter(())
        if self.index is not None:
            hits = self.index.hits_for(self, text)
            if start == 0 and end is None:
                return iter(hits)
            stop = len(text) if end is None else end
            return iter([h for h in hits if h[0] >= start and h[1] <= stop])
        if not self.could_match(text):
            return iter(())
        return self._regex.finditer(text, start, len(text) if end is None else end)

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match | None:
        if self._regex is None:
            return None
        if self.index is not None:
            stop = len(text) if end is None else end
            return next((h for h in self.index.hits_for(self, text) if h[0] >= start and h[1] <= stop), None)
        if not self.could_match(text):
            return None
        return self._regex.search(text, start, len(text) if end is None else end)

    def search_window(self, text: str, start: int, end: int) -> re.Match | None:
        """This list's own pattern over text[start:end] only: for lists consulted per hit, in one sentence."""
        return self._regex.search(text, start, end) if self._regex is not None else None

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


class LexiconIndex:
    """One scan per text for every lexicon of a policy, instead of one scan per lexicon.

    The combined pattern reports, at each word start, the longest term that begins
    there; shorter terms that are word-prefixes of it ("older" inside "older people")
    are derived from it, so each lexicon sees the same matches its own regex would.
    """

    def __init__(self, lexicons: Iterable[Lexicon]) -> None:
        self.lexicons = [lex for lex in lexicons if lex]
        owners: dict[str, list[int]] = {}
        for number, lexicon in enumerate(self.lexicons):
            for term in lexicon.terms:
                owners.setdefault(term, []).append(number)
            lexicon.index = self
            lexicon._index_number = number
        self._owners = owners
        self._stems = sorted((t[:-1].rstrip() for t in owners if t.endswith("*")), key=len, reverse=True)
        literal = [t[:-1].rstrip() + "\x00" if t.endswith("*") else t for t in owners]
        # Anchored on the character before a word (the text gets a leading space): starting with a
        # character class lets the regex engine skip ahead, ~15% faster than a look-behind at every position.
        self._regex = re.compile("[^a-z0-9](?=(" + _trie_pattern(literal) + ")" + _WORD_END + ")")
        # For each term, the other terms that are whole-word prefixes of it.
        self._prefix_terms: dict[str, list[str]] = {}
        for term in owners:
            words = term.rstrip("*").split(" ")
            prefixes = [" ".join(words[:n]) for n in range(1, len(words))]
            found = [p for p in prefixes if p in owners]
            # A stem ("research*") also covers a longer listed word ("researches") or phrase.
            found += [stem + "*" for stem in self._stems if term != stem + "*" and term.startswith(stem)]
            if found:
                self._prefix_terms[term] = found
        self._term_regexes: dict[str, re.Pattern] = {}
        self._last: tuple[str, dict[int, list[Hit]]] = ("", {})

    def _term_of(self, matched: str) -> str | None:
        canonical = " ".join(matched.replace("-", " ").split())
        if canonical in self._owners:
            return canonical
        for stem in self._stems:
            if canonical.startswith(stem):
                return stem + "*"
        return None

    def _short_match(self, term: str, text: str, start: int) -> re.Match | None:
        pattern = self._term_regexes.get(term)
        if pattern is None:
            pattern = self._term_regexes[term] = re.compile("(?:" + _term_pattern(term) + ")" + _WORD_END)
        return pattern.match(text, start)

    def _scan(self, text: str) -> dict[int, list[Hit]]:
        hits: dict[int, list[Hit]] = {}
        reach: dict[int, int] = {}  # per lexicon: keep non-overlapping, leftmost-longest matches
        owners = self._owners
        prefix_terms = self._prefix_terms
        # Matches arrive in start order, longest first at each start, so no sorting is needed.
        padded = " " + text
        for match in self._regex.finditer(padded):
            start, end = match.span(1)
            start -= 1
            end -= 1
            matched = text[start:end]
            term = matched if matched in owners else self._term_of(matched)
            if term is None:
                continue
            for number in owners[term]:
                if start >= reach.get(number, -1):
                    hits.setdefault(number, []).append(Hit((start, end, matched)))
                    reach[number] = end
            if term in prefix_terms:
                for shorter in prefix_terms[term]:
                    short = self._short_match(shorter, text, start)
                    if short:
                        for number in owners[shorter]:
                            if start >= reach.get(number, -1):
                                hits.setdefault(number, []).append(Hit((start, short.end(), short.group())))
                                reach[number] = short.end()
        return hits

    def hits_for(self, lexicon: Lexicon, text: str) -> list[Hit]:
        cached_text, cached = self._last
        if cached_text is not text:
            cached = self._scan(text)
            self._last = (text, cached)
        return cached.get(lexicon._index_number, [])
