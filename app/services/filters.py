"""The filter vocabulary of GET /v1/events (and the stats and exports that share it), and the query
plan that answers it.

A whitelisted, typed set of filters turned into SQL with bound parameters only: AND between
different filters, OR between repeats of one. Nothing is filtered in Python.

How a page is found fast whatever the filter: each link table (countries, participants, topics)
keeps its event's date beside the event id, indexed as (key, date, event_id). One filter's index
therefore yields the matching events already in the order of a page, and a page reads about as
many entries as it returns. With several such filters the most selective one drives (its index
range is counted, up to a bound, before the query) and the others are probed per candidate by
their primary keys. With none, the events' own (date, id) index drives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.orm import Session

from app.models import Event, EventCountry, EventParticipant, EventTopic
from app.models.event import CountryRole
from app.services.people import matching_person_ids
from app.services.search import matches_text


class CountryRoleFilter(StrEnum):
    participant = "participant"
    initiator = "initiator"
    mentioned = "mentioned"
    any = "any"


_ROLES = {
    CountryRoleFilter.participant: [CountryRole.participant],
    CountryRoleFilter.initiator: [CountryRole.initiator],
    CountryRoleFilter.mentioned: [CountryRole.mentioned],
    CountryRoleFilter.any: [CountryRole.participant, CountryRole.initiator, CountryRole.mentioned],
}


class SortOrder(StrEnum):
    date_desc = "-date"
    date_asc = "date"


@dataclass(frozen=True)
class EventFilters:
    """Filters with every value already resolved (country names to codes, ids to integers)."""

    countries: list[str] = field(default_factory=list)
    country_role: CountryRoleFilter = CountryRoleFilter.participant
    persons: list[str] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    initiators: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None

    def fingerprint(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _LinkFilter:
    """One filter answered by a link table: rows whose key is one of some values.

    `partitions` holds one condition per single value (per country and role, per person...): each
    is one range of the (key, date, event_id) index.
    """

    model: type
    partitions: tuple[ColumnElement[bool], ...]

    @property
    def key_conditions(self) -> tuple[ColumnElement[bool], ...]:
        return (or_(*self.partitions),) if len(self.partitions) > 1 else self.partitions

    @property
    def may_repeat(self) -> bool:
        """Whether an event may match in several partitions (several values, roles or people)."""
        return len(self.partitions) > 1

    def conditions_on(self, dates: tuple[dt.date | None, dt.date | None],
                      partition: ColumnElement[bool] | None = None) -> list[ColumnElement[bool]]:
        conditions = [partition] if partition is not None else list(self.key_conditions)
        if dates[0]:
            conditions.append(self.model.event_date >= dates[0])
        if dates[1]:
            conditions.append(self.model.event_date <= dates[1])
        return conditions


# Counting a driver's index range stops here: beyond it a filter is "large" and any smaller one
# wins. Small, because the count is paid on every request with more than one such filter.
_ESTIMATE_CAP = 2_000


def _link_filters(session: Session, filters: EventFilters) -> list[_LinkFilter]:
    links = []
    if filters.countries:
        links.append(_LinkFilter(EventCountry, tuple(
            and_(EventCountry.country == country, EventCountry.role == role)
            for country in filters.countries for role in _ROLES[filters.country_role])))
    if filters.persons:
        # A name matches people (a handful of ids) before the events are searched.
        person_ids = matching_person_ids(session, queries=filters.persons)
        links.append(_people(person_ids))
    if filters.person_ids:
        links.append(_people(filters.person_ids))
    if filters.topics:
        links.append(_LinkFilter(EventTopic, tuple(EventTopic.topic == topic for topic in filters.topics)))
    return links


def _people(person_ids: list[int]) -> _LinkFilter:
    if not person_ids:
        return _LinkFilter(EventParticipant, (false(),))
    return _LinkFilter(EventParticipant, tuple(EventParticipant.person_id == i for i in sorted(set(person_ids))))


def _event_conditions(session: Session, filters: EventFilters, event_id) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """Conditions on the events' own columns, given the column that carries the event id."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kinds:
        conditions.append(Event.kind.in_(filters.kinds))
    if filters.initiators:
        conditions.append(Event.initiator.in_(filters.initiators))
    if filters.updated_since:
        conditions.append(Event.updated_at >= filters.updated_since)
    if filters.q:
        conditions.append(matches_text(session, filters.q, event_id=event_id))
    return conditions


def _estimate(session: Session, link: _LinkFilter, dates: tuple[dt.date | None, dt.date | None]) -> int:
    sample = select(link.model.event_id).where(*link.conditions_on(dates)).limit(_ESTIMATE_CAP).subquery()
    return session.scalar(select(func.count()).select_from(sample)) or 0


def _plan(session: Session, filters: EventFilters) -> tuple[_LinkFilter | None, list[_LinkFilter]]:
    """The driving link filter (None: the events' own index) and the others."""
    links = _link_filters(session, filters)
    if not links:
        return None, []
    dates = (filters.date_from, filters.date_to)
    driver = links[0] if len(links) == 1 else min(links, key=lambda link: _estimate(session, link, dates))
    return driver, [link for link in links if link is not driver]


def _statement(session: Session, filters: EventFilters, driver: _LinkFilter | None, others: list[_LinkFilter],
               partition: ColumnElement[bool] | None = None) -> Select:
    """SELECT date, id of matching events, driven by `driver` (restricted to one `partition`)."""
    dates = (filters.date_from, filters.date_to)
    if driver is None:
        statement = select(Event.date.label("date"), Event.id.label("id"))
        if dates[0]:
            statement = statement.where(Event.date >= dates[0])
        if dates[1]:
            statement = statement.where(Event.date <= dates[1])
        return statement.where(*_event_conditions(session, filters, Event.id))
    model = driver.model
    statement = select(model.event_date.label("date"), model.event_id.label("id")).where(
        *driver.conditions_on(dates, partition))
    for other in others:
        statement = statement.where(exists().where(other.model.event_id == model.event_id, *other.key_conditions))
    if filters.kinds or filters.initiators or filters.updated_since:
        statement = statement.join(Event, Event.id == model.event_id)
    return statement.where(*_event_conditions(session, filters, model.event_id))


def matching_events(session: Session, filters: EventFilters) -> Select:
    """SELECT date, id of the matching events (unordered, each once)."""
    driver, others = _plan(session, filters)
    statement = _statement(session, filters, driver, others)
    return statement.distinct() if driver is not None and driver.may_repeat else statement


def _page_of(statement: Select, *, sort: SortOrder, after: tuple[dt.date, int] | None, limit: int) -> Select:
    date, event_id = statement.selected_columns.date, statement.selected_columns.id
    if after is not None:
        position = tuple_(date, event_id)
        statement = statement.where(position > after if sort is SortOrder.date_asc else position < after)
    order = (date.asc(), event_id.asc()) if sort is SortOrder.date_asc else (date.desc(), event_id.desc())
    return statement.order_by(*order).limit(limit)


# Up to this many index ranges are read as separate ordered runs and merged.
_MAX_MERGED_RUNS = 64


def ordered_page(session: Session, filters: EventFilters, *, sort: SortOrder, after: tuple[dt.date, int] | None,
                 limit: int) -> list[int]:
    """The ids of up to `limit` matching events following `after`, in page order.

    A filter with several values (country=BY&country=RU, a name that matches two people, any
    country role) spans several index ranges. Each range yields its first `limit` events in page
    order and only those are merged, instead of sorting every match of every range.
    """
    driver, others = _plan(session, filters)
    if driver is None or not driver.may_repeat or len(driver.partitions) > _MAX_MERGED_RUNS:
        statement = _statement(session, filters, driver, others)
        if driver is not None and driver.may_repeat:
            statement = statement.distinct()
        rows = session.connection().execute(_page_of(statement, sort=sort, after=after, limit=limit)).all()
        return [row.id for row in rows]
    runs = [_page_of(_statement(session, filters, driver, others, partition), sort=sort, after=after, limit=limit)
            .subquery() for partition in driver.partitions]
    merged = union(*(select(run.c.date, run.c.id) for run in runs)).subquery()
    order = (merged.c.date.asc(), merged.c.id.asc()) if sort is SortOrder.date_asc else (
        merged.c.date.desc(), merged.c.id.desc())
    return list(session.connection().execute(select(merged.c.id).order_by(*order).limit(limit)).scalars())


def filtered_event_ids(session: Session, filters: EventFilters) -> Select:
    """A subquery of the ids of matching events, for aggregates."""
    return select(matching_events(session, filters).subquery().c.id)
