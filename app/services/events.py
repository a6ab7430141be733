"""Events: creating, reading, correcting, deleting and querying them.

Every public function that writes owns its transaction and commits before it returns (see
app.core.db). The `*_uncommitted` helpers are the shared steps; the bulk loader composes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from app.core.errors import InvalidCursorError, NotFoundError
from app.models import (
    Event,
    EventCountry,
    EventDeletion,
    EventHistory,
    EventParticipant,
    EventTopic,
    Person,
    Readout,
)
from app.models.base import utcnow
from app.models.event import (
    Codes,
    CountryRole,
    DeletionPublic,
    EventCreate,
    EventPublic,
    EventUpdate,
    HistoryEntry,
    ParticipantIn,
    ParticipantPublic,
    SourceIn,
    SourcePublic,
)
from app.reference.organizations import organizations_by_code
from app.reference.taxonomy import KIND_CODES
from app.services.filters import EventFilters, SortOrder, event_conditions
from app.services.ids import parse_id
from app.services.locks import lock_natural_keys
from app.services.pagination import decode_cursor, encode_cursor
from app.services.people import PersonResolver


def content_hash(text: str) -> str:
    """The identity of a readout text: white space runs folded, so a re-post with other line breaks is the same."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def event_id_of(public_id: str) -> int:
    return parse_id(public_id, error=NotFoundError(f"no event with id {public_id!r}"))


# --- reading --------------------------------------------------------------------------------------


def hydrate(session: Session, events: Sequence[Event]) -> list[EventPublic]:
    """Events with everything they nest, in five queries however many events there are."""
    ids = [event.id for event in events]
    if not ids:
        return []
    participants: dict[int, list[ParticipantPublic]] = {}
    for row in session.execute(
        select(EventParticipant.event_id, EventParticipant.person_id, EventParticipant.name,
               EventParticipant.title, EventParticipant.country)
        .where(EventParticipant.event_id.in_(ids))
        .order_by(EventParticipant.event_id, EventParticipant.position)
    ):
        participants.setdefault(row.event_id, []).append(
            ParticipantPublic(person_id=None if row.person_id is None else str(row.person_id),
                              name=row.name, title=row.title, country=row.country)
        )
    topics: dict[int, list[str]] = {}
    for event_id, topic in session.execute(
        select(EventTopic.event_id, EventTopic.topic).where(EventTopic.event_id.in_(ids)).order_by(EventTopic.topic)
    ):
        topics.setdefault(event_id, []).append(topic)
    organizations = organizations_by_code()
    mentioned: dict[int, list[str]] = {}
    mentioned_organizations: dict[int, list[str]] = {}
    for event_id, code in session.execute(
        select(EventCountry.event_id, EventCountry.country)
        .where(EventCountry.event_id.in_(ids), EventCountry.role == CountryRole.mentioned)
        .order_by(EventCountry.country)
    ):
        (mentioned_organizations if code in organizations else mentioned).setdefault(event_id, []).append(code)
    sources: dict[int, list[SourcePublic]] = {}
    for row in session.execute(
        select(Readout.id, Readout.event_id, Readout.publisher, Readout.url, Readout.published_at)
        .where(Readout.event_id.in_(ids))
        .order_by(Readout.id)
    ):
        sources.setdefault(row.event_id, []).append(
            SourcePublic(readout_id=str(row.id), publisher=row.publisher, url=row.url, published_at=row.published_at)
        )
    return [
        EventPublic(
            id=str(event.id),
            kind=event.kind,
            date=event.date,
            duration_minutes=event.duration_minutes,
            duration_approximate=event.duration_approximate,
            initiator=event.initiator,
            participants=participants.get(event.id, []),
            topics=topics.get(event.id, []),
            mentioned_countries=mentioned.get(event.id, []),
            organizations=mentioned_organizations.get(event.id, []),
            summary=event.summary,
            codes=Codes(**KIND_CODES[event.kind]),
            discrepancies=event.discrepancies or [],
            sources=sources.get(event.id, []),
            created_at=event.created_at,
            updated_at=event.updated_at,
        )
        for event in events
    ]


def load_event(session: Session, *, event_id: str) -> Event:
    event = session.get(Event, event_id_of(event_id))
    if event is None:
        raise NotFoundError(f"no event with id {event_id!r}")
    return event


def get_event(session: Session, *, event_id: str) -> EventPublic:
    return hydrate(session, [load_event(session, event_id=event_id)])[0]


def _ordered(statement, sort: SortOrder):  # noqa: ANN001, ANN202
    if sort is SortOrder.date_asc:
        return statement.order_by(Event.date.asc(), Event.id.asc())
    return statement.order_by(Event.date.desc(), Event.id.desc())


def _after(position: dict[str, Any], sort: SortOrder):  # noqa: ANN202
    try:
        key = (dt.date.fromisoformat(str(position["d"])), int(position["i"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidCursorError("the cursor is not one this service issued") from None
    columns = tuple_(Event.date, Event.id)
    return columns > key if sort is SortOrder.date_asc else columns < key


def list_events(session: Session, *, filters: EventFilters, sort: SortOrder, limit: int,
                cursor: str | None) -> tuple[list[EventPublic], str | None]:
    """One page of matching events, keyset-paginated over (date, id)."""
    fingerprint = {**filters.fingerprint(), "sort": sort.value}
    statement = select(Event).where(*event_conditions(session, filters))
    if cursor:
        statement = statement.where(_after(decode_cursor(cursor, fingerprint=fingerprint), sort))
    events = list(session.scalars(_ordered(statement, sort).limit(limit + 1)))
    next_cursor = None
    if len(events) > limit:
        events = events[:limit]
        last = events[-1]
        next_cursor = encode_cursor({"d": last.date.isoformat(), "i": last.id}, fingerprint=fingerprint)
    return hydrate(session, events), next_cursor


def iterate_events(session: Session, *, filters: EventFilters, sort: SortOrder,
                   chunk_size: int) -> Iterator[EventPublic]:
    """Every matching event, fetched a chunk at a time by keyset so memory stays flat."""
    base = select(Event).where(*event_conditions(session, filters))
    position: dict[str, Any] | None = None
    while True:
        statement = base if position is None else base.where(_after(position, sort))
        events = list(session.scalars(_ordered(statement, sort).limit(chunk_size)))
        if not events:
            return
        yield from hydrate(session, events)
        if len(events) < chunk_size:
            return
        position = {"d": events[-1].date.isoformat(), "i": events[-1].id}
        session.expunge_all()


# --- writing --------------------------------------------------------------------------------------


def event_lock_keys(kind: str, date: dt.date) -> list[str]:
    """Keys that writers of one contact share: its kind and the days a merge looks at."""
    return [f"event:{kind}:{date + dt.timedelta(days=offset)}" for offset in (-1, 0, 1)]


@dataclass
class CreateOutcome:
    event: Event
    created: bool


def participant_rows(resolver: PersonResolver, participants: list[ParticipantIn]) -> list[EventParticipant]:
    rows = []
    for position, participant in enumerate(participants):
        person: Person | None = None
        if participant.person_id:
            person = resolver.by_id(participant.person_id, field=f"participants.{position}.person_id")
            if participant.name:
                resolver.add_alias(person, participant.name)
        elif participant.name:
            person = resolver.resolve(participant.name, participant.country)
        rows.append(EventParticipant(
            event_id=0,
            position=position,
            person_id=person.id if person else None,
            name=participant.name or (person.name if person else None),
            title=participant.title,
            country=participant.country or (person.country if person else None),
        ))
    return rows


def _participant_signature(rows: Sequence[EventParticipant]) -> frozenset[tuple[Any, ...]]:
    """Who took part, independent of order: people by id, unnamed participants by title and country."""
    return frozenset(
        ("person", row.person_id) if row.person_id is not None
        else ("unnamed", (row.title or "").casefold(), row.country)
        for row in rows
    )


def find_same_event(session: Session, *, kind: str, dates: Sequence[dt.date],
                    participants: Sequence[EventParticipant]) -> Event | None:
    """A stored event of the same kind, on one of `dates`, with the same participants."""
    signature = _participant_signature(participants)
    candidates = list(session.scalars(
        select(Event).where(Event.kind == kind, Event.date.in_(list(dates))).order_by(Event.id)
    ))
    if not candidates:
        return None
    stored: dict[int, list[EventParticipant]] = {}
    for row in session.scalars(
        select(EventParticipant).where(EventParticipant.event_id.in_([c.id for c in candidates]))
    ):
        stored.setdefault(row.event_id, []).append(row)
    for candidate in candidates:
        if _participant_signature(stored.get(candidate.id, [])) == signature:
            return candidate
    return None


def _write_links(session: Session, event: Event, *, participants: list[EventParticipant] | None,
                 topics: list[str] | None, mentioned: list[str] | None) -> None:
    """(Re)write the rows an event's lists live in; None leaves a list as it is."""
    assert event.id is not None
    if participants is not None:
        session.execute(delete(EventParticipant).where(EventParticipant.event_id == event.id))
        for row in participants:
            row.event_id = event.id
            session.add(row)
    if topics is not None:
        session.execute(delete(EventTopic).where(EventTopic.event_id == event.id))
        session.add_all(EventTopic(event_id=event.id, topic=topic) for topic in topics)
    roles: dict[str, set[str]] = {}
    if participants is not None:
        roles[CountryRole.participant] = {row.country for row in participants if row.country}
    roles[CountryRole.initiator] = {event.initiator} if event.initiator else set()
    if mentioned is not None:
        roles[CountryRole.mentioned] = set(mentioned)
    for role, codes in roles.items():
        session.execute(delete(EventCountry).where(EventCountry.event_id == event.id, EventCountry.role == role))
        session.add_all(EventCountry(event_id=event.id, country=code, role=role) for code in sorted(codes))
    session.flush()


def attach_sources_uncommitted(session: Session, event: Event, sources: Sequence[SourceIn]) -> list[Readout]:
    """Store each source as a readout of `event`; a text stored already is not stored again."""
    readouts = []
    for source in sources:
        digest = content_hash(source.text) if source.text else None
        if digest and session.scalars(select(Readout.id).where(Readout.content_hash == digest)).first():
            continue
        readout = Readout(text=source.text, publisher=source.publisher, url=source.url,
                          published_at=source.published_at, content_hash=digest, event_id=event.id)
        session.add(readout)
        readouts.append(readout)
    session.flush()
    return readouts


def event_for_stored_text(session: Session, sources: Sequence[SourceIn]) -> Event | None:
    """The event that one of these source texts is stored for already, if any."""
    digests = [content_hash(source.text) for source in sources if source.text]
    if not digests:
        return None
    return session.scalars(
        select(Event).join(Readout, Readout.event_id == Event.id).where(Readout.content_hash.in_(digests)).limit(1)
    ).first()


def create_event_uncommitted(session: Session, *, data: EventCreate, actor: str,
                             resolver: PersonResolver | None = None) -> CreateOutcome:
    resolver = resolver or PersonResolver(session)
    lock_natural_keys(session, *event_lock_keys(data.kind.value, data.date))
    stored = event_for_stored_text(session, data.sources)
    if stored is not None:
        return CreateOutcome(event=stored, created=False)
    participants = participant_rows(resolver, data.participants)
    same = find_same_event(session, kind=data.kind.value, dates=[data.date], participants=participants)
    if same is not None:
        if attach_sources_uncommitted(session, same, data.sources):
            record_history(session, same, actor=actor, action="merge",
                           changes={"sources": {"added": len(data.sources)}})
        return CreateOutcome(event=same, created=False)
    now = utcnow()
    event = Event(
        kind=data.kind.value,
        date=data.date,
        duration_minutes=data.duration_minutes,
        duration_approximate=data.duration_approximate,
        initiator=data.initiator,
        summary=data.summary,
        discrepancies=[],
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    _write_links(session, event, participants=participants, topics=[t.value for t in data.topics],
                 mentioned=[*data.mentioned_countries, *data.organizations])
    attach_sources_uncommitted(session, event, data.sources)
    record_history(session, event, actor=actor, action="create", changes={})
    return CreateOutcome(event=event, created=True)


def create_event(session: Session, *, data: EventCreate, actor: str) -> tuple[EventPublic, bool]:
    outcome = create_event_uncommitted(session, data=data, actor=actor)
    session.commit()
    return hydrate(session, [outcome.event])[0], outcome.created


def record_history(session: Session, event: Event, *, actor: str, action: str, changes: dict[str, Any]) -> None:
    assert event.id is not None
    session.add(EventHistory(event_id=event.id, actor=actor, action=action, changes=changes))


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
        participants = participant_rows(PersonResolver(session), data.participants)
    mentioned = None
    if data.mentioned_countries is not None or data.organizations is not None:
        mentioned = [*(data.mentioned_countries if data.mentioned_countries is not None
                       else before["mentioned_countries"]),
                     *(data.organizations if data.organizations is not None else before["organizations"])]
    topics = None if data.topics is None else [t.value for t in data.topics]
    _write_links(session, event, participants=participants, topics=topics, mentioned=mentioned)
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
