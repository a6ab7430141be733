"""extract(): a readout's text → the event it reports, each field with confidence and evidence.

The steps, each in its own module:
1. text: a same-length working copy, lines, sentences, tokens (offsets stay the caller's);
2. contact: the sentences that report the contact, its kind and its duration;
3. dates: every date expression, resolved against the readout's own date line or `published_at`;
4. people + participants: the persons of the reporting sentences, completed from the publisher
   and the office-holders table;
5. initiator, topics, mentioned countries, organisations, summary.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import re

from app.extraction import contact, dates, lexicon, office
from app.extraction.gazetteer import Match
from app.extraction.initiator import InitiatorReader
from app.extraction.models import (
    Evidence,
    ExtractedEvent,
    ExtractedParticipant,
    FieldResult,
)
from app.extraction.participants import (
    Participant,
    ParticipantBuilder,
    publisher_from_text,
    publisher_identity,
)
from app.extraction.people import Mention, read_mentions
from app.extraction.text import Document, Sentence, build_document
from app.extraction.topics import find_topics

_log = logging.getLogger(__name__)

# Changes whenever a rule changes, so that stored extractions can be told apart.
EXTRACTOR_VERSION = "rules-1.0"

# Groupings whose mere naming puts multilateral diplomacy on the agenda.
_FORUMS = frozenset({"G7", "G8", "G20", "ASEAN", "APEC", "EAS", "BRICS", "SCO", "CICA", "QUAD", "P5+1", "OSCE"})
_MULTILATERAL_CONTEXT = re.compile(
    r"\b(?:summit|session|membership|integration|role|framework|within|agenda|initiatives?|chairmanship|"
    r"presidency|missions?|strategy|reform|work of|development of|interaction|member|members|"
    r"cooperation (?:in|within)|support for|standards|preparations|meetings?|conference|ministerial|council|"
    r"work(?:s|ing)? (?:closely )?with|plans? of action)\b",
    re.I,
)
_VENUE = re.compile(r"\b(?:on|in|at) the (?:sidelines|margins|fringes?) of\b", re.I)


def _ev(doc: Document, start: int, end: int) -> Evidence:
    """Evidence over the original text (offsets are shared with the working copy)."""
    start = max(0, min(start, len(doc.original)))
    end = max(start, min(end, len(doc.original)))
    return Evidence(start=start, end=end, text=doc.original[start:end])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Context:
    """Everything read from one readout, shared by the field extractors."""

    def __init__(self, text: str, publisher: str | None, published_at: datetime.date | None, url: str | None) -> None:
        self.doc = build_document(text)
        self.publisher_name = publisher or publisher_from_text(self.doc.work)
        self.publisher = publisher_identity(self.publisher_name)
        self.published_at = published_at
        self.url = url
        self.contact = contact.analyse(self.doc)
        self.mentions: dict[int, list[Mention]] = {}
        self.matches: dict[int, list[Match]] = {}
        contact_sentences = {c.sentence.index for c in self.contact.all_contacts}
        for sentence in self.doc.sentences:
            found, matches = read_mentions(self.doc, sentence, titled_only=sentence.index not in contact_sentences)
            self.mentions[sentence.index] = found
            self.matches[sentence.index] = matches


# --- date --------------------------------------------------------------------------------------

def _date(ctx: _Context) -> tuple[FieldResult, datetime.date | None]:
    doc = ctx.doc
    us_order = bool(ctx.publisher.country == "US")
    mentions = dates.find_dates(doc, us_order=us_order)
    datelines = dates.dateline_dates(doc, mentions)
    anchor_mention = datelines[0] if datelines else None
    anchor = dates.resolve(anchor_mention, None) if anchor_mention else None
    if anchor is None:
        anchor = ctx.published_at or _date_in_url(ctx.url)

    def in_sentence(sentence: Sentence | None) -> list[dates.DateMention]:
        if sentence is None:
            return []
        return [m for m in mentions if sentence.start <= m.start < sentence.end]

    def result(mention: dates.DateMention, confidence: float, value: datetime.date | None = None):
        value = value or dates.resolve(mention, anchor)
        if value is None:
            return None
        evidence = [_ev(doc, mention.start, mention.end)]
        if mention.kind in ("relative", "weekday", "partial") and anchor_mention is not None:
            evidence.append(_ev(doc, anchor_mention.start, anchor_mention.end))
        return FieldResult(value=value, confidence=confidence, evidence=evidence), value

    body = ctx.contact.body_main.sentence if ctx.contact.body_main else None
    main = ctx.contact.main.sentence if ctx.contact.main else None
    header_sentences = [c.sentence for c in ctx.contact.header_contacts]
    reporting = [s for s in [body, main] if s is not None]

    # 1. A date written in the sentence that reports the contact.
    for sentence in reporting:
        for mention in in_sentence(sentence):
            if mention.kind in ("full", "partial"):
                found = result(mention, 0.95 if mention.kind == "full" else 0.9)
                if found:
                    return found
    # 2. A date in a headline about the contact ("PM call with President X: 21 December 2025").
    for sentence in header_sentences:
        for mention in in_sentence(sentence):
            if mention.kind == "full":
                found = result(mention, 0.85)
                if found:
                    return found
    # 3. "today", "yesterday", "on Wednesday" in the reporting sentence.
    for sentence in reporting:
        for mention in in_sentence(sentence):
            if mention.kind in ("relative", "weekday"):
                found = result(mention, 0.85 if anchor_mention else 0.75)
                if found:
                    return found
    # 4. "today's talks" in another sentence about the contact. (Explicit dates there are too often
    #    those of other contacts: "their meeting in Istanbul on November 19".)
    for cs in ctx.contact.secondary[:3]:
        if not cs.live_cues:
            continue
        for mention in in_sentence(cs.sentence):
            if mention.kind not in ("relative", "weekday"):
                continue
            found = result(mention, 0.6)
            if found:
                return found
    # 5. The readout's own date, where the contact has one at all.
    if ctx.contact.main is not None:
        if anchor_mention is not None:
            found = result(anchor_mention, 0.45)
            if found:
                return found
        if ctx.published_at is not None:
            return FieldResult(value=ctx.published_at, confidence=0.35, evidence=[]), ctx.published_at
    return FieldResult(value=None, confidence=0.2 if ctx.contact.main else 0.05, evidence=[]), None


_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d\d)[/-](\d\d)(?:/|\b)")


def _date_in_url(url: str | None) -> datetime.date | None:
    """Many press sites put the publication date in the path: /2019/12/03/readout-..."""
    if not url:
        return None
    match = _URL_DATE.search(url[:500])
    if match is None:
        return None
    return dates._valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))


# --- participants ------------------------------------------------------------------------------

_NOT_PARTICIPANT_BEFORE = re.compile(r"\b(?:on behalf of|greetings to|congratulations to|regards to|wishes to|as well as to)\s*$", re.I)


def _participants(ctx: _Context, on: datetime.date | None) -> tuple[FieldResult, list[Participant]]:
    doc = ctx.doc
    analysis = ctx.contact
    builder = ParticipantBuilder(ctx.publisher, on)
    core: list[Sentence] = []
    if analysis.body_main is not None:
        # Live contact sentences up to and including the one reporting the contact.
        for cs in analysis.all_contacts:
            if cs.sentence.header or cs.sentence.index > analysis.body_main.sentence.index:
                continue
            if cs.live_cues:
                core.append(cs.sentence)
    headers = [c.sentence for c in analysis.header_contacts if c.live_cues]

    def usable(mention: Mention) -> bool:
        return not _NOT_PARTICIPANT_BEFORE.search(doc.work[max(0, mention.start - 40) : mention.start])

    ordered = ([analysis.body_main.sentence] if analysis.body_main else []) + [s for s in core if analysis.body_main is None or s.index != analysis.body_main.sentence.index] + headers
    for sentence in ordered:
        for mention in ctx.mentions[sentence.index]:
            if usable(mention):
                builder.add(mention)
    if builder.count() < 2:
        for cs in analysis.secondary:
            if not cs.live_cues:
                continue
            for mention in ctx.mentions[cs.sentence.index]:
                if usable(mention):
                    builder.add(mention)
            if builder.count() >= 2:
                break
    all_mentions = [m for s in doc.sentences for m in ctx.mentions[s.index]]
    people = builder.complete(all_mentions)
    spans = list(dict.fromkeys(span for p in people for span in p.spans[:2]))
    evidence = [_ev(doc, a, b) for a, b in spans]
    value = [ExtractedParticipant(name=p.name, title=p.title, country=p.country) for p in people]
    if not people:
        confidence = 0.1
    else:
        confidence = min(p.confidence for p in people)
        if len(people) < 2:
            confidence = min(confidence, 0.4)
    return FieldResult(value=value, confidence=round(confidence, 2), evidence=evidence), people


def _countries_from_context(ctx: _Context, people: list[Participant], places: list[tuple[int, int, str]], result: FieldResult) -> None:
    """A participant whose country neither the text nor the office-holders table gives
    ("Presidents Obama and Calderon") takes the one foreign country the readout is about: named in
    the headline or a reporting sentence ("close U.S.-Mexican cooperation"), or named repeatedly."""
    missing = [p for p in people if p.country is None]
    if len(missing) != 1:
        return
    taken = {p.country for p in people if p.country}
    reporting = {c.sentence.index for c in ctx.contact.all_contacts if c.live_cues}
    starts = [s.start for s in ctx.doc.sentences]
    near: dict[str, int] = {}
    counts: dict[str, int] = {}
    for start, _end, code in places:
        if code in taken or code in ("EU", "UN", "NATO"):
            continue
        counts[code] = counts.get(code, 0) + 1
        index = bisect.bisect_right(starts, start) - 1
        if index in reporting or (index >= 0 and ctx.doc.sentences[index].header):
            near[code] = near.get(code, 0) + 1
    pool = near if len(near) == 1 else ({c: n for c, n in counts.items() if n >= 2} if not near else {})
    if len(pool) == 1:
        person = missing[0]
        person.country = next(iter(pool))
        person.confidence = min(person.confidence, 0.5)
        for item in result.value:
            if item.name == person.name and item.title == person.title and item.country is None:
                item.country = person.country
                break
        result.confidence = min(result.confidence, 0.5)


# --- places and organisations ------------------------------------------------------------------

def _country_mentions(ctx: _Context) -> list[tuple[int, int, str]]:
    """(start, end, code) of every country named in the text, metonyms only where they mean a government."""
    doc = ctx.doc
    cue_lines = {cs.sentence.line for cs in ctx.contact.all_contacts}
    found = []
    for sentence in doc.sentences:
        words = sentence.t1 - sentence.t0
        if sentence.header and sentence.line not in cue_lines and words <= 5 and not sentence.shouting:
            continue  # a place line ("En Route Shannon, Ireland") or a section label
        for match in ctx.matches[sentence.index]:
            if match.category not in ("country", "demonym", "metonym"):
                continue
            after = doc.tokens[match.t1].low if match.t1 < len(doc.tokens) else ""
            before = doc.tokens[match.t0 - 1].low if match.t0 > 0 else ""
            if after in lexicon.NOT_COUNTRY_AFTER:
                continue
            last = doc.tokens[match.t1 - 1].low
            if before in lexicon.NOT_COUNTRY_BEFORE.get(last, ()):
                continue
            if match.category == "metonym":
                before2 = doc.tokens[match.t0 - 2].low if match.t0 > 1 else ""
                if not (
                    after in lexicon.METONYM_AFTER
                    or before == "official"
                    or (before == "with" and before2 in lexicon.METONYM_BEFORE)
                ):
                    continue
            found.append((match.start, match.end, match.code))
    return found


def _organizations(ctx: _Context) -> list[tuple[int, int, str, int]]:
    """(start, end, acronym, sentence index) of every organisation named in the text."""
    found = []
    for sentence in ctx.doc.sentences:
        for match in ctx.matches[sentence.index]:
            if match.category not in ("org", "body"):
                continue
            written = ctx.doc.work[match.start : match.end]
            if written.replace(".", "").upper() in lexicon.AMBIGUOUS_ACRONYMS and (sentence.shouting or not written.isupper()):
                continue
            found.append((match.start, match.end, match.code, sentence.index))
    return found


# --- summary -----------------------------------------------------------------------------------

def _summary(ctx: _Context) -> FieldResult:
    doc = ctx.doc
    analysis = ctx.contact
    chosen = analysis.body_main or analysis.main
    if chosen is None:
        return FieldResult(value=None, confidence=0.0, evidence=[])
    if analysis.body_main is not None:
        # The first body sentence that speaks of the contact ("The President spoke with ...").
        chosen = next(
            (c for c in analysis.all_contacts if not c.sentence.header and c.live_cues and c.sentence.index <= chosen.sentence.index),
            chosen,
        )
    sentences = [chosen.sentence]
    following = [s for s in doc.sentences if s.index == chosen.sentence.index + 1 and not s.header]
    if following and len(chosen.sentence.text) < 160 and len(following[0].text) < 300:
        sentences.append(following[0])
    # Leave out what precedes the report itself: a list number ("1."), a speaker or a place
    # ("Foreign Secretary, Shri Vijay Gokhale:", "WASHINGTON:").
    spans = []
    for sentence in sentences:
        prefix = _SUMMARY_PREFIX.match(doc.work, sentence.start, sentence.end)
        spans.append((prefix.end() if prefix is not None else sentence.start, sentence.end))
    text = _clean(" ".join(doc.original[a:b] for a, b in spans))
    return FieldResult(
        value=text[:600],
        confidence=0.8 if analysis.body_main else 0.5,
        evidence=[_ev(doc, a, b) for a, b in spans],
    )


_SUMMARY_PREFIX = re.compile(r"(?:\d{1,2}\.\s+|[^.:\n]{2,60}:\s+)")


# --- the whole -------------------------------------------------------------------------------

def _empty_event(kind_confidence: float = 0.05) -> ExtractedEvent:
    return ExtractedEvent(
        extractor_version=EXTRACTOR_VERSION,
        kind=FieldResult(value="other", confidence=kind_confidence),
        date=FieldResult(value=None, confidence=0.0),
        participants=FieldResult(value=[], confidence=0.0),
        initiator=FieldResult(value=None, confidence=0.0),
        duration_minutes=FieldResult(value=None, confidence=0.0),
        duration_approximate=FieldResult(value=False, confidence=0.0),
        topics=FieldResult(value=[], confidence=0.0),
        mentioned_countries=FieldResult(value=[], confidence=0.0),
        organizations=FieldResult(value=[], confidence=0.0),
        summary=FieldResult(value=None, confidence=0.0),
    )


def warm_up() -> None:
    """Load every reference table now (the service may call this at start-up), so that no readout
    pays for it."""
    office.warm_up()
    extract("Readout: President Warm Up spoke with Prime Minister Up Warm of the United States today.")


def extract(
    text: str,
    *,
    publisher: str | None = None,
    published_at: datetime.date | None = None,
    url: str | None = None,
) -> ExtractedEvent:
    """The event a readout reports. Never raises on a string; nonsense gives low confidence."""
    if not isinstance(text, str) or not text.strip():
        return _empty_event()
    try:
        return _extract(text, publisher, published_at, url)
    except Exception:  # noqa: BLE001 - a bad readout must not break ingestion; flag it instead
        _log.exception("extraction failed; returning an empty result")
        return _empty_event(0.0)


def _extract(text: str, publisher: str | None, published_at: datetime.date | None, url: str | None) -> ExtractedEvent:
    ctx = _Context(text, publisher, published_at, url)
    doc = ctx.doc
    analysis = ctx.contact

    kind = FieldResult(
        value=analysis.kind,
        confidence=analysis.confidence,
        evidence=[_ev(doc, c.start, c.end) for c in analysis.kind_cues],
    )
    date_result, on = _date(ctx)
    participants_result, people = _participants(ctx, on or published_at)
    places = _country_mentions(ctx)
    _countries_from_context(ctx, people, places, participants_result)
    own = {p.country for p in people if p.country}

    # Initiator: from the sentences that report this contact.
    reader = InitiatorReader(people, ctx.publisher.country)
    initiator_result = FieldResult(value=None, confidence=0.7 if analysis.main else 0.1, evidence=[])
    reporting = []
    if analysis.body_main:
        reporting.append(analysis.body_main)
    reporting += [c for c in analysis.header_contacts if c not in reporting]
    reporting += [c for c in analysis.all_contacts if c not in reporting and not c.sentence.header and c.live_cues]
    for cs in reporting:
        if not cs.live_cues:
            continue
        found = reader.read(cs.sentence, ctx.mentions[cs.sentence.index], ctx.matches[cs.sentence.index])
        if found is not None:
            initiator_result = FieldResult(value=found.code, confidence=found.confidence, evidence=[_ev(doc, found.start, found.end)])
            break

    # Duration: the reporting sentences first, then any sentence not about another contact.
    duration_sentences = [c.sentence for c in reporting]
    displaced = {c.sentence.index for c in analysis.all_contacts if c.cues and not c.live_cues}
    duration_sentences += [s for s in doc.sentences if s not in duration_sentences and s.index not in displaced]
    duration = contact.find_duration(doc, duration_sentences) if analysis.main else None
    if duration is not None:
        duration_result = FieldResult(value=duration.minutes, confidence=0.9, evidence=[_ev(doc, duration.start, duration.end)])
        approx_result = FieldResult(value=duration.approximate, confidence=0.85, evidence=[_ev(doc, duration.start, duration.end)])
    else:
        duration_result = FieldResult(value=None, confidence=0.8 if analysis.main else 0.1)
        approx_result = FieldResult(value=False, confidence=0.8 if analysis.main else 0.1)

    # Countries and organisations named in the text.
    mentioned: dict[str, list[Evidence]] = {}
    for start, end, code in places:
        if code in own:
            continue
        mentioned.setdefault(code, []).append(_ev(doc, start, end))
    orgs = _organizations(ctx)
    org_codes: dict[str, list[Evidence]] = {}
    for start, end, code, _ in orgs:
        org_codes.setdefault(code, []).append(_ev(doc, start, end))

    # Topics.
    sentence_places: dict[int, set[str]] = {}
    sentence_starts = [s.start for s in doc.sentences]
    for start, _end, code in places:
        index = bisect.bisect_right(sentence_starts, start) - 1
        if index >= 0:
            sentence_places.setdefault(doc.sentences[index].index, set()).add(code)
    masked = [(a, b) for a, b, _, _ in orgs]
    hits = find_topics(
        doc.lower,
        [(s.start, s.end, s.header, sentence_places.get(s.index, set())) for s in doc.sentences if not s.shouting],
        masked,
        own,
        places,
        doc.token_starts,
    )
    topic_evidence: dict[str, list[Evidence]] = {}
    for hit in hits:
        topic_evidence.setdefault(hit.topic, []).append(_ev(doc, hit.start, hit.end))
    main_sentence = analysis.body_main.sentence if analysis.body_main else None
    # Read once per sentence, not once per organisation named in it: a long sentence naming many
    # organisations would otherwise cost organisations x its length (or x its matches).
    main_is_venue = main_sentence is not None and bool(_VENUE.search(main_sentence.text))
    multilateral_context: dict[int, bool] = {}
    body_starts: dict[int, set[int]] = {}
    for start, end, code, index in orgs:
        sentence = doc.sentences[index]
        if any(p.country == code for p in people) and main_sentence is not None and index == main_sentence.index:
            continue  # the organisation of a participant, named with its title
        if main_is_venue and index == main_sentence.index:
            continue  # "on the margins of the G7 summit": the venue, not the agenda
        if index not in multilateral_context:
            multilateral_context[index] = bool(_MULTILATERAL_CONTEXT.search(sentence.text))
            body_starts[index] = {m.start for m in ctx.matches[index] if m.category == "body"}
        body = start in body_starts[index]
        if code in _FORUMS or body or multilateral_context[index]:
            topic_evidence.setdefault("multilateral", []).append(_ev(doc, start, end))
            if len(topic_evidence["multilateral"]) > 3:
                break
    if not analysis.main:
        topic_evidence = {}
    topics = sorted(topic_evidence, key=lambda t: topic_evidence[t][0].start)

    return ExtractedEvent(
        extractor_version=EXTRACTOR_VERSION,
        kind=kind,
        date=date_result,
        participants=participants_result,
        initiator=initiator_result,
        duration_minutes=duration_result,
        duration_approximate=approx_result,
        topics=FieldResult(
            value=topics,
            confidence=0.7 if topics else 0.3,
            evidence=[ev for t in topics for ev in topic_evidence[t][:2]],
        ),
        mentioned_countries=FieldResult(
            value=list(mentioned),
            confidence=0.85,
            evidence=[ev for evs in mentioned.values() for ev in evs[:1]],
        ),
        organizations=FieldResult(
            value=list(org_codes),
            confidence=0.85,
            evidence=[ev for evs in org_codes.values() for ev in evs[:1]],
        ),
        summary=_summary(ctx),
    )
