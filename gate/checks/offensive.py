"""Offensive: "material liable to cause offence, including pornographic material or abusive language"."""
from __future__ import annotations


from ..inspection import WORDS, Inspection
from . import Check
from .links import DomainList


class OffensiveCheck(Check):
    category = "offensive"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.profanity = self.lexicon("profanity")
        self.sexual = self.lexicon("sexual")
        # Words that are also names or innocent nouns ("Dick Whittington", "great tit"): only
        # offensive when written in lower case or shouted, and never inside an allowed phrase.
        self.name_like = self.lexicon("name_like")
        self.allowed = self.lexicon("allow_phrases")
        self.adult_domains = DomainList(self.settings.get("adult_domains") or ())
        self.adult_domain_keys = self.adult_domains.keys  # registered with the shared scan

    def evasion_lexicons(self):
        return [self.profanity, self.sexual, self.name_like]

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        allowed = [m.span() for m in self.allowed.finditer(words)]

        def is_allowed(start: int, end: int) -> bool:
            return any(a <= start and end <= b for a, b in allowed)

        for match in self.profanity.finditer(words):
            if not is_allowed(*match.span()):
                inspection.flag(self.category, "abusive_language", WORDS, *match.span(),
                                f"Uses the swear word \u201c{match.group()}\u201d, which is abusive language on an official channel.")
        for match in self.sexual.finditer(words):
            if not is_allowed(*match.span()):
                inspection.flag(self.category, "sexual_content", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d is sexual or pornographic language an official account should not publish.")
        for match in self.name_like.finditer(words):
            if is_allowed(*match.span()):
                continue
            start, end = inspection.to_original(WORDS, *match.span())
            written = inspection.original[start:end]
            if written[:1].isupper() and not written.isupper():
                continue  # capitalised: most likely a name (Dick, Fanny) or a title
            inspection.flag(self.category, "abusive_language", WORDS, *match.span(),
                            f"\u201c{written}\u201d is used here as a vulgar insult or crude slang.")
        for start, end, domain in self.adult_domains.hits(inspection):
            inspection.flag(self.category, "adult_link", WORDS, start, end,
                            f"Links to {domain}, a pornographic site.")
        linked = self.adult_domains.in_link(inspection)
        if linked:
            inspection.flag_link(self.category, "adult_link", f"The post's link goes to {linked}, a pornographic site.")
