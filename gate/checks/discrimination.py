"""Discrimination: slurs, stereotypes about protected groups and exclusionary conditions (e.g. in job adverts)."""
from __future__ import annotations

import re

from ..inspection import WORDS, Inspection
from ..lexicon import Lexicon
from . import Check

# A generalisation is reported, not asserted, when the sentence frames it as a myth to challenge.
_CRITICAL_FRAMING = re.compile(
    r"(?<![a-z])(?:myths?|stereotyp\w*|misconceptions?|debunk\w*|challeng\w*|tackl\w*|combat\w*|"
    r"bias\w*|prejudice\w*|assumption\w*|so[- ]called|wrongly|untrue|false that|not true|isn't true|"
    r"it's not true)(?![a-z])")
_EXCLUDING_BEFORE = re.compile(
    r"(?:\bonly|\bpreferably|\bideally|\bmust be|\bshould be|\bneeds to be|\bneed to be|\bhas to be|\bhave to be|\bno|\bnot suitable for|\bunsuitable for|\bafter|\bwant|"
    r"\bwould suit|\bsuits|\bsuit|\bprefer(?:ably|red|ence for)?|\blooking for|\bseeking|\bwanted:?|\bwe want|"
    r"\bwe need|\bexclusively for|\breserved for|\brestricted to)\s+(?:(?:a|an|the|some|candidates?|applicants?|"
    r"people|someone|staff|who|are|is|aged|from|energetic|dynamic|fresh|bright)\s+){0,3}(?:\S+\s+){0,3}$"
    r"|(?:\bideal for|\bperfect for|\bideally suited to|\bbest suited to)\s+(?:a|an|the)?\s*$")
_FIRM_CONDITION = re.compile(r"(?<![a-z])(?:must be|should be|has to be|have to be|needs to be|only)(?:\s+\S+){0,3}\s*$")
_TWO_DIGITS = re.compile(r"\d\d")
_AGE_WORDS = frozenset("aged age ages between under below older over nobody no max maximum".split())
# "leave the robotics club to the boys": an activity reserved for one sex.
_LEAVE_IT_TO = re.compile(r"(?<![a-z])leave\s+(?:[a-z']+\s+){0,4}to\s+the\s+(?:boys|men|lads|girls|women|ladies)(?![a-z])")
_EXCLUDING_AFTER = re.compile(r"^\s*(?:(?:applicants?|candidates?|staff|students?|workers?|people|men|women|couples?|"
                              r"partners?|families|members|residents|tenants|only)\s+)?(?:only|preferred|need not apply|"
                              r"needn't apply|need apply|wanted|please|cannot apply|can't apply|may not apply|"
                              r"are not eligible|aren't eligible|not eligible)\b")
# "aged 21-25", "under 30", "between 18 and 25" in a job advert.
_AGE_LIMIT = re.compile(r"(?<![a-z])(?:aged|age|ages|between|under|below|no older than|not over|maximum age|max age|"
                        r"no one over|no-one over|nobody over|no over|over)"
                        r"\s+(?:of\s+)?\d{2}(?:\s*(?:-|to|and)\s*\d{2})?(?![0-9])")
_AGE_CONDITION = re.compile(r"(?<![a-z])(?:must be|should be|candidates|applicants|you must|you should|only|ideally|"
                            r"please|sorry|but)"
                            r"(?:\s+\S+){0,3}\s*$")


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
        self.age_words = Lexicon("discrimination.age_words", _AGE_WORDS)
        # Words without which an attribute ("young", "married") cannot be a condition outside an advert.
        self.exclusion_cues = Lexicon("discrimination.exclusion_cues", [
            "only", "no", "must", "should", "needs", "need", "has to", "have to", "preferably", "ideally", "prefer",
            "preferred", "suit", "suits", "would suit", "after", "want", "wanted", "seeking", "looking for",
            "not suitable", "unsuitable", "exclusively", "reserved", "restricted", "apply", "eligible", "cannot",
            "can't", "ideal for", "perfect for", "best suited", "please"])

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
        for match in _LEAVE_IT_TO.finditer(words) if "leave" in words else ():
            inspection.flag(self.category, "exclusionary_condition", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d tells one sex to stay out of an activity.")
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
        age_words = self.age_words.could_match(words)
        for match in _AGE_LIMIT.finditer(words) if age_words and _TWO_DIGITS.search(words) else ():
            sentence_start, _ = inspection.sentence(WORDS, match.start())
            before = words[max(sentence_start, match.start() - 40):match.start()]
            # In an advert any condition counts; elsewhere only a firm one ("must be under 25").
            condition = _AGE_CONDITION.search(before) if recruiting else _FIRM_CONDITION.search(before)
            if condition or match.group().startswith(("no one", "no-one", "nobody")):
                inspection.flag(self.category, "exclusionary_condition", WORDS, *match.span(),
                                f"Sets an age limit (\u201c{match.group()}\u201d); that is age discrimination "
                                "unless objectively justified.")
        if not recruiting and not self.exclusion_cues.could_match(words):
            return  # no advert and no word that could make an attribute a condition
        for match in self.attributes.finditer(words):
            sentence_start, _ = inspection.sentence(WORDS, match.start())
            before = words[max(sentence_start, match.start() - 50):match.start()]
            after = words[match.end():match.end() + 45]
            excluding = _EXCLUDING_BEFORE.search(before) or _EXCLUDING_AFTER.search(after)
            if not excluding:
                continue
            if not recruiting and not _EXCLUDING_AFTER.search(after) and not before.rstrip().endswith(("only", "no")):
                continue
            inspection.flag(self.category, "exclusionary_condition", WORDS, *match.span(),
                            f"Sets \u201c{match.group()}\u201d as a condition, which excludes people by age, sex, "
                            "marital status, race, religion or disability.")
