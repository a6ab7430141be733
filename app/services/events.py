"""Events: creating, reading, correcting, deleting and querying them.

Every public function that writes owns its transaction and commits before it returns (see
app.core.db). The `*_uncommitted` helpers are the shared steps; the bulk loader composes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from app.core.errors import InvalidCursorError, NotFoundError, ProblemError, invalid
from app.models import (
    Event,
    EventCountry,
    EventDeletion,
    EventHistory,
    EventParticipant,
    EventTopic,
    Readout,
)
from app.models.base import utcnow
from app.models.event import (
    CountryRole,
    DeletionPublic,
    EventCreate,
    EventPublic,
    EventUpdate,
    HistoryEntry,
    ParticipantIn,
    SourceIn,
)
from app.services.documents import document_texts
from app.services.filters import EventFilters, SortOrder, ordered_page
from app.services.ids import parse_id
from app.services.locks import lock_natural_keys
from app.services.pagination import decode_cursor, encode_cursor
from app.services.people import KnownPerson, PersonResolver, person_lock_key
from app.services.sql import chunks, insert_returning_ids


def content_hash(text: str) -> str:
    """The identity of a readout text: white space runs folded, so a re-post with other line breaks is the same."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def event_id_of(public_id: str) -> int:
    return parse_id(public_id, error=NotFoundError(f"no event with id {public_id!r}"))


# --- reading --------------------------------------------------------------------------------------


def event_documents(session: Session, events: Sequence[Any]) -> list[dict[str, Any]]:
    """Events (rows or Event objects) as plain dicts in the Event shape, with everything they nest."""
    session.flush()  # the database writes the documents: changes still pending in the session must be in it
    return [json.loads(text) for _, text in document_texts(session, [event.id for event in events])]


def hydrate(session: Session, events: Sequence[Any]) -> list[EventPublic]:
    """Events (rows or Event objects) as the Event resource."""
    return [EventPublic.model_validate(document) for document in event_documents(session, events)]


def load_event(session: Session, *, event_id: str) -> Event:
    event = session.get(Event, event_id_of(event_id))
    if event is None:
        raise NotFoundError("no event with this id")
    return event


def get_event(session: Session, *, event_id: str) -> str:
    """One event as JSON text in the Event shape."""
    found = document_texts(session, [event_id_of(event_id)])
    if not found:
        raise NotFoundError("no event with this id")
    return found[0][1]


def _position(position: dict[str, Any]) -> tuple[dt.date, int]:
    try:
        return dt.date.fromisoformat(str(position["d"])), int(position["i"])
    except (KeyError, TypeError, ValueError):
        raise InvalidCursorError("the cursor is not one this service issued") from None


def list_events(session: Session, *, filters: EventFilters, sort: SortOrder, limit: int,
                cursor: str | None) -> tuple[list[str], str | None]:
    """One page of matching events (JSON texts in the Event shape), keyset-paginated over (date, id)."""
    fingerprint = {**filters.fingerprint(), "sort": sort.value}
    after = _position(decode_cursor(cursor, fingerprint=fingerprint)) if cursor else None
    ids = ordered_page(session, filters, sort=sort, after=after, limit=limit + 1)
    events = document_texts(session, ids[:limit])
    next_cursor = None
    if len(ids) > limit and events:
        last = events[-1][0]
        next_cursor = encode_cursor({"d": last.date.isoformat(), "i": last.id}, fingerprint=fingerprint)
    return [text for _, text in events], next_cursor


def iterate_events(session: Session, *, filters: EventFilters, sort: SortOrder,
                   chunk_size: int) -> Iterator[str]:
    """Every matching event as JSON text, fetched a chunk at a time by keyset so memory stays flat."""
    after: tuple[dt.date, int] | None = None
    while True:
        events = document_texts(session, ordered_page(session, filters, sort=sort, after=after, limit=chunk_size))
        if not events:
            return
        yield from (text for _, text in events)
        if len(events) < chunk_size:
            return
        last = events[-1][0]
        after = (last.date, last.id)


# --- writing --------------------------------------------------------------------------------------


def event_lock_keys(kind: str, date: dt.date) -> list[str]:
    """Keys that writers of one contact share: its kind and the days a merge looks at."""
    return [f"event:{kind}:{date + dt.timedelta(days=offset)}" for offset in (-1, 0, 1)]


def lock_keys_for(items: Sequence[EventCreate]) -> Iterator[str]:
    """Every lock that storing these events may need (app.services.locks); lazily, as SQLite needs none."""
    for data in items:
        yield from event_lock_keys(data.kind.value, data.date)
        yield from (person_lock_key(p.name, p.country) for p in data.participants if p.name and not p.person_id)
        yield from (f"readout:{content_hash(s.text)}" for s in data.sources if s.text)


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A participant as stored: the person matched (if named) and the title and country given."""

    position: int
    person_id: int | None
    name: str | None
    title: str | None
    country: str | None


def participant_rows(resolver: PersonResolver, participants: Sequence[ParticipantIn]) -> list[ParticipantRow]:
    """Participants matched to people; `resolver` must have prefetched their names and ids.

    One person listed twice (two spellings of one name) is one participant: the first listing stays.
    """
    rows: list[ParticipantRow] = []
    seen: set[int] = set()
    for participant in participants:
        person: KnownPerson | None = None
        if participant.person_id:
            person = resolver.by_ids([int(participant.person_id)])[int(participant.person_id)]
        elif participant.name:
            person = resolver.get(participant.name, participant.country)
        if person is not None:
            if person.id in seen:
                continue
            seen.add(person.id)
        rows.append(ParticipantRow(
            position=len(rows),
            person_id=person.id if person else None,
            name=participant.name or (person.name if person else None),
            title=participant.title,
            country=participant.country or (person.country if person else None),
        ))
    return rows


def prefetch_people(resolver: PersonResolver, items: Sequence[EventCreate]) -> dict[int, ProblemError]:
    """Find or create every person the items name; answers the refusals, by item index, of items that
    link to a person id that does not exist."""
    resolver.prefetch((p.name, p.country) for data in items for p in data.participants
                      if p.name and not p.person_id)
    given = {int(p.person_id) for data in items for p in data.participants
             if p.person_id and p.person_id.isdigit() and len(p.person_id) < 19}
    known = resolver.by_ids(given)
    refusals: dict[int, ProblemError] = {}
    for index, data in enumerate(items):
        for position, p in enumerate(data.participants):
            if p.person_id and (not p.person_id.isdigit() or len(p.person_id) >= 19
                                or int(p.person_id) not in known):
                refusals[index] = invalid(f"participants.{position}.person_id",
                                          f"no person with id {p.person_id!r}", location="body")
            elif p.person_id and p.name:
                resolver.add_alias(known[int(p.person_id)], p.name)
    return refusals


def fingerprint(kind: str, date: dt.date, participants: Iterable[ParticipantRow]) -> str:
    """Kind, date and who took part (people by id, unnamed participants by title and country)."""
    parts = sorted({f"p{row.person_id}" if row.person_id is not None
                    else f"u{(row.title or '').casefold()}|{row.country or ''}" for row in participants})
    return hashlib.sha256(f"{kind}|{date.isoformat()}|{','.join(parts)}".encode()).hexdigest()


@dataclass
class CreateOutcome:
    event_id: int
    created: bool


def _country_rows(event_id: int, date: dt.date, participants: Sequence[ParticipantRow], initiator: str | None,
                  mentioned: Iterable[str]) -> list[dict[str, Any]]:
    roles = {
        CountryRole.participant: {row.country for row in participants if row.country},
        CountryRole.initiator: {initiator} if initiator else set(),
        CountryRole.mentioned: set(mentioned),
    }
    return [{"event_id": event_id, "country": code, "role": role, "event_date": date}
            for role, codes in roles.items() for code in sorted(codes)]


def _participant_values(event_id: int, date: dt.date, rows: Sequence[ParticipantRow]) -> list[dict[str, Any]]:
    return [{"event_id": event_id, "position": r.position, "person_id": r.person_id, "name": r.name,
             "title": r.title, "country": r.country, "event_date": date} for r in rows]


def _readout_rows(event_id: int, sources: Sequence[SourceIn], digests: Sequence[str | None],
                  stored_hashes: set[str]) -> list[dict[str, Any]]:
    """Rows for the sources not stored yet; adds their hashes to `stored_hashes`."""
    rows = []
    for source, digest in zip(sources, digests, strict=True):
        if digest is not None:
            if digest in stored_hashes:
                continue
            stored_hashes.add(digest)
        rows.append({"text": source.text, "publisher": source.publisher, "url": source.url,
                     "published_at": source.published_at, "content_hash": digest, "event_id": event_id,
                     "created_at": utcnow()})
    return rows


def create_events_uncommitted(session: Session, items: Sequence[EventCreate], *, actor: str,
                              resolver: PersonResolver | None = None) -> list[CreateOutcome | ProblemError]:
    """Store many events in a handful of set-based statements; one outcome per item, in order.

    An item is a duplicate (answered with the stored event) when one of its source texts is stored
    already, or an event of the same kind, date and participants is; its new sources are attached
    to that event. An item naming an unknown person id is refused alone.
    """
    resolver = resolver or PersonResolver(session)
    lock_natural_keys(session, lock_keys_for(items))
    outcomes: list[CreateOutcome | ProblemError | None] = [None] * len(items)
    for index, refusal in prefetch_people(resolver, items).items():
        outcomes[index] = refusal
    # Each source text's hash, computed once: None for a source without text.
    source_hashes = [[content_hash(s.text) if s.text else None for s in data.sources] for data in items]
    hashes = {digest: None for digests in source_hashes for digest in digests if digest}
    stored_text: dict[str, int] = {}
    for chunk in chunks(list(hashes), 500):
        stored_text.update(tuple(row) for row in session.connection().execute(
            select(Readout.content_hash, Readout.event_id)
            .where(Readout.content_hash.in_(chunk), Readout.event_id.is_not(None))))
    rows = {i: participant_rows(resolver, data.participants) for i, data in enumerate(items) if outcomes[i] is None}
    prints = {i: fingerprint(items[i].kind.value, items[i].date, rows[i]) for i in rows}
    stored_events: dict[str, int] = {}
    for chunk in chunks(sorted(set(prints.values())), 500):
        for print_, event_id in session.connection().execute(
                select(Event.fingerprint, Event.id).where(Event.fingerprint.in_(chunk)).order_by(Event.id)):
            stored_events.setdefault(print_, event_id)

    now = utcnow()
    new: list[int] = []  # indexes of the items that become new events
    same_as: dict[int, int] = {}  # duplicate item index -> index of the new item it repeats
    batch_prints: dict[str, int] = {}
    batch_texts: dict[str, int] = {}
    for i in rows:
        digests = [digest for digest in source_hashes[i] if digest]
        stored = next((stored_text[d] for d in digests if d in stored_text), None) or stored_events.get(prints[i])
        if stored is not None:
            outcomes[i] = CreateOutcome(event_id=stored, created=False)
        elif (first := next((batch_texts[d] for d in digests if d in batch_texts), None)
              or batch_prints.get(prints[i])) is not None:
            same_as[i] = first
        else:
            new.append(i)
            batch_prints[prints[i]] = i
            batch_texts.update(dict.fromkeys(digests, i))
    # Core statements on the tables (not the ORM's bulk layer): these run once per batch of thousands.
    connection = session.connection()
    if new:
        ids = insert_returning_ids(connection, Event.__table__, [
            {"kind": items[i].kind.value, "date": items[i].date, "duration_minutes": items[i].duration_minutes,
             "duration_approximate": items[i].duration_approximate, "initiator": items[i].initiator,
             "summary": items[i].summary, "discrepancies": [], "fingerprint": prints[i],
             "created_at": now, "updated_at": now} for i in new])
        for i, event_id in zip(new, ids, strict=True):
            outcomes[i] = CreateOutcome(event_id=event_id, created=True)
    for i, first in same_as.items():
        outcomes[i] = CreateOutcome(event_id=outcomes[first].event_id, created=False)  # type: ignore[union-attr]

    participants, topics, countries, readouts, history = [], [], [], [], []
    stored_hashes = set(stored_text)
    for i in new:
        data, event_id = items[i], outcomes[i].event_id  # type: ignore[union-attr]
        participants += _participant_values(event_id, data.date, rows[i])
        topics += [{"event_id": event_id, "topic": topic.value, "event_date": data.date} for topic in data.topics]
        countries += _country_rows(event_id, data.date, rows[i], data.initiator,
                                   [*data.mentioned_countries, *data.organizations])
        readouts += _readout_rows(event_id, data.sources, source_hashes[i], stored_hashes)
        history.append({"event_id": event_id, "actor": actor, "action": "create", "changes": {},
                        "changed_at": now})
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, CreateOutcome) and not outcome.created:
            added = _readout_rows(outcome.event_id, items[i].sources, source_hashes[i], stored_hashes)
            if added:
                readouts += added
                history.append({"event_id": outcome.event_id, "actor": actor, "action": "merge",
                                "changes": {"sources": {"added": len(added)}}, "changed_at": now})
    for model, values in ((EventParticipant, participants), (EventTopic, topics), (EventCountry, countries),
                          (Readout, readouts), (EventHistory, history)):
        if values:
            connection.execute(insert(model.__table__), values)
    return outcomes  # type: ignore[return-value]


def create_event_uncommitted(session: Session, *, data: EventCreate, actor: str,
                             resolver: PersonResolver | None = None) -> CreateOutcome:
    outcome = create_events_uncommitted(session, [data], actor=actor, resolver=resolver)[0]
    if isinstance(outcome, ProblemError):
        raise outcome
    return outcome


def create_event(session: Session, *, data: EventCreate, actor: str) -> tuple[EventPublic, bool]:
    outcome = create_event_uncommitted(session, data=data, actor=actor)
    session.commit()
    return hydrate(session, [load_event(session, event_id=str(outcome.event_id))])[0], outcome.created


def record_history(session: Session, event: Event, *, actor: str, action: str, changes: dict[str, Any]) -> None:
    assert event.id is not None
    session.add(EventHistory(event_id=event.id, actor=actor, action=action, changes=changes))


def write_links(session: Session, event: Event, *, participants: list[ParticipantRow] | None,
                 topics: list[str] | None, mentioned: list[str] | None) -> None:
    """Rewrite the rows an event's lists live in; None leaves a list as it is."""
    assert event.id is not None
    if participants is not None:
        session.execute(delete(EventParticipant).where(EventParticipant.event_id == event.id))
        session.execute(insert(EventParticipant), _participant_values(event.id, event.date, participants))
    else:
        session.execute(update(EventParticipant).where(EventParticipant.event_id == event.id)
                        .values(event_date=event.date))
    if topics is not None:
        session.execute(delete(EventTopic).where(EventTopic.event_id == event.id))
        if topics:
            session.execute(insert(EventTopic), [{"event_id": event.id, "topic": topic, "event_date": event.date}
                                                 for topic in topics])
    else:
        session.execute(update(EventTopic).where(EventTopic.event_id == event.id).values(event_date=event.date))
    if participants is None:
        participants = stored_participants(session, event.id)
    if mentioned is None:
        mentioned = list(session.scalars(select(EventCountry.country).where(
            EventCountry.event_id == event.id, EventCountry.role == CountryRole.mentioned)))
    session.execute(delete(EventCountry).where(EventCountry.event_id == event.id))
    values = _country_rows(event.id, event.date, participants, event.initiator, mentioned)
    if values:
        session.execute(insert(EventCountry), values)
    event.fingerprint = fingerprint(event.kind, event.date, participants)
    session.flush()


def stored_participants(session: Session, event_id: int) -> list[ParticipantRow]:
    return [ParticipantRow(position=r.position, person_id=r.person_id, name=r.name, title=r.title, country=r.country)
            for r in session.scalars(select(EventParticipant).where(EventParticipant.event_id == event_id)
                                     .order_by(EventParticipant.position))]


_SCALAR_FIELDS = ("kind", "date", "duration_minutes", "duration_approximate", "initiator", "summary")


def update_event(session: Session, *, event_id: str, data: EventUpdate, actor: str) -> EventPublic:
    """Apply an analyst's correction and record what changed, from what, to what."""
    event = load_event(session, event_id=event_id)
    before = hydrate(session, [event])[0].model_dump(mode="json")
    sent = data.model_dump(exclude_unset=True)
    for name in _SCALAR_FIELDS:
        if name in sent:
            value = getattr(data, name)
            setattr(event, name, value.value if hasattr(value, "value") else value)
    participants = None
    if data.participants is not None:
        resolver = PersonResolver(session)
        lock_natural_keys(session, [person_lock_key(p.name, p.country) for p in data.participants
                                    if p.name and not p.person_id])
        refusal = prefetch_people(resolver, [EventCreate.model_construct(participants=data.participants)]).get(0)
        if refusal is not None:
            raise refusal
        participants = participant_rows(resolver, data.participants)
    mentioned = None
    if data.mentioned_countries is not None or data.organizations is not None:
        mentioned = [*(data.mentioned_countries if data.mentioned_countries is not None
                       else before["mentioned_countries"]),
                     *(data.organizations if data.organizations is not None else before["organizations"])]
    topics = None if data.topics is None else [t.value for t in data.topics]
    write_links(session, event, participants=participants, topics=topics, mentioned=mentioned)
    after = hydrate(session, [event])[0].model_dump(mode="json")
    changes = {name: {"from": before[name], "to": after[name]} for name in sent if before[name] != after[name]}
    if changes:
        event.updated_at = utcnow()
        # Discrepancies an analyst has settled by correcting the field are no longer open.
        event.discrepancies = [d for d in event.discrepancies or [] if d.get("field") not in changes]
        record_history(session, event, actor=actor, action="update", changes=changes)
    session.commit()
    return hydrate(session, [event])[0]


def delete_event(session: Session, *, event_id: str, actor: str) -> None:
    event = load_event(session, event_id=event_id)
    assert event.id is not None
    session.add(EventDeletion(event_id=event.id, actor=actor))
    record_history(session, event, actor=actor, action="delete", changes={})
    session.delete(event)
    session.commit()


def event_history(session: Session, *, event_id: str) -> list[HistoryEntry]:
    key = event_id_of(event_id)
    rows = list(session.scalars(select(EventHistory).where(EventHistory.event_id == key).order_by(EventHistory.id)))
    if not rows and session.get(Event, key) is None:
        raise NotFoundError(f"no event with id {event_id!r}")
    return [HistoryEntry(id=str(row.id), event_id=str(row.event_id), changed_at=row.changed_at, actor=row.actor,
                         action=row.action, changes=row.changes) for row in rows]


def list_deletions(session: Session, *, since: dt.datetime | None, limit: int,
                   cursor: str | None) -> tuple[list[DeletionPublic], str | None]:
    fingerprint = {"since": since}
    statement = select(EventDeletion)
    if since is not None:
        statement = statement.where(EventDeletion.deleted_at >= since)
    if cursor:
        position = decode_cursor(cursor, fingerprint=fingerprint)
        try:
            key = (dt.datetime.fromisoformat(position["t"]), int(position["i"]))
        except (KeyError, TypeError, ValueError):
            raise InvalidCursorError("the cursor is not one this service issued") from None
        statement = statement.where(tuple_(EventDeletion.deleted_at, EventDeletion.event_id) > key)
    rows = list(session.scalars(
        statement.order_by(EventDeletion.deleted_at, EventDeletion.event_id).limit(limit + 1)
    ))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor({"t": rows[-1].deleted_at.isoformat(), "i": rows[-1].event_id},
                                    fingerprint=fingerprint)
    return [DeletionPublic(id=str(row.event_id), deleted_at=row.deleted_at) for row in rows], next_cursor


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Event)) or 0
