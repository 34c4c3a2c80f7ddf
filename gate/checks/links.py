"""Finding domains in a post's text and its link, for the checks that care about where a post points."""
from __future__ import annotations

import re
from functools import lru_cache

from ..inspection import Inspection
from ..lexicon import tokens_of


@lru_cache(maxsize=64)
def _first_tokens(domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(re.match(r"[a-z0-9]*", d).group() for d in domains)


@lru_cache(maxsize=64)
def _domain_pattern(domains: tuple[str, ...]) -> re.Pattern | None:
    if not domains:
        return None
    alternatives = "|".join(re.escape(d) for d in sorted(domains, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9\-])(?:{alternatives})(?![a-z0-9\-])")


def domain_hits(inspection: Inspection, domains: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """(start, end, domain) for each listed domain in the text, in words-view coordinates."""
    pattern = _domain_pattern(domains)
    if pattern is None or _first_tokens(domains).isdisjoint(tokens_of(inspection.words)):
        return []
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(inspection.words)]


def link_domain(inspection: Inspection, domains: tuple[str, ...]) -> str | None:
    """The listed domain the post's separate link points at, if any."""
    pattern = _domain_pattern(domains)
    link = (inspection.post.link or "").lower()
    if pattern is None or not link:
        return None
    found = pattern.search(link)
    return found.group() if found else None
