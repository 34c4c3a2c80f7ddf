"""Discrimination: slurs, stereotypes about protected groups and exclusionary conditions (e.g. in job adverts)."""
from __future__ import annotations

import re

from ..inspection import WORDS, Inspection
from . import Check

# A generalisation is reported, not asserted, when the sentence frames it as a myth to challenge.
_CRITICAL_FRAMING = re.compile(
    r"(?<![a-z])(?:myths?|stereotyp\w*|misconceptions?|debunk\w*|challeng\w*|tackl\w*|combat\w*|"
    r"bias\w*|prejudice\w*|assum\w*|so[- ]called|wrong(?:ly)?|untrue|false|not true|isn't true|"
    r"research|study|studies|lecture|seminar|report|survey|talk)(?![a-z])")
_EXCLUDING_BEFORE = re.compile(
    r"(?:\bonly|\bpreferably|\bideally|\bmust be|\bshould be|\bno|\bnot suitable for|\bunsuitable for|"
    r"\bwould suit|\bsuits|\bsuit|\bprefer(?:ably|red|ence for)?|\blooking for|\bseeking|\bwanted:?|\bwe want|"
    r"\bwe need|\bexclusively for|\breserved for|\brestricted to)\s+(?:(?:a|an|the|some|candidates?|applicants?|"
    r"people|someone|staff|who|are|is|aged|from|energetic|dynamic|fresh|bright)\s+){0,3}$")
_EXCLUDING_AFTER = re.compile(r"^\s*(?:only|preferred|need not apply|needn't apply|need apply|wanted|please)\b")


class DiscriminationCheck(Check):
    category = "discrimination"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.slurs = self.lexicon("slurs")
        self.groups = self.lexicon("groups")
        self.stereotypes = self.lexicon("stereotypes")
        self.attributes = self.lexicon("exclusion_attributes")
        self.recruitment = self.lexicon("recruitment_cues")
        self.exclusion_phrases = self.lexicon("exclusion_phrases")

    def evasion_lexicons(self):
        return [self.slurs]

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        for match in self.slurs.finditer(words):
            inspection.flag(self.category, "slur", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d is a slur against a protected group.")
            inspection.flag("offensive", "slur", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d is a slur and is abusive language.", clause_key="offensive")
        for match in self.exclusion_phrases.finditer(words):
            inspection.flag(self.category, "exclusionary_condition", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d excludes people on a protected characteristic.")
        self._stereotypes(inspection)
        self._exclusions(inspection)

    def _stereotypes(self, inspection: Inspection) -> None:
        words = inspection.words
        for predicate in self.stereotypes.finditer(words):
            sentence_start, sentence_end = inspection.sentence(WORDS, predicate.start())
            group = None
            for candidate in self.groups.finditer(words, max(sentence_start, predicate.start() - 70), predicate.start()):
                group = candidate
            if group is None:
                continue
            if _CRITICAL_FRAMING.search(words, sentence_start, sentence_end):
                continue
            inspection.flag(self.category, "stereotype", WORDS, group.start(), predicate.end(),
                            f"Generalises about {group.group()} (\u201c{predicate.group()}\u201d), a stereotype about "
                            "a protected group.")

    def _exclusions(self, inspection: Inspection) -> None:
        words = inspection.words
        recruiting = self.recruitment.search(words) is not None
        for match in self.attributes.finditer(words):
            sentence_start, _ = inspection.sentence(WORDS, match.start())
            before = words[max(sentence_start, match.start() - 50):match.start()]
            after = words[match.end():match.end() + 20]
            excluding = _EXCLUDING_BEFORE.search(before) or _EXCLUDING_AFTER.search(after)
            if not excluding:
                continue
            if not recruiting and not _EXCLUDING_AFTER.search(after) and not before.rstrip().endswith(("only", "no")):
                continue
            inspection.flag(self.category, "exclusionary_condition", WORDS, *match.span(),
                            f"Sets \u201c{match.group()}\u201d as a condition, which excludes people by age, sex, "
                            "marital status, race, religion or disability.")
