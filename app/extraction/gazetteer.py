"""Finding country and organisation names in a readout, by dictionary look-up over word tokens.

One pass over the tokens with a dictionary keyed by the first word is much faster than a regular
expression with thousands of alternatives, and it cannot backtrack. Phrases match across the
characters readouts put inside names ("U.S.", "Al-Thani", "Russia's") but not across sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from app.extraction import lexicon
from app.extraction.text import Document, fold
from app.reference.countries import COMMON_NAMES
from app.reference.organizations import ORGANIZATIONS

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Entry:
    words: tuple[str, ...]
    category: str  # "country" | "demonym" | "metonym" | "org" | "body"
    code: str
    exact: str | None = None  # the exact spelling required (acronyms that are also words)


@dataclass(frozen=True, slots=True)
class Match:
    category: str
    code: str
    t0: int  # first token index
    t1: int  # one past the last token index
    start: int
    end: int


def _words(label: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in _WORD.findall(label))


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[Entry, ...]]:
    entries: dict[tuple[str, ...], Entry] = {}

    def add(label: str, category: str, code: str, *, exact_case: bool = False) -> None:
        words = _words(label)
        if not words or words in entries:
            return
        if words[0] == "the" and len(words) > 1:
            words = words[1:]
        exact = label if exact_case else None
        entries.setdefault(words, Entry(words, category, code, exact))

    for record in pycountry.countries:
        for label in (record.name, getattr(record, "official_name", None), getattr(record, "common_name", None)):
            if label and "," not in label:
                add(label, "country", record.alpha_2)
    for code, labels in COMMON_NAMES.items():
        for label in labels:
            # Short upper-case forms ("US", "UK", "ROK") must match exactly: "us" is a pronoun.
            add(label, "country", code, exact_case=label.replace(".", "").isupper() and len(label) <= 5)
    for label, code in lexicon.EXTRA_COUNTRY_NAMES.items():
        add(label, "country", code)
    for label, code in lexicon.DEMONYMS.items():
        add(label, "demonym", code)
    for label, code in lexicon.METONYMS.items():
        add(label, "metonym", code)
    for org in ORGANIZATIONS:
        code = lexicon.ORGANIZATION_PARENT.get(org.code, org.code)
        for label in (org.code, org.name, *org.aliases):
            acronym = label.replace(".", "").replace("-", "").replace("+", "").isupper() or label == org.code
            add(label, "org", code, exact_case=acronym and len(label) <= 6)
    for label, code in lexicon.ORGANIZATION_BODIES.items():
        add(label, "body", code)

    index: dict[str, list[Entry]] = {}
    for entry in entries.values():
        index.setdefault(entry.words[0], []).append(entry)
    return {first: tuple(sorted(found, key=lambda e: -len(e.words))) for first, found in index.items()}


def _joinable(gap: str) -> bool:
    """Whether two words with `gap` between them can belong to one name ("U.S.", "P5+1", "Al-Thani")."""
    return len(gap) <= 3 and "\n" not in gap and not gap.strip(" .-'+&")


def match_at(doc: Document, i: int, limit: int) -> Match | None:
    """The longest country or organisation phrase starting at token i (and ending before `limit`)."""
    tokens = doc.tokens
    token = tokens[i]
    candidates = _index().get(token.low)
    if candidates is None:
        # "Russias initiative", "Turkeys Manisa Province": a possessive whose apostrophe was lost.
        if token.low.endswith("s") and token.cap and len(token.low) > 4:
            # Also plural demonyms: "the Russians", "two Canadians".
            candidates = tuple(
                e for e in _index().get(token.low[:-1], ()) if len(e.words) == 1 and e.category in ("country", "demonym")
            )
        if not candidates:
            return None
    for entry in candidates:
        n = len(entry.words)
        if i + n > limit:
            continue
        ok = True
        for k in range(1, n):
            if tokens[i + k].low != entry.words[k] or not _joinable(doc.gap(i + k - 1)):
                ok = False
                break
        if not ok:
            continue
        first = tokens[i]
        if entry.exact is not None:
            span_text = doc.work[first.start : tokens[i + n - 1].end]
            if span_text.replace(".", "") != entry.exact.replace(".", ""):
                continue
        elif not first.cap and not first.text[:1].isdigit():
            continue  # proper names are capitalised: "china" and "turkey" are not countries
        end = tokens[i + n - 1].end
        # "U.S." keeps its closing full stop when it is an abbreviation.
        if n > 1 and len(tokens[i + n - 1].text) == 1 and doc.work[end : end + 1] == ".":
            end += 1
        return Match(entry.category, entry.code, i, i + n, first.start, end)
    return None


def find_all(doc: Document, t0: int, t1: int) -> list[Match]:
    """All country and organisation phrases between tokens t0 and t1, left to right, not overlapping."""
    found: list[Match] = []
    index = _index()
    tokens = doc.tokens
    i = t0
    while i < t1:
        low = tokens[i].low
        if low not in index and not (low.endswith("s") and low[:-1] in index):
            i += 1
            continue
        m = match_at(doc, i, t1)
        if m is None:
            i += 1
            continue
        found.append(m)
        i = m.t1
    return found
