"""Harassment: "could be described as harassment or bullying" — insults aimed at someone, and threats."""
from __future__ import annotations

import re

from ..inspection import ORIGINAL, WORDS, Inspection
from . import Check
from .people import named_people

# Who an insult is aimed at: the reader ("you", "u", "ur") directly before it in the same clause.
_SECOND_PERSON = re.compile(r"(?<![a-z0-9'])(?:you|u|ya|ur|your|you're|youre|yourself|yourselves|thou)(?![a-z0-9'])")
_NEGATED = re.compile(r"(?:not|never|n't|no longer|nobody thinks|no one thinks|don't let anyone call)\s+(?:\w+\s+){0,2}$")
_COPULA_BEFORE = re.compile(r"(?:\bis|\bare|'s|\bwas|\bwere|,|:|-)\s+(?:(?:a|an|such|so|the|an|utter|complete|total|absolute|"
                            r"bloody|fucking|real|total|right|proper|massive|just|nothing but|one)\s+)*$")


class HarassmentCheck(Check):
    category = "harassment"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.insults = self.lexicon("insults")
        self.threats = self.lexicon("threats")

    def evasion_lexicons(self):
        return [self.insults]

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        people = None
        for match in self.insults.finditer(words):
            sentence_start, _ = inspection.sentence(WORDS, match.start())
            before = words[max(sentence_start, match.start() - 45):match.start()]
            if _NEGATED.search(before):
                continue
            if _SECOND_PERSON.search(before):
                inspection.flag(self.category, "insult_at_reader", WORDS, *match.span(),
                                f"Calls the person addressed \u201c{match.group()}\u201d; insulting someone from an "
                                "official account is bullying.")
                continue
            if people is None:
                people = named_people(inspection.original)
            start, _ = inspection.to_original(WORDS, *match.span())
            target = _named_target_before(inspection, people, start)
            if target and _COPULA_BEFORE.search(before):
                inspection.flag(self.category, "insult_at_named_person", ORIGINAL, target[0],
                                inspection.to_original(WORDS, *match.span())[1],
                                f"Calls {inspection.original[target[0]:target[1]]} \u201c{match.group()}\u201d; "
                                "publicly insulting a named person is bullying.")
        for match in self.threats.finditer(words):
            inspection.flag(self.category, "threat_or_intimidation", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d reads as a threat, intimidation or a call to pile on "
                            "someone.")


def _named_target_before(inspection: Inspection, people: list[tuple[int, int]], index: int):
    sentence_start, _ = inspection.sentence(ORIGINAL, index)
    window_start = max(sentence_start, index - 60)
    best = None
    for start, end in people:
        if window_start <= start and end <= index:
            best = (start, end)
    return best
