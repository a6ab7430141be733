"""Who initiated the contact, only where the text says so.

Wordings that name the initiator after them: "initiated by the U.S. side", "at the initiative of
Kazakhstan", "at the request of", "upon request from", "received a telephone call from".
Wordings that name it before them: "on Kazakhstan's initiative", "X called Y", "X gave a telephone
call to Y", "X initiated the call", "the President's call to ...". Chinese releases write "had a
phone call with X at request", meaning at the other side's request.

Only the sentences that report this contact are read, so that "the previous call, held at the
request of ..." does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.extraction.gazetteer import Match
from app.extraction.participants import Participant, names_match
from app.extraction.people import Mention
from app.extraction.text import Sentence
from app.extraction.titles import titles_compatible

_AFTER = re.compile(
    r"\b(?:at|on|upon)\s+the\s+initiative\s+of\b"
    r"|\binitiated\s+by\b"
    r"|\b(?:at|upon|on|in\s+(?:a\s+)?response\s+to|following|responding\s+to)\s+(?:the\s+|a\s+)?(?:request|invitation to (?:call|talk))\s+(?:of|from|by)\b"
    r"|\bcalls?\s+from\b"
    r"|\bcalled\s+by\b",
    re.I,
)
_BEFORE = re.compile(
    r"(?:'s|s'|s)?\s+initiative\b(?!\s+of)"
    r"|\binitiated\s+(?:the|this|a)\s+(?:telephone\s+|phone\s+)?(?:call|conversation|talks?|contact|meeting)\b"
    r"|\b(?:called|phoned|telephoned|rang|dialled|dialed)\b"
    r"|\b(?:gave|made|placed|put\s+through)\s+(?:a\s+|an\s+)?(?:telephone\s+|phone\s+)?call\s+to\b"
    r"|'s\s+calls?\s+to\b"
    r"|\breached\s+out\s+to\b"
    r"|\b(?:sent|addressed|wrote|dispatched)\s+(?:an?\s+)?(?:congratulatory\s+|condolence\s+|personal\s+|written\s+)?(?:message|letter|telegram|note)s?\b"
    r"|'s\s+request\b",
    re.I,
)
_AT_REQUEST = re.compile(r"\bat\s+(?:the\s+)?request\b(?!\s+of)", re.I)
_NOT_A_CALL = re.compile(r"\s*(?:for|on|upon|it|him to|her to|them to|into|off|back)\b", re.I)


# References to parties read per sentence: a real sentence has a handful; junk may have thousands.
_MAX_REFS = 40


@dataclass(slots=True)
class Initiator:
    code: str
    start: int
    end: int
    confidence: float


class InitiatorReader:
    def __init__(self, participants: list[Participant], publisher_country: str | None) -> None:
        self.participants = participants
        self.home = publisher_country
        self.countries = {p.country for p in participants if p.country}

    def _from_mention(self, mention: Mention) -> str | None:
        if mention.name:
            for person in self.participants:
                if names_match(person.name, mention.name):
                    return person.country
        if mention.country:
            return mention.country
        if mention.pronoun:
            return self.home
        if mention.title:
            candidates = [p for p in self.participants if p.title and titles_compatible(p.title, mention.title)]
            home = [p for p in candidates if p.country == self.home]
            if home:
                return home[0].country
            if len(candidates) == 1:
                return candidates[0].country
        return None

    def _refs(self, mentions: list[Mention], matches: list[Match]) -> list[tuple[int, int, str | None]]:
        """(start, end, country) of every reference to a party in a sentence."""
        refs: list[tuple[int, int, str | None]] = []
        for mention in mentions[:_MAX_REFS]:
            refs.append((mention.start, mention.end, self._from_mention(mention)))
        covered = [(a, b) for a, b, _ in refs]
        for match in matches[:_MAX_REFS]:
            if match.category in ("country", "demonym", "metonym", "org", "body"):
                if not any(a <= match.start < b for a, b in covered):
                    refs.append((match.start, match.end, match.code))
        refs.sort()
        return refs

    def _accept(self, code: str | None) -> bool:
        return code is not None and (not self.countries or code in self.countries)

    def read(self, sentence: Sentence, mentions: list[Mention], matches: list[Match]) -> Initiator | None:
        text = sentence.text
        refs = self._refs(mentions, matches)
        for match in _AFTER.finditer(text):
            end = sentence.start + match.end()
            for start_ref, end_ref, code in refs:
                if end <= start_ref <= end + 120 and code is not None:
                    if self._accept(code):
                        return Initiator(code, sentence.start + match.start(), end_ref, 0.9)
                    break
        for match in _BEFORE.finditer(text):
            word = match.group(0).lower().strip()
            start = sentence.start + match.start()
            if word in ("called", "phoned", "telephoned", "rang", "dialled", "dialed"):
                if _NOT_A_CALL.match(text, match.end()) or re.search(r"(?:was|were|been|be|so-)\s*$", text[: match.start()]):
                    continue
                # The one called must follow: a person or a title.
                if not any(sentence.start + match.end() <= a <= sentence.start + match.end() + 25 for a, _, _ in refs):
                    continue
            if word.endswith("initiative"):
                # "at Russias initiative", "on Kazakhstan's initiative", "at the Russian side's initiative"
                window = text[max(0, match.start() - 60) : match.start()].lower()
                if not re.search(r"\b(?:at|on|upon|by)\b", window):
                    continue
            best = None
            for start_ref, end_ref, code in refs:
                if end_ref <= start + 2 and start - end_ref <= 150:
                    best = (start_ref, code)
            if best is not None and self._accept(best[1]):
                return Initiator(best[1] or "", best[0], sentence.start + match.end(), 0.85)
        match = _AT_REQUEST.search(text)
        if match:
            others = [p.country for p in self.participants if p.country and p.country != self.home]
            if self.home and len(set(others)) == 1:
                return Initiator(others[0], sentence.start + match.start(), sentence.start + match.end(), 0.75)
        return None
