"""People: matching a participant's name to a known person, and finding people by any spelling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.models import EventParticipant, Person, PersonAlias, PersonOffice
from app.models.base import utcnow
from app.models.person import OfficePublic, PersonPublic
from app.reference.names import name_key, name_tokens
from app.services.ids import parse_id
from app.services.pagination import decode_cursor, encode_cursor, position_id
from app.services.sql import chunks, insert_returning_ids


def alias_key(name: str) -> str:
    return f" {name_key(name)} "


@dataclass(frozen=True, slots=True)
class KnownPerson:
    id: int
    name: str
    country: str | None


def person_lock_key(name: str, country: str | None) -> str:
    return f"person:{country}:{name_key(name)}"


class PersonResolver:
    """Matches names to people within one transaction, a whole batch of names at a time.

    A name matches a person of the same country whose name or alias folds to the same key
    (app.reference.names); a new spelling of a known person is added to their aliases, and a name
    nobody has is a new person. Callers that may create people hold the locks of
    `person_lock_key` first (app.services.locks).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._people: dict[tuple[str, str | None], KnownPerson] = {}
        self._by_id: dict[int, KnownPerson] = {}
        self._aliases: set[tuple[int, str]] = set()
        self._aliases_loaded: set[int] = set()
        self._settled: set[tuple[str, str | None]] = set()  # (name, country) pairs found and aliased

    def prefetch(self, names: Iterable[tuple[str, str | None]]) -> None:
        """Find or create the people of all these (name, country) pairs, in a few statements."""
        wanted: dict[tuple[str, str | None], str] = {}
        spellings: list[tuple[tuple[str, str | None], str]] = []
        # In order: of the spellings of a new person's name, the first is the one stored as the name.
        new_pairs = [pair for pair in dict.fromkeys(names) if pair not in self._settled]
        for name, country in new_pairs:
            key = name_key(name)
            if key:
                spellings.append(((key, country), name))
                if (key, country) not in self._people:
                    wanted.setdefault((key, country), name)
        for chunk in chunks(sorted({f" {key} " for key, _ in wanted}), 500):
            rows = self.session.connection().execute(
                select(PersonAlias.alias_key, Person.id, Person.name, Person.country)
                .join(Person, Person.id == PersonAlias.person_id)
                .where(PersonAlias.alias_key.in_(chunk))
                .order_by(Person.id)
            )
            for stored_key, person_id, person_name, country in rows:
                self._remember((stored_key.strip(), country), KnownPerson(person_id, person_name, country))
        missing = [(key, name) for key, name in wanted.items() if key not in self._people]
        if missing:
            now = utcnow()
            ids = insert_returning_ids(self.session.connection(), Person.__table__, [
                {"name": name, "name_key": key, "country": country, "created_at": now}
                for (key, country), name in missing])
            for ((key, country), name), person_id in zip(missing, ids, strict=True):
                self._remember((key, country), KnownPerson(person_id, name, country))
                self._aliases_loaded.add(person_id)  # a new person has no aliases yet
        self._add_aliases([(self._people[key].id, name) for key, name in spellings])
        self._settled.update(new_pairs)

    def _remember(self, key: tuple[str, str | None], person: KnownPerson) -> None:
        self._people.setdefault(key, person)
        self._by_id[person.id] = person

    def _add_aliases(self, pairs: list[tuple[int, str]]) -> None:
        unloaded = sorted({person_id for person_id, _ in pairs} - self._aliases_loaded)
        for chunk in chunks(unloaded, 500):
            self._aliases.update(tuple(row) for row in self.session.connection().execute(
                select(PersonAlias.person_id, PersonAlias.alias).where(PersonAlias.person_id.in_(chunk))))
            self._aliases_loaded.update(chunk)
        new = list(dict.fromkeys(pair for pair in pairs if pair not in self._aliases))
        if new:
            self.session.connection().execute(insert(PersonAlias.__table__), [
                {"person_id": person_id, "alias": name, "alias_key": alias_key(name)} for person_id, name in new])
            self._aliases.update(new)

    def resolve(self, name: str, country: str | None) -> KnownPerson | None:
        self.prefetch([(name, country)])
        return self._people.get((name_key(name), country))

    def get(self, name: str, country: str | None) -> KnownPerson | None:
        """A person found by an earlier prefetch."""
        return self._people.get((name_key(name), country))

    def by_ids(self, person_ids: Iterable[int]) -> dict[int, KnownPerson]:
        unknown = sorted({i for i in person_ids if i not in self._by_id})
        for chunk in chunks(unknown, 500):
            for person_id, name, country in self.session.connection().execute(
                    select(Person.id, Person.name, Person.country).where(Person.id.in_(chunk))):
                self._by_id[person_id] = KnownPerson(person_id, name, country)
        return self._by_id

    def add_alias(self, person: KnownPerson, name: str) -> None:
        self._add_aliases([(person.id, name)])


def matching_person_ids(session: Session, *, queries: list[str]) -> list[int]:
    """Ids of people any of whose spellings contains every folded token of one of the queries."""
    conditions = []
    for query in queries:
        tokens = name_tokens(query)
        if tokens:
            conditions.append(and_(*(PersonAlias.alias_key.contains(f" {token} ") for token in tokens)))
    if not conditions:
        return []
    return list(session.scalars(select(PersonAlias.person_id).where(or_(*conditions)).distinct()))


def _public(session: Session, people: list[Person]) -> list[PersonPublic]:
    ids = [p.id for p in people]
    if not ids:
        return []
    aliases: dict[int, list[str]] = {}
    for person_id, alias in session.execute(
        select(PersonAlias.person_id, PersonAlias.alias).where(PersonAlias.person_id.in_(ids)).order_by(PersonAlias.id)
    ):
        aliases.setdefault(person_id, []).append(alias)
    titles: dict[int, list[str]] = {}
    for person_id, title in session.execute(
        select(EventParticipant.person_id, EventParticipant.title)
        .where(EventParticipant.person_id.in_(ids), EventParticipant.title.is_not(None))
        .distinct()
        .order_by(EventParticipant.person_id, EventParticipant.title)
    ):
        titles.setdefault(person_id, []).append(title)
    offices: dict[int, list[OfficePublic]] = {}
    for office in session.scalars(
        select(PersonOffice).where(PersonOffice.person_id.in_(ids)).order_by(PersonOffice.start_date)
    ):
        offices.setdefault(office.person_id, []).append(OfficePublic(
            title=office.title, office=office.office, country=office.country, start=office.start_date,
            end=office.end_date))
    counts = dict(
        session.execute(
            select(EventParticipant.person_id, func.count(func.distinct(EventParticipant.event_id)))
            .where(EventParticipant.person_id.in_(ids))
            .group_by(EventParticipant.person_id)
        ).all()
    )
    return [
        PersonPublic(id=str(p.id), name=p.name, country=p.country, aliases=aliases.get(p.id, []),
                     titles=titles.get(p.id, []), offices=offices.get(p.id, []), event_count=counts.get(p.id, 0))
        for p in people
    ]


def list_people(session: Session, *, q: str | None, country: str | None, limit: int,
                cursor: str | None) -> tuple[list[PersonPublic], str | None]:
    fingerprint = {"q": q, "country": country}
    statement = select(Person)
    if q:
        statement = statement.where(Person.id.in_(matching_person_ids(session, queries=[q])))
    if country:
        statement = statement.where(Person.country == country)
    if cursor:
        position = decode_cursor(cursor, fingerprint=fingerprint)
        statement = statement.where(Person.id > position_id(position))
    people = list(session.scalars(statement.order_by(Person.id).limit(limit + 1)))
    next_cursor = None
    if len(people) > limit:
        people = people[:limit]
        next_cursor = encode_cursor({"i": people[-1].id}, fingerprint=fingerprint)
    return _public(session, people), next_cursor


def get_person(session: Session, *, person_id: str) -> PersonPublic:
    person = session.get(Person, parse_id(person_id, error=NotFoundError("no person with this id")))
    if person is None:
        raise NotFoundError("no person with this id")
    return _public(session, [person])[0]
