"""Defamation: a named person or organisation plus an unproven allegation stated as fact."""
from __future__ import annotations

import re

from ..inspection import ORIGINAL, WORDS, Inspection
from . import Check
from .people import role_holders

# "his study was completely made up", "their figures are bogus": a claim of fabrication about someone's work.
_FABRICATION = re.compile(
    r"(?<![a-z])(?:was|were|is|are|has been|have been)\s+(?:(?:completely|totally|entirely|all|just|clearly|"
    r"basically|utterly|obviously)\s+)?(?:made up|fabricated|faked|fake|bogus|fraudulent|plagiarised|plagiarized|"
    r"a sham|a lie|lies|invented|doctored|rigged|copied)(?![a-z])(?!\s+of\b)")
_FABRICATION_HINTS = ("made up", "fabricat", "fake", "bogus", "fraudulent", "plagiari", "sham", " lie", "invented",
                      "doctored", "rigged", "copied")
_PRONOUN = re.compile(r"(?<![a-z])(?:he|she|they|his|her|their|them|him|it|its)(?![a-z])")


class DefamationCheck(Check):
    category = "defamation"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.allegations = self.lexicon("allegations")
        # Reporting words ("allegedly", "accused of", "cleared of") and teaching contexts
        # ("how to avoid plagiarism") mean the sentence does not assert the allegation.
        self.hedges = self.lexicon("hedges", shared=False)  # consulted per allegation, in its sentence

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        found = list(self.allegations.finditer(words))
        if any(hint in words for hint in _FABRICATION_HINTS):
            found += list(_FABRICATION.finditer(words))
        for match in found:
            sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
            if self.hedges.search_window(words, sentence_start, sentence_end):
                continue
            start, end = inspection.to_original(WORDS, *match.span())
            o_start, o_end = inspection.sentence(ORIGINAL, start)
            previous_start, _ = inspection.sentence(ORIGINAL, max(0, o_start - 2))
            people = inspection.people_in(previous_start, o_end)
            target = _target_for(inspection, people, start, words[sentence_start:sentence_end])
            if target is None:  # organisations are found only when no person is the target
                target = _target_for(inspection, inspection.organisations_in(previous_start, o_end), start,
                                     words[sentence_start:sentence_end])
            if target is None:
                target = _target_for(inspection, role_holders(inspection.original), start,
                                     words[sentence_start:sentence_end])
            if target is None:
                continue
            who = inspection.original[target[0]:target[1]]
            inspection.flag(self.category, "allegation_as_fact", ORIGINAL, min(target[0], start), max(end, target[1]),
                            f"States as fact that {who} did something unlawful or dishonest (\u201c{match.group()}\u201d)"
                            " without saying it is proven; that could be defamatory.")


def _target_for(inspection: Inspection, targets: list[tuple[int, int]], index: int, sentence_words: str):
    sentence_start, sentence_end = inspection.sentence(ORIGINAL, index)
    in_sentence = [t for t in targets if sentence_start <= t[0] and t[1] <= sentence_end]
    if in_sentence:
        before = [t for t in in_sentence if t[1] <= index]
        return before[-1] if before else in_sentence[0]
    # "He faked the results." — the person was named in the previous sentence.
    if _PRONOUN.search(sentence_words):
        earlier = [t for t in targets if t[1] <= sentence_start and sentence_start - t[1] < 200]
        if earlier:
            return earlier[-1]
    return None
