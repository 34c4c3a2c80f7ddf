"""Reputation: attacks on the organisation or its leaders, partisan endorsements, flippancy about tragedies."""
from __future__ import annotations

import re

from ..inspection import WORDS, Inspection
from ..lexicon import Lexicon
from . import Check

_ENDORSE_GAP = r"(?:\s+(?:the|a|an|your|our|local))*\s+"


class ReputationCheck(Check):
    category = "reputation"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        organisation = policy.section("organisation")
        self.targets = Lexicon("reputation.targets", list(organisation.get("names") or ())
                               + list(organisation.get("leadership") or ()) + list(organisation.get("units") or ()))
        self.partisan_predicates = self.lexicon("partisan_predicates")
        self.dismissive = self.lexicon("dismissive_phrases")
        self.disparagement = self.lexicon("disparagement")
        self.parties = self.lexicon("parties")
        self.partisan = self.lexicon("partisan_phrases")
        self.tragedies = self.lexicon("tragedies")
        self.flippancy = self.lexicon("flippancy")
        self.condolence = self.lexicon("condolence")
        endorsement = Lexicon("reputation.endorsement", self.settings.get("endorsement") or ())
        parties = self.parties
        # "vote Labour", "back the Greens": an endorsement verb directly before a party name.
        self._endorsement = (re.compile(endorsement._regex.pattern + _ENDORSE_GAP + parties._regex.pattern)
                             if endorsement and parties else None)

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        self._attacks(inspection, words)
        self._partisan(inspection, words)
        self._flippancy(inspection, words)
        for match in self.dismissive.finditer(words):
            inspection.flag(self.category, "dismissive_tone", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d is dismissive of students or the public and reflects badly on "
                            "the organisation.")

    def _attacks(self, inspection: Inspection, words: str) -> None:
        for insult in self.disparagement.finditer(words):
            sentence_start, sentence_end = inspection.sentence(WORDS, insult.start())
            window_start = max(sentence_start, insult.start() - 60)
            window_end = min(sentence_end, insult.end() + 40)
            target = None
            for candidate in self.targets.finditer(words, window_start, window_end):
                if candidate.end() <= insult.start() or candidate.start() >= insult.end():
                    target = candidate
                    break
            if target is None:
                continue
            inspection.flag(self.category, "attack_on_organisation", WORDS,
                            min(target.start(), insult.start()), max(target.end(), insult.end()),
                            f"Disparages {target.group()} (\u201c{insult.group()}\u201d) from an official account.")

    def _partisan(self, inspection: Inspection, words: str) -> None:
        if self._endorsement is not None and self.parties.could_match(words):
            for match in self._endorsement.finditer(words):
                inspection.flag(self.category, "partisan_endorsement", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d endorses a political party; official channels must "
                                "stay politically neutral.")
        for predicate in self.partisan_predicates.finditer(words):
            sentence_start, sentence_end = inspection.sentence(WORDS, predicate.start())
            # The party may be named just before: "Go Green on Thursday! Only one party is serious..."
            party = self.parties.search(words, max(0, sentence_start - 100), sentence_end)
            if party:
                inspection.flag(self.category, "partisan_endorsement", WORDS, min(party.start(), predicate.start()),
                                max(party.end(), predicate.end()),
                                f"Takes a side on {party.group()} (\u201c{predicate.group()}\u201d); official channels "
                                "must stay politically neutral.")
        for match in self.partisan.finditer(words):
            inspection.flag(self.category, "partisan_endorsement", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d takes a party-political side; official channels must stay "
                            "politically neutral.")

    def _flippancy(self, inspection: Inspection, words: str) -> None:
        tragedy = self.tragedies.search(words)
        if tragedy is None:
            return
        for joke in self.flippancy.finditer(words):
            nearest = None
            for candidate in self.tragedies.finditer(words, max(0, joke.start() - 160), joke.end() + 160):
                nearest = candidate
                break
            if nearest is None:
                continue
            if self.condolence.search(words) and joke.group() not in ("lol", "lmao", "haha", "\U0001f602", "\U0001f923"):
                continue
            inspection.flag(self.category, "flippant_about_tragedy", WORDS, min(nearest.start(), joke.start()),
                            max(nearest.end(), joke.end()),
                            f"Treats {nearest.group()} lightly (\u201c{joke.group()}\u201d); flippancy about a "
                            "tragedy damages the organisation's reputation.")
            return
