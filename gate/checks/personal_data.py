"""Personal data: contact details, identifiers, sensitive details about named people, and photos of people.

The organisation's own public contact details (switchboard, press office,
generic inboxes, campus postcodes) come from the policy and are never flagged.
"""
from __future__ import annotations

import logging
import re

import phonenumbers

from ..inspection import FOLDED, ORIGINAL, WORDS, Inspection
from ..lexicon import Lexicon
from ..media.faces import FaceSettings, UnreadableImage, count_faces
from ..model import CONSENT
from . import Check
from .people import is_person_reference, named_people, plausible_name

logger = logging.getLogger(__name__)

# Cheap prefilter; phonenumbers only sees these candidates.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+/.-])(?:\+|00|\(0|0)[\d\s().\-]{8,18}\d(?![\w/-])")
# Cheap gates: most posts have no long digit run, so the number checks are skipped.
_LONG_NUMBER = re.compile(r"\d[\d\s().\-]{7,}\d")
_SIX_DIGITS = re.compile(r"\d\d ?\d\d ?\d\d")
_CARD_CANDIDATE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_NHS_CANDIDATE = re.compile(r"(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])")
_EMAIL = re.compile(r"(?<![a-z0-9._%+\-])[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
_NI_NUMBER = re.compile(r"(?<![a-z0-9])(?!bg|gb|nk|kn|tn|nt|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]"
                        r" ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])")
# With an explicit label, any two letters count: "QQ 12 34 56 C" is HMRC's own example format.
_LABELLED_NI_NUMBER = re.compile(r"(?<![a-z])(?:ni|national insurance)(?: number| no\.?| num)?\s*(?:is\s*)?[:#]?\s*"
                                 r"[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])")
# "got 38% in his dissertation": a mark attached to a person.
_PERSONAL_MARK = re.compile(r"(?<![a-z])(?:got|scored|received|was given|only got|achieved|averaged)\s+(?:a\s+)?"
                            r"\d{1,3}\s?%\s+(?:in|on|for)\s+(?:his|her|their)(?![a-z])")
# "Max Turner's tuition fee account", "Sara's visa": a possessive names whose private matter it is.
_PRIVATE_NOUNS = ("visa salary pay debt debts diagnosis illness condition medical grade grades mark marks transcript "
                  "account arrears pregnancy health disciplinary arrest sick operation surgery treatment therapy "
                  "medication benefits loan overdraft immigration asylum").split()
_POSSESSED_DETAIL = re.compile(
    r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?['’]s\s+(?:[a-z]+\s+){0,2}?(?:" + "|".join(_PRIVATE_NOUNS) + r"|fee account)"
    r"(?![a-z])")
_ORGANISATION_WORDS = frozenset("centre center office union library school college department service services team "
                                "council hospital trust society club group network university faculty unit hub".split())
_PRONOUN = re.compile(r"(?<![a-z])(?:he|she|they|his|her|their|him|them)(?![a-z])")
_POSTCODE = re.compile(r"(?<![a-z0-9])(?:[a-z]{1,2}\d[a-z\d]?) ?\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])")
_STREET_WORDS = frozenset("road rd street st lane ln avenue ave close drive crescent way gardens terrace place grove "
                          "court rise mews row square walk hill parade".split())
_FLAT_WORDS = frozenset({"flat", "apartment", "apt"})
_INWARD_CODE = re.compile(r"\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])")
# Digit first, so the engine can skip straight to numbers; the look-behind keeps "£12" and "3.5" out.
_STREET_ADDRESS = re.compile(
    r"\d(?<![a-z0-9£$.,]\d)\d{0,3}[a-z]?,? (?:[a-z']+ ){1,3}(?:road|rd|street|st|lane|ln|avenue|"
    r"ave|close|drive|crescent|way|gardens|terrace|place|grove|court|rise|mews|row|square|walk|hill|parade)(?![a-z])")
_FLAT = re.compile(r"(?<![a-z])(?:flat|apartment|apt) \d+[a-z]?(?![a-z0-9])")
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE = (rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)?\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH},? (?:19|20)\d{{2}}"
         rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}})")


def _number_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around long digit runs; the number patterns only need to look there."""
    windows: list[tuple[int, int]] = []
    for match in _LONG_NUMBER.finditer(text):
        start, end = max(0, match.start() - 4), min(len(text), match.end() + 4)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _in_windows(pattern: re.Pattern, text: str, windows: list[tuple[int, int]]):
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _nhs_ok(digits: str) -> bool:
    """NHS numbers carry a modulus-11 check digit."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


class PersonalDataCheck(Check):
    category = "personal_data"

    def __init__(self, policy) -> None:
        super().__init__(policy)
        organisation = policy.section("organisation")
        self.region = self.settings.get("phone_region", "GB")
        self.public_numbers = set()
        for number in organisation.get("public_phone_numbers") or ():
            try:
                parsed = phonenumbers.parse(number, self.region)
            except phonenumbers.NumberParseException as exc:
                raise ValueError(f"organisation.public_phone_numbers: cannot read {number!r}: {exc}") from None
            self.public_numbers.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
        self.public_prefixes = tuple("+" + "".join(c for c in prefix if c.isdigit())
                                     for prefix in organisation.get("public_phone_prefixes") or ())
        self.public_emails = {e.lower() for e in organisation.get("public_email_addresses") or ()}
        self.org_domains = tuple(d.lower() for d in organisation.get("email_domains") or ())
        self.public_postcodes = {p.lower().replace(" ", "") for p in organisation.get("public_postcodes") or ()}
        self.freemail = {d.lower() for d in self.settings.get("freemail_domains") or ()}
        self.role_words = tuple(w.lower() for w in self.settings.get("role_mailbox_words") or ())
        self.residence = self.lexicon("residence_cues")
        self.street_words = Lexicon("personal_data.street_words", _STREET_WORDS)
        self.flat_words = Lexicon("personal_data.flat_words", _FLAT_WORDS)
        self.birth_cues = self.lexicon("birth_cues")
        self._birth = re.compile(self.birth_cues._regex.pattern + rf"\s*[:\-]?\s*(?:is |was |on |the )*{_DATE}") \
            if self.birth_cues else None
        # Each identifier pattern runs only when one of its cue words is present.
        self.id_patterns = [(p["name"], re.compile(p["pattern"]), Lexicon(p["name"], p.get("cues") or ()))
                            for p in self.settings.get("id_patterns") or ()]
        self.details = {kind: self.lexicon(kind, self.settings.get("sensitive_details") or {})
                        for kind in (self.settings.get("sensitive_details") or {})}
        self.framing = self.lexicon("professional_framing", shared=False)  # consulted per hit, in its sentence
        self.private_nouns = Lexicon("personal_data.private_nouns", _PRIVATE_NOUNS)
        self.topics = {kind: self.lexicon(kind, self.settings.get("sensitive_topics") or {})
                       for kind in (self.settings.get("sensitive_topics") or {})}
        self.people_words = self.lexicon("people_in_alt_text", shared=False)
        faces = self.settings.get("faces") or {}
        self.faces_enabled = bool(faces.get("enabled", True))
        self.face_settings = FaceSettings(**{k: (int(v) if k != "scale_factor" and k != "cascade" else v)
                                             for k, v in faces.items() if k != "enabled"})

    def run(self, inspection: Inspection) -> None:
        taken: list[tuple[int, int]] = []  # folded spans already explained, so a card is not also a phone
        windows = _number_windows(inspection.folded)
        if windows:
            self._cards_and_nhs(inspection, taken, windows)
            self._phones(inspection, taken, windows)
        if "@" in inspection.folded:
            self._emails(inspection)
        self._identifiers(inspection)
        self._addresses(inspection)
        self._birth_dates(inspection)
        if not inspection.post.declares(CONSENT):
            self._sensitive_details(inspection)
            self._media(inspection)
        else:
            self._unreadable_media_only(inspection)

    def _cards_and_nhs(self, inspection: Inspection, taken: list, windows) -> None:
        folded = inspection.folded
        for match in _in_windows(_CARD_CANDIDATE, folded, windows):
            digits = re.sub(r"\D", "", match.group())
            if 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn_ok(digits):
                taken.append(match.span())
                inspection.flag(self.category, "payment_card", FOLDED, *match.span(),
                                "Contains a payment card number (it passes the card checksum).")
        for match in _in_windows(_NHS_CANDIDATE, folded, windows):
            digits = re.sub(r"\D", "", match.group())
            context = folded[max(0, match.start() - 40):match.start()]
            spaced = " " in match.group() or "-" in match.group()
            if _nhs_ok(digits) and (spaced or "nhs" in context) and not digits.startswith("0"):
                taken.append(match.span())
                inspection.flag(self.category, "nhs_number", FOLDED, *match.span(),
                                "Contains an NHS number (it passes the NHS checksum), which is health data.")

    def _phones(self, inspection: Inspection, taken: list, windows) -> None:
        folded = inspection.folded
        for match in _in_windows(_PHONE_CANDIDATE, folded, windows):
            if any(s <= match.start() < e for s, e in taken):
                continue
            candidate = match.group().rstrip(" -.(")
            digits = re.sub(r"\D", "", candidate)
            if len(digits) < 9 or len(digits) > 15:
                continue
            if re.fullmatch(r"(?:19|20)\d\d\s*[-/]\s*(?:19|20)?\d\d", candidate.strip()):
                continue  # a range of years, not a number
            try:
                parsed = phonenumbers.parse(candidate, self.region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_possible_number(parsed):
                continue
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if e164 in self.public_numbers or e164.startswith(self.public_prefixes):
                continue
            end = match.start() + len(candidate)
            inspection.flag(self.category, "phone_number", FOLDED, match.start(), end,
                            "Contains a phone number that is not one of the organisation's public numbers; "
                            "publishing someone's number needs their permission.")

    def _emails(self, inspection: Inspection) -> None:
        for match in _EMAIL.finditer(inspection.folded):
            address = match.group().rstrip(".")
            if address in self.public_emails:
                continue
            local, _, domain = address.partition("@")
            if domain not in self.freemail and any(word in local for word in self.role_words):
                continue  # a role inbox (admissions@, press.office@), not a person's address
            personal_domain = domain in self.freemail
            inspection.flag(self.category, "personal_email", FOLDED, match.start(), match.start() + len(address),
                            "Contains a personal e-mail address"
                            + (" on a private mail service" if personal_domain else "")
                            + "; only the organisation's generic inboxes are cleared for publication.")

    def _identifiers(self, inspection: Inspection) -> None:
        folded = inspection.folded
        found = []
        for digits in _SIX_DIGITS.finditer(folded):
            # An NI number is two letters, six digits, one letter: look only around the digits.
            start, end = max(0, digits.start() - 40), min(len(folded), digits.end() + 3)
            found += [m.span() for m in _NI_NUMBER.finditer(folded, max(0, digits.start() - 3), end)]
            found += [m.span() for m in _LABELLED_NI_NUMBER.finditer(folded, start, end)]
        for start, end in sorted(set(found)):
            inspection.flag(self.category, "national_insurance_number", FOLDED, start, end,
                            "Contains a National Insurance number.")
        for name, pattern, cues in self.id_patterns:
            if cues:  # look only just after each cue word ("student number 2190...")
                matches = (pattern.search(folded, max(0, hit.start() - 12), hit.end() + 40)
                           for hit in cues.finditer(inspection.cue_text))
                matches = sorted({m.span(): m for m in matches if m}.values(), key=lambda m: m.start())
            else:
                matches = pattern.finditer(folded)
            for match in matches:
                inspection.flag(self.category, "id_number", FOLDED, *match.span(),
                                f"Contains a {name}, which identifies an individual.")

    def _addresses(self, inspection: Inspection) -> None:
        folded = inspection.folded
        found = set()
        # Cheap tests first: a postcode has an inward code ("7nz"), a street address a street word.
        for inward in _INWARD_CODE.finditer(folded):
            found.update(m.span() for m in _POSTCODE.finditer(folded, max(0, inward.start() - 6), inward.end())
                         if m.group().replace(" ", "") not in self.public_postcodes)
        if self.street_words.could_match(inspection.cue_text):
            found.update(m.span() for m in _STREET_ADDRESS.finditer(folded))
        if self.flat_words.could_match(inspection.cue_text):
            found.update(m.span() for m in _FLAT.finditer(folded))
        for start, end in sorted(found):
            if self.residence.search(inspection.cue_text, max(0, start - 80), min(len(folded), end + 60)) is None:
                # A venue or office address is fine; an address right after a person's name is theirs.
                o_start, _ = inspection.to_original(FOLDED, start, end)
                people = inspection.people_in(*inspection.sentence(ORIGINAL, o_start))
                if not any(0 <= o_start - p_end <= 25 for _, p_end in people):
                    continue
            inspection.flag(self.category, "home_address", FOLDED, start, end,
                            "Gives what looks like someone's home address or postcode.")

    def _birth_dates(self, inspection: Inspection) -> None:
        if self._birth is None or not self.birth_cues.could_match(inspection.cue_text):
            return
        for match in self._birth.finditer(inspection.folded):
            inspection.flag(self.category, "date_of_birth", FOLDED, *match.span(),
                            "Gives a date of birth, which is personal data.")

    def _sensitive_details(self, inspection: Inspection) -> None:
        words = inspection.words
        events = [(kind, match) for kind, lexicon in self.details.items() for match in lexicon.finditer(words)]
        if "%" in words:
            events += [("grades", match) for match in _PERSONAL_MARK.finditer(words)]
        topics = []
        for kind, lexicon in self.topics.items():
            for match in lexicon.finditer(words):
                sentence_start, sentence_end = inspection.sentence(WORDS, match.start())
                if not self.framing.search_window(words, sentence_start, sentence_end):
                    topics.append((kind, match))
        self._possessed_details(inspection)
        if events:
            self._link_to_people(inspection, events, strict=False)
        if topics:
            # A bare topic word needs a clearer person than "Foundation Year" or "Home Office".
            self._link_to_people(inspection, topics, strict=True)

    def _possessed_details(self, inspection: Inspection) -> None:
        original = inspection.original
        if not self.private_nouns.could_match(inspection.words) or ("'s" not in original and "’s" not in original):
            return
        for match in _POSSESSED_DETAIL.finditer(original):
            owner = re.split(r"['’]", match.group())[0]
            if plausible_name(owner) and owner.split()[-1].lower() not in _ORGANISATION_WORDS:
                inspection.flag(self.category, "private_matters", ORIGINAL, *match.span(),
                                f"Refers to \u201c{match.group()}\u201d, a named person's private matter; that "
                                "needs their permission.")

    def _link_to_people(self, inspection: Inspection, hits: list, strict: bool) -> None:
        """Flag each detail said of a person named in its sentence (or, via a pronoun, the one before).

        With `strict`, names that look like offices or schemes ("Home Office") do not count.
        """
        for kind, match in hits:
            start, end = inspection.to_original(WORDS, *match.span())
            sentence_start, sentence_end = inspection.sentence(ORIGINAL, start)
            previous_start, _ = inspection.sentence(ORIGINAL, max(0, sentence_start - 2))
            people = inspection.people_in(previous_start, sentence_end)
            if strict:
                people = [p for p in people if is_person_reference(inspection.original[p[0]:p[1]])]
            # The person must be someone other than the matched words ("the Hardship Fund" is not a person).
            people = [p for p in people if p[1] <= start or p[0] >= end]
            person = next((p for p in people if sentence_start <= p[0] and p[1] <= sentence_end), None)
            if person is None and _PRONOUN.search(inspection.original[sentence_start:sentence_end].lower()):
                person = next((p for p in people if previous_start <= p[0] < sentence_start), None)
            if person is None:
                continue
            who = inspection.original[person[0]:person[1]]
            inspection.flag(self.category, f"{kind}_details", ORIGINAL, min(person[0], start), max(person[1], end),
                            f"Links {who} to {kind} details (\u201c{match.group()}\u201d); that needs their "
                            "permission.")

    def _media(self, inspection: Inspection) -> None:
        for index, item in enumerate(inspection.post.media):
            media_id = item.media_id or f"media[{index}]"
            described = self.people_words.search(item.alt_text.lower()) if item.alt_text else None
            if described or named_people(item.alt_text or ""):
                inspection.flag_media(self.category, "people_in_image_description", media_id, item.alt_text,
                                      "The image description says people are pictured and no consent is declared.")
                continue
            if not item.path or not self.faces_enabled:
                continue
            try:
                faces = count_faces(item.path, self.face_settings)
            except UnreadableImage as exc:
                logger.info("media %s unreadable: %s", media_id, exc)
                self._flag_unreadable(inspection, media_id, item.path)
                continue
            if faces:
                inspection.flag_media(self.category, "photo_of_people_without_consent", media_id, item.path,
                                      f"The photo shows {faces} face{'s' if faces > 1 else ''} and no consent from the "
                                      "people pictured is declared.")

    def _unreadable_media_only(self, inspection: Inspection) -> None:
        from pathlib import Path

        for index, item in enumerate(inspection.post.media):
            if item.path and self.faces_enabled and not Path(item.path).is_file():
                self._flag_unreadable(inspection, item.media_id or f"media[{index}]", item.path)

    def _flag_unreadable(self, inspection: Inspection, media_id: str, path: str) -> None:
        inspection.flag_media(self.category, "media_unreadable", media_id, path,
                              "The media could not be read, so it was not checked for people; look at it before "
                              "approving.")
