"""Who took part: the people of the sentences that report the contact, completed from context.

Participants are read from the headline and the sentences that report the contact, never from the
rest of the text, where people are merely mentioned ("conveyed greetings to President X").
Mentions of one person are merged ("President Obama", "Obama", "the President"). Then the gaps
are filled the way a reader fills them:

* a bare title ("The Prime Minister spoke to...", "I had a talk with...") is the publisher's own
  principal: the country comes from the publisher, the name from the office-holders table;
* a name with no country ("President Putin") gets it from the office-holders table, and failing
  that, a titled person left without a country is the publisher's side if that side is still
  missing ("Prime Minister Justin Trudeau" in a Canadian readout);
* a title missing in the reporting sentence is taken from another mention of the same person.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

from app.extraction import office
from app.extraction.gazetteer import find_all
from app.extraction.lexicon import PUBLISHER_HINTS
from app.extraction.people import Mention
from app.extraction.text import build_document
from app.extraction.titles import title_components, titles_compatible
from app.reference.names import name_tokens

_GENERATIONAL = frozenset({"jr", "sr"})


@lru_cache(maxsize=8192)
def _name_set(name: str) -> frozenset[str]:
    return frozenset(t for t in name_tokens(name) if len(t) > 1 and t not in _GENERATIONAL)


def names_match(a: str | None, b: str | None) -> bool:
    """Whether two spellings may name one person: one's words are all among the other's."""
    if not a or not b:
        return False
    sa, sb = _name_set(a), _name_set(b)
    if not sa or not sb:
        return False
    return sa <= sb or sb <= sa


@dataclass
class Participant:
    name: str | None = None
    title: str | None = None
    country: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    named_in_text: bool = True
    confidence: float = 0.9
    unqualified: bool = True  # no country written with the person
    bare: bool = False  # no name written with the person
    sentences: set[int] = field(default_factory=set)

    def absorb(self, mention: Mention) -> None:
        if mention.name and (not self.name or len(_name_set(mention.name)) > len(_name_set(self.name))):
            self.name = mention.name
        if mention.name:
            self.bare = False
        if mention.title and (not self.title or self.title == "Leader"):
            self.title = mention.title
        if mention.country and not self.country:
            self.country = mention.country
        if mention.country:
            self.unqualified = False
        self.sentences.add(mention.sentence)
        span = mention.name_span or mention.title_span
        if span and span not in self.spans:
            self.spans.append(span)


@dataclass(frozen=True, slots=True)
class Publisher:
    country: str | None
    principal: str | None  # the title of the publisher's own principal


_PRINCIPALS = (
    (re.compile(r"prime minister|downing street|kantei|premier", re.I), "Prime Minister"),
    (re.compile(r"secretary[- ]general|united nations|\bun\b|spokesperson for the", re.I), "Secretary-General"),
    (re.compile(r"european council", re.I), "President of the European Council"),
    (re.compile(r"ministry of external affairs", re.I), "Minister of External Affairs"),
    (re.compile(r"ministry of foreign affairs|foreign ministry|\bmfa\b|foreign office", re.I), "Minister of Foreign Affairs"),
    (re.compile(r"department of state|state department", re.I), "Secretary of State"),
    (re.compile(r"president|white house|kremlin|elysee|élysée", re.I), "President"),
    (re.compile(r"\bnato\b", re.I), "Secretary General"),
)


@lru_cache(maxsize=1024)
def publisher_identity(publisher: str | None) -> Publisher:
    """The country (or organisation) and principal of a press service, from its name."""
    if not publisher:
        return Publisher(None, None)
    head = publisher.split("(")[0] or publisher
    country = None
    for text in (head, publisher):
        doc = build_document(text)
        matches = [m for m in find_all(doc, 0, len(doc.tokens)) if m.category in ("country", "org", "body", "demonym")]
        folded = " ".join(t.low for t in doc.tokens)
        hints = [(folded.find(k), code) for k, code in PUBLISHER_HINTS.items() if re.search(rf"\b{re.escape(k)}\b", folded)]
        candidates = []
        if matches:
            # "Embassy of the People's Republic of China in North Macedonia": the sending state.
            first = matches[0]
            candidates.append((len(" ".join(t.low for t in doc.tokens[: first.t0])), first.code))
        candidates.extend(hints)
        if candidates:
            country = min(candidates)[1]
            break
    principal = None
    for pattern, title in _PRINCIPALS:
        if pattern.search(head):
            principal = title
            break
    if principal == "Secretary-General" and country not in (None, "UN"):
        principal = None
    if country == "NATO":
        principal = "Secretary General"
    return Publisher(country, principal)


_SOURCE_LINE = re.compile(r"^\s*(?:source|from(?: the)?)\s*:?\s*(?P<name>[^\n:]{3,80}?)\s*(?::|$)", re.I | re.M)


def publisher_from_text(text: str) -> str | None:
    """A "Source: ..." or "From the White House:" line naming the press service."""
    match = _SOURCE_LINE.search(text[:600])
    if match:
        name = match.group("name").strip()
        if match.group(0).lower().lstrip().startswith("from") and "white house" in name.lower():
            return "The White House"
        return name
    return None


class ParticipantBuilder:
    """Merges the mentions of the reporting sentences into participants, then completes them.

    Order matters: named and country-qualified mentions first; then the office-holders table gives
    countries to names ("President Putin"); only then are bare titles ("The President") placed, so
    that a bare title is not mistaken for a named counterpart holding the same title.
    """

    def __init__(self, publisher: Publisher, on: datetime.date | None) -> None:
        self.publisher = publisher
        self.on = on
        self.people: list[Participant] = []
        self._named: list[tuple[Mention, bool]] = []
        self._bare: list[tuple[Mention, bool]] = []

    # More parties than any real readout reports; a bound that keeps merging cheap on junk input.
    MAX_PEOPLE = 12
    MAX_MENTIONS = 60

    def add(self, mention: Mention, *, may_create: bool = True) -> None:
        if len(self._named) + len(self._bare) >= self.MAX_MENTIONS:
            return
        if mention.speaker or (mention.role and not mention.name and not mention.country):
            return
        if mention.pronoun or not (mention.name or mention.country):
            if mention.pronoun or (mention.title and not mention.role):
                self._bare.append((mention, may_create))
            return
        self._named.append((mention, may_create))

    def count(self) -> int:
        """How many distinct people the buffered mentions are (an estimate before completion)."""
        return len(self._merge_preview())

    def _merge_preview(self) -> list[Participant]:
        saved = self.people
        self.people = []
        for mention, may_create in self._named:
            self._place_named(mention, may_create)
        preview = self.people
        self.people = saved
        return preview + [Participant() for _ in self._bare if not preview][:1]

    # --- merging ----------------------------------------------------------------------------------
    def _place_named(self, mention: Mention, may_create: bool) -> None:
        if mention.name:
            for person in self.people:
                if names_match(person.name, mention.name):
                    person.absorb(mention)
                    return
            for person in self.people:
                if person.name is None and self._fits_unnamed(person, mention):
                    person.absorb(mention)
                    return
            if may_create and len(self.people) < self.MAX_PEOPLE:
                person = Participant(unqualified=mention.country is None, bare=False)
                person.absorb(mention)
                self.people.append(person)
            return
        for person in self.people:
            if person.country == mention.country and titles_compatible(person.title, mention.title):
                person.absorb(mention)
                return
        if may_create and (mention.title or mention.plural) and len(self.people) < self.MAX_PEOPLE:
            person = Participant(bare=True, unqualified=False)
            person.absorb(mention)
            self.people.append(person)

    def _fits_unnamed(self, person: Participant, mention: Mention) -> bool:
        if mention.sentence in person.sentences:
            return False  # two mentions in one sentence are two people
        if mention.country:
            return person.country == mention.country and titles_compatible(person.title, mention.title)
        # An unqualified named mention is the publisher's side, like the bare title it completes.
        return bool(mention.title) and titles_compatible(person.title, mention.title) and (
            person.country in (None, self.publisher.country)
        )

    def _place_bare(self, mention: Mention, may_create: bool) -> None:
        """A title with neither name nor country: the publisher's own principal, or one already met."""
        title = self.publisher.principal if mention.pronoun else mention.title
        home = self.publisher.country
        compatible = [p for p in self.people if p.title and titles_compatible(p.title, title)]
        for person in compatible:
            if home is not None and person.country == home:
                person.absorb(mention)
                return
        if home is not None and not any(p.country == home for p in self.people):
            if may_create:
                unknown = [p for p in compatible if p.country is None]
                if len(unknown) == 1 and mention.sentence not in unknown[0].sentences:
                    unknown[0].absorb(mention)
                    unknown[0].country = home
                    return
                person = Participant(title=title, country=home, bare=True)
                person.sentences.add(mention.sentence)
                span = mention.title_span or (mention.start, mention.end)
                person.spans.append(span)
                self.people.append(person)
            return
        unknown = [p for p in compatible if p.country is None]
        if len(unknown) == 1:
            unknown[0].absorb(mention)

    # --- completion -------------------------------------------------------------------------------
    def complete(self, all_mentions: list[Mention]) -> list[Participant]:
        for mention, may_create in self._named:
            self._place_named(mention, may_create)
        for person in self.people:
            if person.name and (person.country is None or not person.title):
                self._from_office_holders(person)
        for mention, may_create in self._bare:
            self._place_bare(mention, may_create)
        people = self.people
        # The home side: a titled person written without a country, while the publisher's side is missing.
        home = self.publisher.country
        if home and not any(p.country == home for p in people):
            for person in people:
                if person.country is None and person.unqualified:
                    person.country = home
                    person.confidence = min(person.confidence, 0.7)
                    break
        for person in people:
            if person.name is None:
                self._name_unnamed(person, all_mentions)
            if not person.title:
                self._title_from_text(person, all_mentions)
        # "his Egyptian counterpart": the same office as the other side.
        titled = [p.title for p in people if p.title]
        for person in people:
            if not person.title and titled and person.name:
                person.title = titled[0]
                person.confidence = min(person.confidence, 0.6)
        for person in people:
            if person.country is None:
                person.confidence = min(person.confidence, 0.4)
        return [p for p in people if p.name or p.title or p.country]

    def _from_office_holders(self, person: Participant) -> None:
        terms = office.terms_for_name(person.name or "", self.on)
        if not terms:
            return
        if person.country:
            terms = [t for t in terms if t.country == person.country] or []
        if person.title:
            matching = [t for t in terms if titles_compatible(t.title, person.title)]
            terms = matching or terms
        if not terms:
            return
        countries = {t.country for t in terms}
        if person.country is None:
            if len(countries) > 1 and self.publisher.country in countries:
                person.country = self.publisher.country
            else:
                person.country = terms[0].country
            person.confidence = min(person.confidence, 0.85 if self.on else 0.7)
        if not person.title:
            chosen = [t for t in terms if t.country == person.country]
            if chosen:
                person.title = chosen[0].title

    def _name_unnamed(self, person: Participant, all_mentions: list[Mention]) -> None:
        # Another mention of the same office in the text ("Secretary-General Ban Ki-moon" in a header).
        taken = [p.name for p in self.people if p.name]
        for mention in all_mentions:
            if not mention.name or any(names_match(mention.name, t) for t in taken):
                continue
            if not mention.title or not person.title:
                continue
            same_place = mention.country == person.country or (
                mention.country is None and person.country == self.publisher.country
            )
            if same_place and titles_compatible(mention.title, person.title) and title_components(mention.title):
                person.name = mention.name
                person.named_in_text = True
                if mention.name_span:
                    person.spans.insert(0, mention.name_span)
                return
        if person.country and person.title:
            terms = office.holders_by_title(person.country, person.title, self.on)
            if terms:
                person.name = terms[0].name
                person.named_in_text = False
                person.confidence = min(person.confidence, 0.75)

    def _title_from_text(self, person: Participant, all_mentions: list[Mention]) -> None:
        if not person.name:
            return
        for mention in all_mentions:
            if mention.title and mention.name and names_match(mention.name, person.name) and not mention.role:
                person.title = mention.title
                return
        if person.country and person.country == self.publisher.country and self.publisher.principal:
            person.title = self.publisher.principal
            person.confidence = min(person.confidence, 0.6)
