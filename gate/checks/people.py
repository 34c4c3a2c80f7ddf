"""Finding who a post is about: named people, @handles and named organisations.

Names are found in the original text because capital letters are the evidence;
the result is a list of spans in original coordinates.
"""
from __future__ import annotations

import re

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)*(?:[-'’][{_UPPER}]?[{_LOWER}]+)?"
# Patterns start with a character class or literal, not with \b: the regex engine can then
# skip ahead to candidate characters instead of trying every position (checked on the bench).
_NAME_START = rf"[{_UPPER}](?<![\w][{_UPPER}])"

TITLED_NAME = re.compile(
    rf"(?:Dr|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|Sir|Dame|Lord|Lady|Cllr|Councillor|Rev|Revd)\.?\s+"
    rf"(?:[{_UPPER}]\.\s*)?{_NAME_WORD}(?:\s+{_NAME_WORD})?"
)
FULL_NAME = re.compile(rf"{_NAME_START}[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)*(?:[-'’][{_UPPER}]?[{_LOWER}]+)?(?:\s+(?:[{_UPPER}]\.\s+)?{_NAME_WORD}){{1,2}}\b")
_ROLES = ("student students colleague lecturer tutor alumna alumnus graduate researcher candidate employee worker "
          "porter cleaner manager technician intern applicant friend classmate flatmate housemate rep representative "
          "officer ambassador president assistant coordinator librarian chef postgrad undergrad fresher mentor "
          "volunteer coach captain nurse doctor director head welcome").split() + [
    "member of staff", "staff member", "back to", "thanks to", "thank you to", "congratulations to", "congrats to",
    "shout out to", "well done to", "good luck to", "happy birthday to", "get well soon"]
_ROLE_SET = frozenset(_ROLES)
_ROLE_LAST_WORDS = frozenset(role.split()[-1] for role in _ROLES)
_CAPITALISED_WORD = re.compile(rf"{_NAME_START}[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)*(?:[-'’][{_UPPER}]?[{_LOWER}]+)?")


def _role_and_name(text: str) -> list[tuple[int, int]]:
    """ "colleague Linda", "Thanks to Dave": a role word or greeting right before a capitalised word.

    Found from the capitalised words backwards; one alternation of all the roles, tried at every
    position, cost more than every other name pattern together on the bench.
    """
    spans = []
    for word in _CAPITALISED_WORD.finditer(text):
        start = word.start()
        if start < 2 or text[start - 1] != " ":
            continue
        previous_start = text.rfind(" ", 0, start - 1) + 1
        if text[previous_start:start - 1].lower() not in _ROLE_LAST_WORDS:
            continue  # cheap test first: most capitalised words follow no role word at all
        before = text[max(0, start - 24):start]
        previous = before.split()[-3:]
        for size in (1, 2, 3):
            if len(previous) >= size and " ".join(previous[-size:]).lower() in _ROLE_SET:
                if plausible_name(word.group()):
                    spans.append((start - len(before) + before.rfind(previous[-size]), word.end()))
                break
    return spans
HANDLE = re.compile(r"@(?<![\w.]@)[A-Za-z0-9_]{2,30}\b")
ORGANISATION = re.compile(
    rf"{_NAME_START}[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)*(?:[-'’][{_UPPER}]?[{_LOWER}]+)?\s+"
    rf"(?:(?:{_NAME_WORD}|&)\s+){{0,2}}(?:Ltd|Limited|Co|Solicitors|Accountants|Architects|Cleaning|Lawyers|plc|PLC|Inc|LLP|University|College|Council|Trust|Group|"
    rf"Company|Corporation|Corp|Press|Publishing|Foundation|Partners|Associates|Consulting|Services|Agency|"
    rf"Homes|Lettings|Properties|Estates|Cabs|Taxis|Catering|Printing|Security|Media|News|Gazette|Times|Post|"
    rf"Recruitment|Hotel|Hotels|Bank|Energy|Motors|Travel|Coaches|Buses|Builders|Construction|Holdings|Labs|"
    rf"Studios|Records|Pharma|Health|Clinic|Solutions|Systems|Technologies|Tech|Academy|School)\b|"
    rf"University of {_NAME_WORD}\b|"
    # Brand names written in CamelCase ("StudyHive", "SwiftBuild") are organisations too.
    rf"{_NAME_START}[{_LOWER}]+[{_UPPER}][A-Za-z]+\b"
)
# "the contractor Smithfields", "rival app Quizly": a role noun introduces an organisation's name.
ROLE_AND_ORGANISATION = re.compile(
    rf"\b(?:the|a|rival|our) (?:contractor|supplier|company|firm|landlord|agency|app|publisher|charity|business|"
    rf"developer|caterer|website|platform|provider) ({_NAME_WORD})"
)

# Capitalised words that start many sentences or name places and events, never people.
_NOT_NAMES = frozenset("""
the our we this that these those it its a an and or but if when what who why how where there here
university school department faculty centre center college campus student students union library
kent canterbury medway london england britain british uk european europe brussels paris
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december happy new year great black history month pride week day
open mental health awareness international national world science arts business law medicine
congratulations welcome join come see read find get apply book watch meet well thanks thank good
please don't do did has have had was were is are will would can could should may might must
graduation freshers clearing research news team staff award awards prize festival conference
lecture talk event events summer winter spring autumn christmas easter diwali eid ramadan
gulbenkian templeman marlowe sports building room
vice chancellor professor doctor dean head director chair officer manager
men women children kids students people girls boys staff parents families mums dads ladies gentlemen everyone
""".split())


def plausible_name(match_text: str) -> bool:
    """A first name is never one of the capitalised words that start sentences or name places."""
    first = match_text.split(None, 1)[0].rstrip(".")
    return first.lower().strip("'’") not in _NOT_NAMES


# Last words of capitalised phrases that name offices, schemes and places rather than people.
_NOT_SURNAMES = _NOT_NAMES | frozenset("""
year years office route health aid aiders first foundation graduate home results union services support network
council government committee board fund society club group association trust centre center house
square street road garden gardens college week month day scheme award awards
prize fellowship programme program project service team forum alliance institute school department faculty
""".split())


def is_person_reference(text: str) -> bool:
    """Stricter than `named_people`: the last word must not be an office, scheme or place word."""
    return text.startswith("@") or text.split()[-1].lower().strip("'’.,") not in _NOT_SURNAMES


def named_people(text: str) -> list[tuple[int, int]]:
    """Spans of likely person references: titled names, full names, "student Name", @handles."""
    spans: list[tuple[int, int]] = []
    for pattern in (TITLED_NAME, HANDLE):
        spans.extend(m.span() for m in pattern.finditer(text))
    spans.extend(_role_and_name(text))
    for match in FULL_NAME.finditer(text):
        if plausible_name(match.group()):
            spans.append(match.span())
    spans.sort()
    return spans


# "the Student Union treasurer", "the landlord": one identifiable person, though unnamed.
ROLE_HOLDER = re.compile(
    rf"\b[Tt]he\s+(?:{_NAME_WORD}\s+){{0,3}}(?:treasurer|president|chair|chairman|chairwoman|director|head|manager|"
    rf"dean|principal|chief executive|ceo|owner|landlord|registrar|secretary|captain|coach|headteacher|mayor)\b"
)


def role_holders(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in ROLE_HOLDER.finditer(text)]


def named_organisations(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in ORGANISATION.finditer(text)]
    spans += [m.span(1) for m in ROLE_AND_ORGANISATION.finditer(text)]
    return sorted(spans)


def nearest_before(spans: list[tuple[int, int]], index: int, window_start: int) -> tuple[int, int] | None:
    """The last span starting in [window_start, index) — the likely subject of what follows."""
    best = None
    for start, end in spans:
        if window_start <= start < index:
            best = (start, end)
    return best
