"""Per-post working state shared by the checks: normalised views, sentences and flag making."""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property

from .model import EvaluationContext, Flag, Post
from .normalise import NormalisedText

# A newline always ends a sentence; . ! ? end one when followed by a space or the end.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)|[.!?]*(?!\S))")
_ABBREVIATIONS = frozenset("co ltd inc plc dr prof mr mrs ms mx st rev revd cllr eg ie etc vs approx dept no".split())
MAX_EXCERPT = 160

FOLDED = "folded"
WORDS = "words"
ORIGINAL = "original"


class Inspection:
    """One post being checked. Spans given to `flag` are in the named view's coordinates."""

    def __init__(self, post: Post, context: EvaluationContext, clauses: dict[str, str], text: NormalisedText):
        self.post = post
        self.context = context
        self.clauses = clauses
        self.text = text
        self.original = text.original
        self.folded = text.folded
        self.words = text.words
        self.flags: list[Flag] = []
        self._same_offsets = len(self.original) == len(self.folded) == len(self.words) and text.is_aligned

    def _boundaries(self, view_text: str) -> list[int]:
        ends = []
        for match in _SENTENCE_END.finditer(view_text):
            if match.group() == ".":
                start = match.start()
                word = view_text[max(0, start - 7):start].rsplit(None, 1)[-1:]
                if word and word[0].lower().lstrip("(") in _ABBREVIATIONS:
                    continue  # "Kent Cleaning Co. knowingly ..." is one sentence
            ends.append(match.end())
        return ends

    @cached_property
    def _sentence_ends(self) -> dict[str, list[int]]:
        return {}

    def people_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """Named people and @handles within original[start:end] — usually a sentence or two.

        Checks ask about the sentence around a hit, so scanning just that is much cheaper on
        long posts than finding every name in the text.
        """
        cache = self.__dict__.setdefault("_people_cache", {})
        if (start, end) not in cache:
            from .checks.people import named_people

            cache[(start, end)] = [(start + a, start + b) for a, b in named_people(self.original[start:end])]
        return cache[(start, end)]

    def organisations_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """Named organisations within original[start:end]."""
        cache = self.__dict__.setdefault("_organisations_cache", {})
        if (start, end) not in cache:
            from .checks.people import named_organisations

            cache[(start, end)] = [(start + a, start + b) for a, b in named_organisations(self.original[start:end])]
        return cache[(start, end)]

    def sentence(self, view: str, index: int) -> tuple[int, int]:
        """Bounds of the sentence holding `index` in the given view."""
        view_text = self.view(view)
        if self._same_offsets:
            view = ORIGINAL  # all three views line up character for character: share one sentence list
        ends = self._sentence_ends.get(view)
        if ends is None:
            ends = self._sentence_ends[view] = self._boundaries(view_text)
        position = bisect_right(ends, index)
        start = ends[position - 1] if position > 0 else 0
        end = ends[position] if position < len(ends) else len(view_text)
        return start, end

    @property
    def cue_text(self) -> str:
        """Text to look up cue words in, with folded-view offsets.

        The words view shares the lexicon scan already made; it can stand in for the folded view
        whenever de-obfuscation kept every length ("sh1t" -> "shit"), which is nearly always.
        """
        return self.words if len(self.words) == len(self.folded) else self.folded

    def view(self, name: str) -> str:
        return {FOLDED: self.folded, WORDS: self.words, ORIGINAL: self.original}[name]

    def to_original(self, view: str, start: int, end: int) -> tuple[int, int]:
        if view == WORDS:
            return self.text.words_to_original(start, end)
        if view == FOLDED:
            return self.text.folded_to_original(start, end)
        return start, end

    def flag(self, category: str, rule: str, view: str, start: int, end: int, explanation: str,
             clause_key: str | None = None) -> None:
        start, end = self.to_original(view, start, end)
        excerpt = self.original[start:end]
        if len(excerpt) > MAX_EXCERPT:
            excerpt = excerpt[:MAX_EXCERPT - 1] + "…"
        self.flags.append(Flag(category, rule, self.clauses[clause_key or category], start, end,
                               excerpt, explanation))

    def flag_media(self, category: str, rule: str, media_id: str, excerpt: str, explanation: str) -> None:
        self.flags.append(Flag(category, rule, self.clauses[category], 0, 0, excerpt[:MAX_EXCERPT],
                               explanation, media_id=media_id))

    def flag_link(self, category: str, rule: str, explanation: str) -> None:
        """A flag about the post's separate link: no text span, the link is the excerpt."""
        self.flags.append(Flag(category, rule, self.clauses[category], 0, 0, (self.post.link or "")[:MAX_EXCERPT],
                               explanation))
