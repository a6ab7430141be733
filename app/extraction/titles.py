"""Comparing official titles: "Foreign Minister", "Minister of Foreign Affairs" and "Minister for
Foreign Affairs" are one office; "Prime Minister and Minister of Foreign Affairs" holds two."""

from __future__ import annotations

import re
from functools import lru_cache

from app.reference.countries import resolve_country

_SYNONYMS = {
    "minister of foreign affairs": "foreign minister",
    "minister for foreign affairs": "foreign minister",
    "foreign affairs minister": "foreign minister",
    "minister of external affairs": "foreign minister",
    "external affairs minister": "foreign minister",
    "minister for external affairs": "foreign minister",
    "foreign secretary": "foreign minister",
    "secretary for foreign affairs": "foreign minister",
    "secretary of foreign affairs": "foreign minister",
    "pm": "prime minister",
    "premier": "prime minister",
    "vice president": "vice president",
    "secretary general": "secretary general",
    "un secretary general": "secretary general",
    "chairman": "chair",
    "chairwoman": "chair",
    "chairperson": "chair",
    "advisor": "adviser",
    "state councilor": "state councillor",
}
_DROP_WORDS = re.compile(r"\b(?:the|former|h ?e|his excellency|extraordinary and plenipotentiary)\b")


def _strip_places(text: str) -> str:
    """Drop trailing "of <country>" / "to <country>" parts: "ambassador of russia to belarus" → "ambassador"."""
    changed = True
    while changed:
        changed = False
        match = re.search(r"\s+(?:of|to|for)\s+((?:the\s+)?[a-z ]+)$", text)
        if match:
            # try every split point of the tail, longest tail first
            words = match.group(0).split()
            for k in range(len(words)):
                if words[k] in ("of", "to", "for"):
                    tail = " ".join(words[k + 1 :])
                    if tail and resolve_country(tail) is not None:
                        text = text[: len(text) - len(" ".join(words[k:]))].rstrip()
                        changed = True
                        break
    return text


@lru_cache(maxsize=4096)
def title_components(title: str | None) -> frozenset[str]:
    """The offices a title names, each in a canonical form."""
    if not title:
        return frozenset()
    text = title.lower().replace("-", " ").replace(".", "")
    text = re.sub(r"[^a-z /]+", " ", text)
    text = _DROP_WORDS.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    parts = []
    text = text.replace("/", " and ")
    for part in re.split(r"\s+and\s+(?=(?:deputy |first |vice |prime |foreign |high )?(?:minister|president|secretary|director|chair|member|head|prime|foreign|representative))", text):
        part = _strip_places(part.strip())
        # A leading country word ("russian foreign minister", "us secretary of state").
        words = part.split()
        while len(words) > 1 and resolve_country(words[0]) is not None and words[0] not in ("state",):
            words = words[1:]
        part = " ".join(words)
        part = _SYNONYMS.get(part, part)
        if part:
            parts.append(part)
    return frozenset(parts)


def titles_compatible(a: str | None, b: str | None) -> bool:
    """Whether two titles can name the same office (an unknown title is compatible with any)."""
    if not a or not b:
        return True
    ca, cb = title_components(a), title_components(b)
    return bool(ca & cb)


def titles_equal(a: str | None, b: str | None) -> bool:
    """Whether two titles name the same office (both known)."""
    if not a or not b:
        return False
    ca, cb = title_components(a), title_components(b)
    return bool(ca & cb)
