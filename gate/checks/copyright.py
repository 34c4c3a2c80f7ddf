"""Copyright: reposted work without permission, piracy links, and media credited to someone else."""
from __future__ import annotations

import re

from ..inspection import WORDS, Inspection
from ..lexicon import Lexicon, clean_term
from ..media.metadata import rights_holders
from ..model import RIGHTS_CLEARED
from . import Check
from .links import DomainList

# Advice about copyright ("never use images without permission") is not a breach of it.
_ADVICE = re.compile(r"(?<![a-z])(?:(?:don't|do not|never|please don't|please do not) (?:use|share|post|copy|repost|"
                     r"download|upload|reuse)|avoid using|always ask|always credit|make sure you|remember to|how to|"
                     r"guide to|workshop|training|respect copyright|check the licen[cs]e|ask permission|"
                     r"seek permission|get permission|copyright law|copyright advice)(?![a-z])")
_WORK = (r"(?:photo|image|picture|pic|photograph|graphic|infographic|illustration|video|clip|article|text|chart|map|"
         r"logo|meme|artwork|art|drawing|design|cartoon|gif|footage|shot|poem|song|track|story|thread|post|"
         r"review|recipe|cover|diagram|figure)s?")
# "the entire new Radiohead album ... link below", "full scanned copy of the Oxford Handbook, free":
# a whole third-party work handed out. Needs a sign of distribution in the same sentence.
_WHOLE_WORK = re.compile(
    r"(?<![a-z])(?:full|entire|whole|complete|every)\s+(?:[a-z0-9'&\-]+\s+){0,4}?(?:album|albums|film|films|movie|"
    r"movies|book|books|textbook|textbooks|handbook|novel|chapter|chapters|episode|episodes|season|series|audiobook|"
    r"audiobooks|match|matches|game|concert|documentary|lyrics|discography|magazine|score|soundtrack)(?![a-z])")
_WHOLE_WORDS = frozenset({"full", "entire", "whole", "complete", "every"})
_DISTRIBUTION = re.compile(r"(?<![a-z])(?:free|for free|stream|streaming|download|downloads|scanned|pdf|torrent|"
                           r"link below|link in bio|links? in (?:the )?comments|listen to|dm us|dm me|shared drive|"
                           r"uploaded|uploading|upload|here's|here is|watch|onto|module page|moodle|group chat|"
                           r"our website|our page)(?![a-z])")
# "We've uploaded Sky Sports' coverage of the match": someone else's broadcast, re-published.
_REUPLOAD = re.compile(r"(?<![a-z])(?:uploaded|re-?uploaded|reposted|ripped|posted|put)\s+(?:the\s+)?[a-z]+(?:\s+[a-z]+)?"
                       r"(?:'s|s')\s+(?:[a-z]+\s+)?(?:coverage|broadcast|footage|highlights|documentary|episode|"
                       r"programme|film|movie|match|video|interview|podcast|show|livestream|stream)(?![a-z])")
_TAKING_VERBS = frozenset("lifted pinched nicked stole stolen borrowed grabbed took taken copied ripped screenshotted "
                          "screengrabbed saved pulled swiped yoinked found".split())
# "We lifted this photo from...", "Found this meme on Pinterest": someone else's work, taken.
_TAKEN_FROM = re.compile(
    rf"(?<![a-z])(?:lifted|pinched|nicked|stole|stolen|borrowed|grabbed|took|taken|copied|ripped|screenshotted|"
    rf"screengrabbed|saved|pulled|swiped|yoinked|found)\s+(?:this|that|the|these|those|their|his|her|an?)\s+"
    rf"(?:[a-z'\-]+\s+){{0,3}}?{_WORK}\s+(?:(?:of|about)\s+(?:[^\s.]+\s+){{1,3}})?(?:from|off|on)\s+"
    rf"(?:google|pinterest|instagram|facebook|twitter|tiktok|reddit|tumblr|the internet|the web|online|his|her|"
    rf"their|someone's|a|an|the|[a-z]+'s)(?![a-z])")


class CopyrightCheck(Check):
    category = "copyright"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.cues = self.lexicon("cues")
        self.piracy_domains = DomainList(self.settings.get("piracy_domains") or ())
        # Key words that must be present before the pattern rules above are tried (found by the shared scan).
        self.piracy_domain_keys = self.piracy_domains.keys
        self.whole_words = Lexicon("copyright.whole_words", _WHOLE_WORDS)
        self.taking_verbs = Lexicon("copyright.taking_verbs", _TAKING_VERBS)
        self.reupload_verbs = Lexicon("copyright.reupload_verbs", ["uploaded", "reuploaded", "re uploaded", "reposted",
                                                                  "ripped", "posted", "put"])
        self.open_licences = self.lexicon("open_licences", shared=False)
        self.restrictive = self.lexicon("restrictive_licences", shared=False)
        own = policy.section("organisation").get("own_credits") or ()
        self.own_credits = self.lexicon("own_credits", {"own_credits": own}, shared=False)

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        cleared = inspection.post.declares(RIGHTS_CLEARED)
        if not cleared:
            for match in self.cues.finditer(words):
                sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
                if _ADVICE.search(words, sentence_start, sentence_end):
                    continue
                inspection.flag(self.category, "reposted_without_permission", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d suggests someone else's work is being reposted without "
                                "permission.")
            whole = _WHOLE_WORK.finditer(words) if self.whole_words.could_match(words) else ()
            for match in whole:
                sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
                if _DISTRIBUTION.search(words, sentence_start, sentence_end) and not _ADVICE.search(
                        words, sentence_start, sentence_end):
                    inspection.flag(self.category, "whole_work_shared", WORDS, *match.span(),
                                    f"Shares \u201c{match.group()}\u201d, a whole copyrighted work, without a "
                                    "licence.")
            reupload = self.reupload_verbs.could_match(words) and ("'s" in words or "s'" in words)
            for match in _REUPLOAD.finditer(words) if reupload else ():
                inspection.flag(self.category, "reposted_without_permission", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d re-publishes someone else's broadcast or video.")
            taken = _TAKEN_FROM.finditer(words) if self.taking_verbs.could_match(words) else ()
            for match in taken:
                inspection.flag(self.category, "reposted_without_permission", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d says the material was taken from someone else; no "
                                "permission is recorded.")
        for start, end, domain in self.piracy_domains.hits(inspection):
            inspection.flag(self.category, "piracy_link", WORDS, start, end,
                            f"Points to {domain}, a site that distributes copyrighted work without permission.")
        linked = self.piracy_domains.in_link(inspection)
        if linked:
            inspection.flag_link(self.category, "piracy_link",
                                 f"The post's link goes to {linked}, a site that distributes copyrighted work "
                                 "without permission.")
        if not cleared:
            for index, item in enumerate(inspection.post.media):
                self._check_media(inspection, index, item)

    def _credited_elsewhere(self, credit: str) -> bool:
        cleaned = clean_term(credit)
        return bool(cleaned) and not self.own_credits.search(cleaned)

    def _check_media(self, inspection: Inspection, index: int, item) -> None:
        media_id = item.media_id or f"media[{index}]"
        licence = clean_term(item.licence)
        credit = item.credit.strip()
        openly_licensed = bool(licence) and self.open_licences.search(licence) is not None
        if self.restrictive.search(licence) or self.restrictive.search(clean_term(credit)):
            inspection.flag_media(self.category, "restricted_media", media_id, credit or item.licence,
                                  f"The image is credited \u201c{credit or item.licence}\u201d under terms that do not "
                                  "allow reuse; confirm the licence or declare rights cleared.")
            return
        if self._credited_elsewhere(credit) and not openly_licensed:
            inspection.flag_media(self.category, "third_party_media_unlicensed", media_id, credit,
                                  f"The image belongs to {credit} and no licence or permission is recorded.")
            return
        alt = clean_term(item.alt_text)
        cue = self.cues.search(alt) if alt else None
        if cue and not _ADVICE.search(alt):
            inspection.flag_media(self.category, "reposted_without_permission", media_id, item.alt_text,
                                  f"The image description (\u201c{cue.group()}\u201d) suggests it is someone else's "
                                  "work.")
            return
        if item.path and not openly_licensed:
            for holder in rights_holders(item.path):
                if self._credited_elsewhere(holder):
                    inspection.flag_media(self.category, "media_metadata_rights_holder", media_id, holder,
                                          f"The image file's metadata names {holder} as author or copyright holder "
                                          "and no licence or permission is recorded.")
                    return
