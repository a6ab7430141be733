"""The filter vocabulary of GET /v1/events (and the stats and exports that share it).

A whitelisted, typed set of filters turned into SQL conditions with bound parameters only: AND
between different filters, OR between repeats of one. Conditions on related rows are EXISTS
subqueries over indexed link tables; nothing is filtered in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, select
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


def event_conditions(session: Session, filters: EventFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.countries:
        conditions.append(
            exists().where(
                EventCountry.event_id == Event.id,
                EventCountry.country.in_(filters.countries),
                EventCountry.role.in_(_ROLES[filters.country_role]),
            )
        )
    if filters.persons:
        # A name matches people (a handful of ids) before the events are searched.
        person_ids = matching_person_ids(session, queries=filters.persons)
        conditions.append(_has_participant(person_ids))
    if filters.person_ids:
        conditions.append(_has_participant(filters.person_ids))
    if filters.topics:
        conditions.append(
            exists().where(EventTopic.event_id == Event.id, EventTopic.topic.in_(filters.topics))
        )
    if filters.kinds:
        conditions.append(Event.kind.in_(filters.kinds))
    if filters.initiators:
        conditions.append(Event.initiator.in_(filters.initiators))
    if filters.date_from:
        conditions.append(Event.date >= filters.date_from)
    if filters.date_to:
        conditions.append(Event.date <= filters.date_to)
    if filters.q:
        conditions.append(matches_text(session, filters.q))
    if filters.updated_since:
        conditions.append(Event.updated_at >= filters.updated_since)
    return conditions


def _has_participant(person_ids: list[int]) -> ColumnElement[bool]:
    if not person_ids:
        return Event.id.is_(None)
    return exists().where(EventParticipant.event_id == Event.id, EventParticipant.person_id.in_(person_ids))


def filtered_event_ids(session: Session, filters: EventFilters):  # noqa: ANN201
    """A subquery of the ids of matching events, for aggregates."""
    return select(Event.id).where(*event_conditions(session, filters))
