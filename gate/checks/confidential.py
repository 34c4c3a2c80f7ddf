"""Confidential: markers, embargoes, code names, unreleased results or plans, and credentials."""
from __future__ import annotations

import re

from ..inspection import FOLDED, ORIGINAL, WORDS, Inspection
from ..lexicon import Lexicon
from . import Check

# "DRAFT", "[draft]", "Draft:", "draft figures" — a document state, not "draft your CV".
_DRAFT = re.compile(r"(?<![a-z])draft(?:\s*(?::|-|\)|\]|v\d)|\s+(?:figures|numbers|results|budget|minutes|report|"
                    r"league table|rankings?|press release|announcement|strategy|statement|copy|version|paper|plan|decision|"
                    r"outcome|findings|judgement|ratings?|"
                    r"proposals?|accounts|agenda)(?![a-z]))")
_DRAFT_UPPER = re.compile(r"\bDRAFT\b")
_CREDENTIAL = re.compile(
    r"(?<![a-z0-9])(?:password|passcode|pass code|passwd|pwd|pin(?: code| number)?|access code|door code|entry code|"
    r"keypad code|key code|lock code|alarm code|security code|wi-?fi (?:password|key|code)|login|log-in|username|"
    r"user name|meeting password|wifi|wi-?fi)(?:\s+for\s+[a-z0-9' ]{1,40}?)?\s*(?:is now|is|was|=|:|-|"
    r"has been changed to|has changed to|changed to|will be|are)\s*[\"'“‘]?"
    r"(?P<value>[^\s\"'”’,;]{3,40}(?:\s*/\s*[^\s\"'”’,;]{3,40})?)"
    # "password K3ntSocial!" — no "is" or colon, so the value must look like a secret itself.
    r"|(?<![a-z0-9])(?:password|passcode|pin|door code|access code)\s+(?P<bare>(?=[^\s]*[0-9!@#$%^&*])[^\s\"',;]{4,40})")
# "cut the Arts faculty budget by 30%": a decision about money or jobs before it is announced.
_CUTS = re.compile(r"(?<![a-z])(?:cut|cutting|cuts|slash|slashing|reduce|reducing|halve|halving|freeze|freezing)\s+"
                   r"(?:the\s+|our\s+|its\s+)?(?:[a-z&'\-]+\s+){0,3}(?:budget|budgets|funding|posts|jobs|staff|"
                   r"staffing|places|intake|salaries|pay|pensions|courses|programmes|departments?|faculty)(?![a-z])")
_LOOKS_SECRET = re.compile(r"[0-9!@#$%^&*_+=?]")
# Secret-key patterns only run on text with a long unbroken run of key-like characters.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16}")
_EMBARGO_PHRASE = re.compile(r"(?<![a-z])(?:embargoed?|under embargo)(?:\s+(?:until|till|to|till|before)\s+[^.\n]{1,40})?")


class ConfidentialCheck(Check):
    category = "confidential"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        self.markers = self.lexicon("markers")
        self.exceptions = self.lexicon("marker_exceptions")
        self.code_names = self.lexicon("code_names")
        self.subjects = self.lexicon("unreleased_subjects")
        self.cues = self.lexicon("unreleased_cues")
        self.restructuring = self.lexicon("restructuring")
        self.embargoes = [(e, Lexicon(f"embargo.{e.term}", [e.term])) for e in policy.embargoes]
        self.credential_words = self.lexicon("credential_words")
        self.key_patterns = [(p["name"], re.compile(p["pattern"])) for p in self.settings.get("secret_key_patterns") or ()]

    def run(self, inspection: Inspection) -> None:
        words = inspection.words
        allowed = [m.span() for m in self.exceptions.finditer(words)]
        for match in self.markers.finditer(words):
            if any(a <= match.start() and match.end() <= b for a, b in allowed):
                continue
            inspection.flag(self.category, "confidentiality_marker", WORDS, *match.span(),
                            f"Marked \u201c{match.group()}\u201d: the content is labelled as not for publication.")
        for match in (_EMBARGO_PHRASE.finditer(words) if "embargo" in words else ()):
            inspection.flag(self.category, "embargo_marker", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d: embargoed material must not go out before the embargo lifts.")
        for match in (_DRAFT.finditer(words) if "draft" in words else ()):
            inspection.flag(self.category, "draft_marker", WORDS, *match.span(),
                            "Labelled as a draft, so it is not yet approved for the public domain.")
        for match in (_DRAFT_UPPER.finditer(inspection.original) if "DRAFT" in inspection.original else ()):
            inspection.flag(self.category, "draft_marker", ORIGINAL, *match.span(),
                            "Labelled DRAFT, so it is not yet approved for the public domain.")
        now = inspection.context.now
        for embargo, lexicon in self.embargoes:
            if now >= embargo.lift:
                continue
            for match in lexicon.finditer(words):
                inspection.flag(self.category, "embargoed_term", WORDS, *match.span(),
                                f"\u201c{match.group()}\u201d is under embargo until "
                                f"{embargo.lift.strftime('%Y-%m-%d %H:%M UTC')}"
                                + (f" ({embargo.note})." if embargo.note else "."))
        for match in self.code_names.finditer(words):
            inspection.flag(self.category, "code_name", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d is an internal code name for unannounced work.")
        self._unreleased(inspection, words)
        cuts = _CUTS.finditer(words) if ("cut" in words or "slash" in words or "reduc" in words
                                         or "halv" in words or "freez" in words) else ()
        for match in cuts:
            inspection.flag(self.category, "restructuring", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d announces cuts that are announced through official "
                            "channels first.")
        for match in self.restructuring.finditer(words):
            inspection.flag(self.category, "restructuring", WORDS, *match.span(),
                            f"\u201c{match.group()}\u201d concerns restructuring or job changes, which are announced "
                            "through official channels first.")
        self._credentials(inspection)

    def _unreleased(self, inspection: Inspection, words: str) -> None:
        for cue in self.cues.finditer(words):
            subject = self.subjects.search(words, max(0, cue.start() - 150), cue.end() + 150)
            if subject is None:
                continue
            inspection.flag(self.category, "unreleased_information", WORDS, min(cue.start(), subject.start()),
                            max(cue.end(), subject.end()),
                            f"Shares {subject.group()} that are not yet public (\u201c{cue.group()}\u201d).")
            return

    def _credentials(self, inspection: Inspection) -> None:
        cue_starts = [hit.start() for hit in self.credential_words.finditer(inspection.cue_text)]
        if cue_starts:
            self._passwords(inspection, cue_starts)
        if "-----BEGIN" in inspection.original or _LONG_TOKEN.search(inspection.original):
            for name, pattern in self.key_patterns:
                for match in pattern.finditer(inspection.original):
                    inspection.flag(self.category, "secret_key", ORIGINAL, *match.span(),
                                    f"Contains what looks like a {name}; secrets must never be published.",
                                    clause_key="account_information")

    def _passwords(self, inspection: Inspection, cue_starts: list[int]) -> None:
        folded = inspection.folded
        matches = (_CREDENTIAL.match(folded, start) for start in cue_starts)
        for match in (m for m in matches if m):
            group = "value" if match.group("value") else "bare"
            value_start, value_end = inspection.to_original(FOLDED, *match.span(group))
            written = inspection.original[value_start:value_end]
            quoted = inspection.folded[match.start(group) - 1] in "\"'“‘"
            mixed_case = written != written.lower() and written != written.upper() and not written.istitle()
            if not (_LOOKS_SECRET.search(written) or quoted or mixed_case):
                continue
            inspection.flag(self.category, "credential", FOLDED, *match.span(),
                            "Publishes a password, PIN or access code; login details must be kept private.",
                            clause_key="account_information")
