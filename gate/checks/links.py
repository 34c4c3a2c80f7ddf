"""Finding listed domains in a post's text and in its link (piracy sites, adult sites)."""
from __future__ import annotations

import re

from ..inspection import Inspection
from ..lexicon import Lexicon

# Parts of a domain too common to say anything on their own.
_GENERIC_PARTS = frozenset("www com org net co uk se ru is to mx cc sk li st rs nz lol me io tv info biz".split())


class DomainList:
    """A list of domains, compiled once; a text is scanned only if a telling part of one appears in it."""

    def __init__(self, domains) -> None:
        self.domains = tuple(sorted({d.strip().lower() for d in domains if d and d.strip()}, key=len, reverse=True))
        keys = set()
        for domain in self.domains:
            parts = [p for p in re.findall(r"[a-z0-9]+", domain) if p not in _GENERIC_PARTS] or [domain]
            keys.add(max(parts, key=len))
        self.keys = Lexicon("domains", keys)
        alternatives = "|".join(re.escape(d) for d in self.domains)
        self._pattern = re.compile(rf"(?<![a-z0-9\-])(?:{alternatives})(?![a-z0-9\-])") if self.domains else None

    def hits(self, inspection: Inspection) -> list[tuple[int, int, str]]:
        """(start, end, domain) for each listed domain in the post's text, in words-view coordinates."""
        if self._pattern is None or not self.keys.could_match(inspection.words):
            return []
        return [(m.start(), m.end(), m.group()) for m in self._pattern.finditer(inspection.words)]

    def in_link(self, inspection: Inspection) -> str | None:
        """The listed domain the post's separate link points at, if any."""
        link = (inspection.post.link or "").lower()
        if self._pattern is None or not link:
            return None
        found = self._pattern.search(link)
        return found.group() if found else None
