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
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, tuple_, update
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
)
from app.services.documents import document_texts
from app.services.filters import EventFilters, SortOrder, ordered_page
from app.services.ids import parse_id
from app.services.locks import lock_natural_keys
from app.services.pagination import decode_cursor, encode_cursor, position_id
from app.services.people import KnownPerson, PersonResolver, person_lock_key
from app.services.sql import DriverValues, insert_rows, insert_rows_returning_ids, select_in


# ASCII white space other than the space and the line feed.
_OTHER_ASCII_SPACE = tuple(c for c in map(chr, range(128)) if c.isspace() and c not in " \n")


def content_hash(text: str) -> str:
    """The identity of a readout text: white space runs folded, so a re-post with other line breaks is the same."""
    return hashlib.sha256(_folded_space(text).encode("utf-8")).hexdigest()


def _folded_space(text: str) -> str:
    """`text` with every run of white space one space, and none at either end: " ".join(text.split()).
    Most readouts are ASCII lines of words between single spaces, which this folds without splitting
    them into words (a tenth of a load's parsing was that split)."""
    lines_joined = text.replace("\n", " ")
    if lines_joined.isascii() and "  " not in lines_joined and not any(c in lines_joined for c in _OTHER_ASCII_SPACE):
        return lines_joined.strip()
    return " ".join(text.split())


def event_id_of(public_id: str) -> int:
    return parse_id(public_id, error=NotFoundError("no event with this id"))


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
        return dt.date.fromisoformat(position["d"]), position_id(position)
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


def lock_keys_for(items: Sequence[EventCreate | NewEvent]) -> Iterator[str]:
    """Every lock that storing these events may need (app.services.locks); lazily, as SQLite needs none."""
    for event in (data if isinstance(data, NewEvent) else NewEvent.of(data) for data in items):
        yield from event_lock_keys(event.kind, event.date)
        yield from (person_lock_key(p.name, p.country) for p in event.participants if p.name and not p.person_id)
        yield from (f"readout:{s.content_hash}" for s in event.sources if s.content_hash)


class NewParticipant(NamedTuple):
    name: str | None
    title: str | None
    country: str | None
    person_id: str | None


class NewSource(NamedTuple):
    publisher: str | None
    url: str | None
    published_at: dt.date | None
    text: str | None
    content_hash: str | None  # of `text`; None without one


class NewEvent(NamedTuple):
    """A validated EventCreate as the write path reads it: plain values, with its texts' hashes.

    The bulk loader validates lines in a second process while it writes; these cross between the
    processes for a tenth of what pydantic models cost to pickle and rebuild.
    """

    kind: str  # EventKind and Topic values: plain strings cross processes cheaper than members
    date: dt.date
    duration_minutes: int | None
    duration_approximate: bool
    initiator: str | None
    participants: tuple[NewParticipant, ...]
    topics: tuple[str, ...]
    mentioned_countries: tuple[str, ...]
    organizations: tuple[str, ...]
    summary: str | None
    sources: tuple[NewSource, ...]

    @classmethod
    def of(cls, data: EventCreate) -> NewEvent:
        return cls(
            data.kind.value, data.date, data.duration_minutes, data.duration_approximate, data.initiator,
            tuple(NewParticipant(p.name, p.title, p.country, p.person_id) for p in data.participants),
            tuple(topic.value for topic in data.topics), tuple(data.mentioned_countries), tuple(data.organizations),
            data.summary,
            tuple(NewSource(s.publisher, s.url, s.published_at, s.text, content_hash(s.text) if s.text else None)
                  for s in data.sources))


class ParticipantRow(NamedTuple):
    """A participant as stored: the person matched (if named) and the title and country given. (A
    tuple: a load of a million events builds three million of them.)"""

    position: int
    person_id: int | None
    name: str | None
    title: str | None
    country: str | None


def participant_rows(resolver: PersonResolver,
                     participants: Sequence[ParticipantIn | NewParticipant]) -> list[ParticipantRow]:
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
        # Positional arguments: a bulk load builds millions of these, and keywords cost more.
        if person is None:
            rows.append(ParticipantRow(len(rows), None, participant.name, participant.title, participant.country))
        elif person.id not in seen:
            seen.add(person.id)
            rows.append(ParticipantRow(len(rows), person.id, participant.name or person.name, participant.title,
                                       participant.country or person.country))
    return rows


def prefetch_people(resolver: PersonResolver, items: Sequence[EventCreate | NewEvent]) -> dict[int, ProblemError]:
    """Find or create every person the items name; answers the refusals, by item index, of items that
    link to a person id that does not exist."""
    named: list[tuple[str, str | None]] = []
    linked: list[tuple[int, int, ParticipantIn | NewParticipant]] = []  # (item, position, participant)
    for index, data in enumerate(items):
        for position, p in enumerate(data.participants):
            if p.person_id:
                linked.append((index, position, p))
            elif p.name:
                named.append((p.name, p.country))
    resolver.prefetch(named)
    refusals: dict[int, ProblemError] = {}
    if not linked:
        return refusals
    known = resolver.by_ids({int(p.person_id) for _, _, p in linked  # type: ignore[arg-type]
                             if p.person_id.isdigit() and len(p.person_id) < 19})  # type: ignore[union-attr]
    for index, position, p in linked:
        assert p.person_id
        if not p.person_id.isdigit() or len(p.person_id) >= 19 or int(p.person_id) not in known:
            refusals[index] = invalid(f"participants.{position}.person_id", "no person with this id", location="body")
        elif p.name:
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


# The link rows as the bulk helpers of app.services.sql take them: tuples in these columns' order.
PARTICIPANT_COLUMNS = ("event_id", "position", "person_id", "name", "title", "country", "event_date")
TOPIC_COLUMNS = ("event_id", "topic", "event_date")
COUNTRY_COLUMNS = ("event_id", "country", "role", "event_date")
READOUT_COLUMNS = ("text", "publisher", "url", "published_at", "content_hash", "event_id", "created_at")
HISTORY_COLUMNS = ("event_id", "actor", "action", "changes", "changed_at")
EVENT_COLUMNS = ("kind", "date", "duration_minutes", "duration_approximate", "initiator", "summary",
                 "discrepancies", "fingerprint", "created_at", "updated_at")


def _country_rows(event_id: int, date: Any, participants: Sequence[ParticipantRow], initiator: str | None,
                  mentioned: Iterable[str]) -> list[tuple[Any, ...]]:
    rows = [(event_id, code, CountryRole.participant, date)
            for code in sorted({row.country for row in participants if row.country})]
    if initiator:
        rows.append((event_id, initiator, CountryRole.initiator, date))
    rows += [(event_id, code, CountryRole.mentioned, date) for code in sorted(set(mentioned))]
    return rows


def _participant_values(event_id: int, date: Any, rows: Sequence[ParticipantRow]) -> list[tuple[Any, ...]]:
    return [(event_id, r.position, r.person_id, r.name, r.title, r.country, date) for r in rows]


def _readout_rows(event_id: int, sources: Sequence[NewSource], digests: Sequence[str | None],
                  stored_hashes: set[str], now: Any, stored_date: DriverValues) -> list[tuple[Any, ...]]:
    """Rows for the sources not stored yet, as the driver takes them; adds their hashes to `stored_hashes`."""
    rows = []
    for source, digest in zip(sources, digests, strict=True):
        if digest is not None:
            if digest in stored_hashes:
                continue
            stored_hashes.add(digest)
        rows.append((source.text, source.publisher, source.url, stored_date(source.published_at), digest, event_id,
                     now))
    return rows


def create_events_uncommitted(session: Session, items: Sequence[EventCreate | NewEvent], *, actor: str,
                              resolver: PersonResolver | None = None) -> list[CreateOutcome | ProblemError]:
    """Store many events in a handful of set-based statements; one outcome per item, in order.

    An item is a duplicate (answered with the stored event) when one of its source texts is stored
    already, or an event of the same kind, date and participants is; its new sources are attached
    to that event. An item naming an unknown person id is refused alone.
    """
    events = [data if isinstance(data, NewEvent) else NewEvent.of(data) for data in items]
    resolver = resolver or PersonResolver(session)
    lock_natural_keys(session, lock_keys_for(events))
    outcomes: list[CreateOutcome | ProblemError | None] = [None] * len(events)
    for index, refusal in prefetch_people(resolver, events).items():
        outcomes[index] = refusal
    source_hashes = [[s.content_hash for s in data.sources] for data in events]
    hashes = {digest: None for digests in source_hashes for digest in digests if digest}
    connection = session.connection()
    stored_text: dict[str, int] = dict(select_in(  # type: ignore[arg-type]
        connection, "SELECT content_hash, event_id FROM readout WHERE content_hash IN ({}) AND event_id IS NOT NULL",
        list(hashes)))
    rows = {i: participant_rows(resolver, data.participants) for i, data in enumerate(events) if outcomes[i] is None}
    prints = {i: fingerprint(events[i].kind, events[i].date, rows[i]) for i in rows}
    stored_events: dict[str, int] = {}
    for print_, event_id in sorted(select_in(connection, "SELECT fingerprint, id FROM event WHERE fingerprint IN ({})",
                                             sorted(set(prints.values()))), key=lambda row: row[1]):
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
    # Plain tuples through the driver's executemany (app.services.sql): these run once per batch of
    # thousands, where building and processing a dict of parameters per row cost more than the database.
    # The link rows hold the driver's values already: each event's date converted once for all its rows.
    no_discrepancies: list[Any] = []  # one object for every row: converted to JSON once
    stored_date = DriverValues(connection.dialect, Event.__table__.c.date)
    stored_now = DriverValues(connection.dialect, EventHistory.__table__.c.changed_at).once(now)
    stored_changes = DriverValues(connection.dialect, EventHistory.__table__.c.changes)
    no_changes = stored_changes.once({})
    if new:
        ids = insert_rows_returning_ids(connection, Event.__table__, EVENT_COLUMNS, [
            (events[i].kind, events[i].date, events[i].duration_minutes, events[i].duration_approximate,
             events[i].initiator, events[i].summary, no_discrepancies, prints[i], now, now) for i in new])
        for i, event_id in zip(new, ids, strict=True):
            outcomes[i] = CreateOutcome(event_id=event_id, created=True)
    for i, first in same_as.items():
        outcomes[i] = CreateOutcome(event_id=outcomes[first].event_id, created=False)  # type: ignore[union-attr]

    participants: list[tuple[Any, ...]] = []
    topics: list[tuple[Any, ...]] = []
    countries: list[tuple[Any, ...]] = []
    readouts: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    stored_hashes = set(stored_text)
    for i in new:
        data, event_id = events[i], outcomes[i].event_id  # type: ignore[union-attr]
        date = stored_date(data.date)
        participants += _participant_values(event_id, date, rows[i])
        topics += [(event_id, topic, date) for topic in data.topics]
        countries += _country_rows(event_id, date, rows[i], data.initiator,
                                   [*data.mentioned_countries, *data.organizations])
        readouts += _readout_rows(event_id, data.sources, source_hashes[i], stored_hashes, stored_now, stored_date)
        history.append((event_id, actor, "create", no_changes, stored_now))
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, CreateOutcome) and not outcome.created:
            added = _readout_rows(outcome.event_id, events[i].sources, source_hashes[i], stored_hashes, stored_now,
                                  stored_date)
            if added:
                readouts += added
                history.append((outcome.event_id, actor, "merge",
                                stored_changes.once({"sources": {"added": len(added)}}), stored_now))
    for model, columns, values in ((EventParticipant, PARTICIPANT_COLUMNS, participants),
                                   (EventTopic, TOPIC_COLUMNS, topics), (EventCountry, COUNTRY_COLUMNS, countries),
                                   (Readout, READOUT_COLUMNS, readouts), (EventHistory, HISTORY_COLUMNS, history)):
        insert_rows(connection, model.__table__, columns, values, as_driver_takes=True)
    return outcomes  # type: ignore[return-value]


def create_event_uncommitted(session: Session, *, data: EventCreate, actor: str,
                             resolver: PersonResolver | None = None) -> CreateOutcome:
    outcome = create_events_uncommitted(session, [data], actor=actor, resolver=resolver)[0]
    if isinstance(outcome, ProblemError):
        raise outcome
    return outcome


def create_event(session: Session, *, data: EventCreate, actor: str) -> tuple[EventPublic, bool]:
    outcome = create_event_uncommitted(session, data=data, actor=actor)
    # Answered from inside the transaction, which then ends: no transaction is left open (app.core.db).
    event = hydrate(session, [load_event(session, event_id=str(outcome.event_id))])[0]
    session.commit()
    return event, outcome.created


def record_history(session: Session, event: Event, *, actor: str, action: str, changes: dict[str, Any]) -> None:
    assert event.id is not None
    session.add(EventHistory(event_id=event.id, actor=actor, action=action, changes=changes))


def write_links(session: Session, event: Event, *, participants: list[ParticipantRow] | None,
                 topics: list[str] | None, mentioned: list[str] | None) -> None:
    """Rewrite the rows an event's lists live in; None leaves a list as it is."""
    assert event.id is not None
    if participants is not None:
        session.execute(delete(EventParticipant).where(EventParticipant.event_id == event.id))
        insert_rows(session.connection(), EventParticipant.__table__, PARTICIPANT_COLUMNS,
                    _participant_values(event.id, event.date, participants))
    else:
        session.execute(update(EventParticipant).where(EventParticipant.event_id == event.id)
                        .values(event_date=event.date))
    if topics is not None:
        session.execute(delete(EventTopic).where(EventTopic.event_id == event.id))
        insert_rows(session.connection(), EventTopic.__table__, TOPIC_COLUMNS,
                    [(event.id, topic, event.date) for topic in topics])
    else:
        session.execute(update(EventTopic).where(EventTopic.event_id == event.id).values(event_date=event.date))
    if participants is None:
        participants = stored_participants(session, event.id)
    if mentioned is None:
        mentioned = list(session.scalars(select(EventCountry.country).where(
            EventCountry.event_id == event.id, EventCountry.role == CountryRole.mentioned)))
    session.execute(delete(EventCountry).where(EventCountry.event_id == event.id))
    insert_rows(session.connection(), EventCountry.__table__, COUNTRY_COLUMNS,
                _country_rows(event.id, event.date, participants, event.initiator, mentioned))
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
    corrected = hydrate(session, [event])[0]  # before the commit: no transaction is left open (app.core.db)
    session.commit()
    return corrected


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
        raise NotFoundError("no event with this id")
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
            key = (dt.datetime.fromisoformat(position["t"]), position_id(position))
        except (KeyError, TypeError, ValueError):
            raise InvalidCursorError("the cursor is not one this service issued") from None
        if key[0].tzinfo is None:  # issued cursors carry a zone; the column refuses naive times
            raise InvalidCursorError("the cursor is not one this service issued")
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
