"""Harassment: "could be described as harassment or bullying" — insults aimed at someone, and threats.

An insult word alone is not bullying ("stupid o'clock", "useless printers"); it is when
the words around it aim it at a person: the reader ("you idiot", "your review was
pathetic"), an @handle in the same sentence, or a named person it is said of
("Grant is a waste of space", "the person who left this review is a loser").
"""
from __future__ import annotations

import re

from ..inspection import ORIGINAL, WORDS, Inspection
from ..lexicon import Lexicon
from . import Check
from .people import HANDLE

# Words that may sit between "you" and the insult: "you absolute little moron".
_FILLER = (r"(?:a|an|such|so|the|utter|complete|total|absolute|bloody|fucking|little|big|real|proper|right|just|"
           r"clearly|really|being|bit|of|massive|pathetic|stupid|useless|lazy|fat|ugly|old|sad|silly|thick|dumb|"
           r"embarrassing|worthless|incompetent|miserable|tiny|sorry|whiny|entitled|such|like|look|looking)")
_AT_READER = re.compile(
    rf"(?:(?<![a-z0-9'])(?:you|u|ya|ur|you're|youre|yourself|yourselves)\s+(?:(?:are|were|r|look|sound|seem|"
    rf"must be|really are)\s+)?(?:{_FILLER}\s+){{0,3}}"
    rf"|(?<![a-z0-9'])your\s+[a-z']+\s+(?:is|was|are|were)\s+(?:{_FILLER}\s+){{0,2}}"
    rf"|(?<![a-z0-9'])(?:if you weren't|if you were less|if you were not)\s+(?:{_FILLER}\s+){{0,2}})$")
_ADDRESSED = re.compile(r"(?<![a-z0-9'])(?:you|u|ur|your|you're|youre|you'd|you'll|yourself)(?![a-z0-9'])")
# "Dear student who keeps emailing us", "To the idiot who parked": an unnamed but specific person.
_DESCRIBED_ADDRESSEE = re.compile(r"(?<![a-z])(?:dear|to the|to that|hey|oi)\s+(?:[a-z]+\s+){0,2}?(?:person|student|guy|"
                                  r"girl|bloke|lad|man|woman|lecturer|user|reviewer|driver|parent|fresher|idiot|genius|"
                                  r"muppet|clown|customer|applicant|someone|whoever)s?\s+(?:who|that|in|at|on)(?![a-z])")
_NEGATED = re.compile(r"(?<![a-z])(?:not|never|no longer|aren't|isn't|wasn't|weren't)\s+(?:(?:a|an|so|that|at all)\s+)?$")
_CONDITIONAL = re.compile(r"(?<![a-z])if you\s+\S+\s*$|if you weren't\s+\S*\s*$")
_COPULA_BEFORE = re.compile(rf"(?:\bis|\bare|'s|\bwas|\bwere|\bbeing|,|:|-)\s+(?:{_FILLER}\s+|nothing but\s+|one\s+)*$")
# "the person who left this review is a loser": a described person is a target as well.
_DESCRIBED_PERSON = re.compile(
    r"\b(?:the|this|that|some|our)\s+(?:person|student|guy|girl|bloke|lad|man|woman|lecturer|user|reviewer|"
    r"commenter|fresher|parent|dad|mum|customer|applicant|dj|driver|neighbour)s?\b")
# A capitalised single word as the subject: "Grant is a dinosaur".
_SINGLE_NAME_SUBJECT = re.compile(r"\b([A-Z][a-z]+)\s+(?:is|was|are)\s+")
_APPEARANCE = re.compile(
    r"(?<![a-z])(?:fat|ugly|hideous|gross|smelly|obese|skinny)\s+(?:guy|girl|bloke|lad|man|woman|people|"
    r"students?|freshers?|kids?|lecturers?|cow|pig|lads|girls|guys)(?![a-z])")
_APPEARANCE_WORDS = frozenset({"fat", "ugly", "hideous", "gross", "smelly", "obese", "skinny"})
_NOT_SUBJECTS = frozenset({"It", "This", "That", "There", "Here", "What", "Who", "The", "Our", "Life", "Today",
                           "Tomorrow", "Everything", "Nothing", "Revision", "Monday", "Friday", "Parking", "Wifi"})


class HarassmentCheck(Check):
    category = "harassment"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.insults = self.lexicon("insults")
        self.threats = self.lexicon("threats")
        self.hostile_address = self.lexicon("hostile_address")
        self.appearance_words = Lexicon("harassment.appearance_words", _APPEARANCE_WORDS)

    def evasion_lexicons(self):
        return [self.insults]

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        for match in self.insults.finditer(words):
            sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
            before = words[max(sentence_start, match.start() - 50):match.start()]
            if _NEGATED.search(before) and not _CONDITIONAL.search(before):
                continue
            if _AT_READER.search(before):
                inspection.flag(self.category, "insult_at_reader", WORDS, *match.span(),
                                f"Calls the person addressed \u201c{match.group()}\u201d; insulting someone from an "
                                "official account is bullying.")
                continue
            start, end = inspection.to_original(WORDS, *match.span())
            o_start, o_end = inspection.sentence(ORIGINAL, start)
            sentence = inspection.original[o_start:o_end]
            handle = HANDLE.search(sentence)
            if handle:
                inspection.flag(self.category, "insult_at_named_person", ORIGINAL, start, end,
                                f"Uses \u201c{match.group()}\u201d about {handle.group()}, an account named in the same "
                                "sentence; publicly insulting someone is bullying.")
                continue
            if not _COPULA_BEFORE.search(before):
                continue
            target = _named_target_before(inspection, inspection.people_in(o_start, start), start)
            if target:
                inspection.flag(self.category, "insult_at_named_person", ORIGINAL, target[0], end,
                                f"Calls {inspection.original[target[0]:target[1]]} \u201c{match.group()}\u201d; "
                                "publicly insulting a person is bullying.")
        appearance = _APPEARANCE.finditer(words) if self.appearance_words.could_match(words) else ()
        for match in appearance:
            inspection.flag(self.category, "mocking_appearance", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d mocks how someone looks; that is bullying.")
        for match in self.hostile_address.finditer(words):
            sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
            # The person may be named in the sentence before: "Thanks, @karen. Maybe try reading it."
            previous_start, _ = inspection.sentence(WORDS, max(0, sentence_start - 2))
            o_start, o_end = inspection.to_original(WORDS, previous_start, sentence_end)
            if (_ADDRESSED.search(words, sentence_start, sentence_end)
                    or _DESCRIBED_ADDRESSEE.search(words, previous_start, sentence_end)
                    or HANDLE.search(inspection.original[o_start:o_end])):
                inspection.flag(self.category, "mockery_of_person", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d mocks the person addressed; ridiculing someone from an "
                                "official account is bullying.")
        for match in self.threats.finditer(words):
            inspection.flag(self.category, "threat_or_intimidation", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d reads as a threat, intimidation or a call to pile on "
                            "someone.")


def _named_target_before(inspection: Inspection, people: list[tuple[int, int]], index: int):
    sentence_start, _ = inspection.sentence(ORIGINAL, index)
    window_start = max(sentence_start, index - 70)
    best = None
    for start, end in people:
        if window_start <= start and end <= index:
            best = (start, end)
    if best:
        return best
    window = inspection.original[window_start:index]
    described = None
    for described in _DESCRIBED_PERSON.finditer(window.lower()):
        pass
    if described:
        return window_start + described.start(), window_start + described.end()
    for subject in _SINGLE_NAME_SUBJECT.finditer(window):
        if subject.group(1) not in _NOT_SUBJECTS and subject.start() > 0:
            best = (window_start + subject.start(1), window_start + subject.end(1))
    return best
