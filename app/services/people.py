"""People: matching a participant's name to a known person, and finding people by any spelling."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError, invalid
from app.models import EventParticipant, Person, PersonAlias, PersonOffice
from app.models.person import OfficePublic, PersonPublic
from app.reference.names import name_key, name_tokens
from app.services.ids import parse_id
from app.services.locks import lock_natural_keys
from app.services.pagination import decode_cursor, encode_cursor


def alias_key(name: str) -> str:
    return f" {name_key(name)} "


class PersonResolver:
    """Matches names to people within one transaction, remembering what it has seen.

    A name matches a person of the same country whose name or alias folds to the same key
    (app.reference.names); a new spelling of a known person is added to their aliases.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, str | None], Person] = {}
        self._known_aliases: set[tuple[int, str]] = set()

    def by_id(self, person_id: str, *, field: str) -> Person:
        person = self.session.get(Person, parse_id(person_id, error=invalid(field, f"no person with id {person_id!r}",
                                                                            location="body")))
        if person is None:
            raise invalid(field, f"no person with id {person_id!r}", location="body")
        return person

    def resolve(self, name: str, country: str | None) -> Person | None:
        key = name_key(name)
        if not key:
            return None
        person = self._cache.get((key, country))
        if person is None:
            lock_natural_keys(self.session, f"person:{country}:{key}")
            person = self.session.scalars(
                select(Person)
                .join(PersonAlias, PersonAlias.person_id == Person.id)
                .where(PersonAlias.alias_key == f" {key} ", Person.country.is_(None) if country is None
                       else Person.country == country)
                .order_by(Person.id)
                .limit(1)
            ).first()
            if person is None:
                person = Person(name=name, name_key=key, country=country)
                self.session.add(person)
                self.session.flush()
            self._cache[(key, country)] = person
        self.add_alias(person, name)
        return person

    def add_alias(self, person: Person, name: str) -> None:
        assert person.id is not None
        if (person.id, name) in self._known_aliases:
            return
        exists = self.session.scalars(
            select(PersonAlias.id).where(PersonAlias.person_id == person.id, PersonAlias.alias == name)
        ).first()
        if exists is None:
            self.session.add(PersonAlias(person_id=person.id, alias=name, alias_key=alias_key(name)))
            self.session.flush()
        self._known_aliases.add((person.id, name))


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
        statement = statement.where(Person.id > int(position["i"]))
    people = list(session.scalars(statement.order_by(Person.id).limit(limit + 1)))
    next_cursor = None
    if len(people) > limit:
        people = people[:limit]
        next_cursor = encode_cursor({"i": people[-1].id}, fingerprint=fingerprint)
    return _public(session, people), next_cursor


def get_person(session: Session, *, person_id: str) -> PersonPublic:
    person = session.get(Person, parse_id(person_id, error=NotFoundError(f"no person with id {person_id!r}")))
    if person is None:
        raise NotFoundError(f"no person with id {person_id!r}")
    return _public(session, [person])[0]
