"""Readouts: storing press-service texts and the events extracted from them.

Ingest writes the readout and its event in one transaction. The same text (after white-space
normalisation) is stored once: a second post, even a concurrent one, answers the stored records.
A readout of a contact already stored from another source (same kind, participants matching,
date within a day) becomes a further source of that event, and the fields on which the sources
disagree are recorded as the event's discrepancies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import (
    NotFoundError,
    ValidationProblem,
    errors_from_pydantic,
    field_error,
)
from app.models import Event, EventParticipant, Readout
from app.models.base import utcnow
from app.models.event import (
    Codes,
    EventCreate,
    EventDraft,
    EventUpdate,
    ParticipantIn,
    ParticipantPublic,
)
from app.models.readout import ReadoutCreate, ReadoutIngestResult, ReadoutPublic
from app.reference.taxonomy import KIND_CODES
from app.services.events import (
    ParticipantRow,
    content_hash,
    create_event_uncommitted,
    hydrate,
    lock_keys_for,
    participant_rows,
    prefetch_people,
    record_history,
    write_links,
)
from app.services.ids import parse_id
from app.services.locks import lock_natural_keys
from app.services.people import PersonResolver

if TYPE_CHECKING:
    from app.extraction import ExtractedEvent

# Event fields an extraction fills, in the order they are reported.
EXTRACTED_FIELDS = ("kind", "date", "participants", "initiator", "duration_minutes", "duration_approximate",
                    "topics", "mentioned_countries", "organizations", "summary")
# Fields compared between the sources of one event. Silence is not disagreement: a source that
# does not state a value does not contradict one that does.
COMPARED_FIELDS = ("date", "initiator", "duration_minutes", "topics")


# "Source: President of the Republic of Belarus" heading a reposted readout names its publisher.
_SOURCE_LINE = re.compile(r"\A\s{0,20}Source:[ \t]{0,10}([^\r\n]{1,300})")


def declared_publisher(text: str) -> str | None:
    match = _SOURCE_LINE.match(text[:400])
    return match.group(1).strip() if match else None


def readout_public(readout: Readout) -> ReadoutPublic:
    return ReadoutPublic(
        id=None if readout.id is None else str(readout.id), text=readout.text, publisher=readout.publisher,
        url=readout.url, published_at=readout.published_at, content_hash=readout.content_hash,
        event_id=None if readout.event_id is None else str(readout.event_id), created_at=readout.created_at,
        extractor_version=readout.extractor_version, extraction=readout.extraction,
    )


def get_readout(session: Session, *, readout_id: str) -> ReadoutPublic:
    not_found = NotFoundError("no readout with this id")
    readout = session.get(Readout, parse_id(readout_id, error=not_found))
    if readout is None:
        raise not_found
    return readout_public(readout)


# --- from extraction to an event ------------------------------------------------------------------


def extraction_with_overrides(extracted: ExtractedEvent, overrides: EventUpdate | None) -> dict[str, Any]:
    """The extraction as served: per field value, confidence, evidence; overrides marked as the analyst's."""
    extraction = extracted.model_dump(mode="json")
    if overrides is not None:
        for name, value in overrides.model_dump(mode="json", exclude_unset=True).items():
            extraction[name] = {"value": value, "confidence": 1.0, "evidence": [], "source": "analyst"}
    return extraction


def _participants(values: list[dict[str, Any]]) -> list[ParticipantIn]:
    participants = []
    for value in values:
        name, title, country = value.get("name"), value.get("title"), value.get("country")
        if name or (title and country):
            participants.append(ParticipantIn.model_validate(
                {"name": name, "title": title, "country": country, "person_id": value.get("person_id")}
            ))
    return participants


def event_from_extraction(extraction: dict[str, Any]) -> EventCreate:
    """The event to store, or a 422 naming what the readout does not give."""
    values = {name: extraction[name]["value"] for name in EXTRACTED_FIELDS if name in extraction}
    errors = []
    if not values.get("date"):
        errors.append(field_error("date", "no date of the contact could be found; give it in overrides.date",
                                  location="body"))
    try:
        participants = _participants(values.get("participants") or [])
    except ValidationError:
        participants = []
    if not participants:
        errors.append(field_error("participants", "no participant could be found; give them in "
                                  "overrides.participants", location="body"))
    if errors:
        raise ValidationProblem("the readout does not say " + " or ".join(
            "when the contact took place" if e.field == "date" else "who took part" for e in errors
        ), errors=errors)
    data = {
        **{name: values.get(name) for name in EXTRACTED_FIELDS if name != "participants"},
        "participants": [p.model_dump() for p in participants],
        "kind": values.get("kind") or "other",
        "duration_approximate": bool(values.get("duration_approximate")),
        "topics": values.get("topics") or [],
        "mentioned_countries": values.get("mentioned_countries") or [],
        "organizations": values.get("organizations") or [],
    }
    try:
        return EventCreate.model_validate(data)
    except ValidationError as error:
        # Extracted values are checked like any input; an override may still be wrong.
        raise ValidationProblem("the extracted or overridden values are not valid",
                                errors=errors_from_pydantic(list(error.errors()))) from None


# --- merging the sources of one contact -----------------------------------------------------------


def _country_people(rows: Sequence[EventParticipant | ParticipantRow]) -> dict[str, set[int]]:
    people: dict[str, set[int]] = {}
    for row in rows:
        people.setdefault(row.country or "", set())
        if row.person_id is not None:
            people[row.country or ""].add(row.person_id)
    return people


def _same_participants(stored: Sequence[EventParticipant], incoming: Sequence[ParticipantRow]) -> bool:
    """The same sides, and no side named as two different people."""
    mine, theirs = _country_people(stored), _country_people(incoming)
    if set(mine) != set(theirs):
        return False
    return all(not mine[c] or not theirs[c] or mine[c] & theirs[c] for c in mine)


def find_event_told_elsewhere(session: Session, *, data: EventCreate, resolver: PersonResolver) -> Event | None:
    incoming = participant_rows(resolver, data.participants)
    days = [data.date + dt.timedelta(days=offset) for offset in (-1, 0, 1)]
    candidates = list(session.scalars(
        select(Event).where(Event.kind == data.kind.value, Event.date.in_(days)).order_by(Event.id)
    ))
    if not candidates:
        return None
    rows: dict[int, list[EventParticipant]] = {}
    for row in session.scalars(select(EventParticipant).where(
            EventParticipant.event_id.in_([c.id for c in candidates]))):
        rows.setdefault(row.event_id, []).append(row)
    for candidate in sorted(candidates, key=lambda c: abs((c.date - data.date).days)):
        if _same_participants(rows.get(candidate.id, []), incoming):
            return candidate
    return None


def _source_values(session: Session, event: Event) -> list[tuple[str, dict[str, Any]]]:
    """Each stored source's values of the compared fields: its extraction, else the event's own."""
    public = hydrate(session, [event])[0].model_dump(mode="json")
    values = []
    for readout in session.scalars(select(Readout).where(Readout.event_id == event.id).order_by(Readout.id)):
        extraction = readout.extraction or {}
        values.append((str(readout.id), {
            name: (extraction[name]["value"] if name in extraction else public[name]) for name in COMPARED_FIELDS
        }))
    return values


def _disagreement(values: list[Any]) -> bool:
    stated = [sorted(v) if isinstance(v, list) else v for v in values if v not in (None, [])]
    return any(v != stated[0] for v in stated[1:])


def discrepancies(sources: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    found = []
    for name in COMPARED_FIELDS:
        if _disagreement([values[name] for _, values in sources]):
            found.append({"field": name, "values": [{"readout_id": readout_id, "value": values[name]}
                                                    for readout_id, values in sources]})
    return found


def _merge_into(session: Session, event: Event, data: EventCreate, readout: Readout, actor: str) -> None:
    """Attach `readout` to `event`; fill what the event lacks; record where the sources disagree."""
    filled = {}
    for name in ("initiator", "duration_minutes", "summary"):
        if getattr(event, name) is None and getattr(data, name) is not None:
            setattr(event, name, getattr(data, name))
            filled[name] = {"from": None, "to": getattr(data, name)}
    if "initiator" in filled:
        write_links(session, event, participants=None, topics=None, mentioned=None)  # the initiator's row
    readout.event_id = event.id
    session.add(readout)
    session.flush()
    event.discrepancies = discrepancies(_source_values(session, event))
    event.updated_at = utcnow()
    record_history(session, event, actor=actor, action="merge",
                   changes={"sources": {"added": str(readout.id)}, **filled})


# --- ingest ---------------------------------------------------------------------------------------


@dataclass
class IngestOutcome:
    result: ReadoutIngestResult
    status: str  # "stored" | "duplicate" | "merged" | "dry_run"


def _stored(session: Session, readout: Readout, status: str) -> IngestOutcome:
    event = session.get(Event, readout.event_id) if readout.event_id is not None else None
    return IngestOutcome(
        result=ReadoutIngestResult(readout=readout_public(readout),
                                   event=hydrate(session, [event])[0] if event else None,
                                   extraction=readout.extraction),
        status=status,
    )


def find_stored(session: Session, text: str) -> Readout | None:
    return session.scalars(select(Readout).where(Readout.content_hash == content_hash(text))).first()


def ingest(session: Session, *, submission: ReadoutCreate, extracted: ExtractedEvent, actor: str,
           dry_run: bool = False) -> IngestOutcome:
    stored = find_stored(session, submission.text)
    if stored is not None:
        outcome = _stored(session, stored, "duplicate")
        session.rollback()  # only read: end the transaction at once (see app.core.db)
        return outcome
    extraction = extraction_with_overrides(extracted, submission.overrides)
    data = event_from_extraction(extraction)
    readout = Readout(text=submission.text, publisher=submission.publisher, url=submission.url,
                      published_at=submission.published_at, content_hash=content_hash(submission.text),
                      extraction=extraction, extractor_version=extracted.extractor_version)
    if dry_run:
        session.rollback()
        readout.created_at = None  # type: ignore[assignment]
        return IngestOutcome(result=ReadoutIngestResult(readout=readout_public(readout), event=_draft(data),
                                                        extraction=extraction), status="dry_run")
    resolver = PersonResolver(session)
    try:
        lock_natural_keys(session, [f"readout:{readout.content_hash}", *lock_keys_for([data])])
        stored = find_stored(session, submission.text)
        if stored is not None:
            outcome = _stored(session, stored, "duplicate")
            session.rollback()
            return outcome
        refusal = prefetch_people(resolver, [data]).get(0)
        if refusal is not None:
            raise refusal
        told = find_event_told_elsewhere(session, data=data, resolver=resolver)
        if told is not None:
            _merge_into(session, told, data, readout, actor)
            status = "merged"
        else:
            readout.event_id = create_event_uncommitted(session, data=data, actor=actor, resolver=resolver).event_id
            session.add(readout)
            status = "stored"
        session.flush()
        # The answer is read before the commit so that no transaction is left open (see app.core.db).
        outcome = _stored(session, readout, status)
        session.commit()
    except IntegrityError:
        # Another request stored the same text first: answer what it stored.
        session.rollback()
        stored = find_stored(session, submission.text)
        if stored is None:
            raise
        outcome = _stored(session, stored, "duplicate")
        session.rollback()
    return outcome


def _draft(data: EventCreate) -> EventDraft:
    """The event a dry run would store, before people are matched."""
    return EventDraft(
        kind=data.kind.value, date=data.date, duration_minutes=data.duration_minutes,
        duration_approximate=data.duration_approximate, initiator=data.initiator,
        participants=[ParticipantPublic(person_id=None, name=p.name, title=p.title, country=p.country)
                      for p in data.participants],
        topics=[t.value for t in data.topics], mentioned_countries=data.mentioned_countries,
        organizations=data.organizations, summary=data.summary, codes=Codes(**KIND_CODES[data.kind.value]),
        discrepancies=[], sources=[],
    )
