"""Events in the Event shape, written as JSON by the database itself.

A page of events nests participants, topics, mentioned countries, organisations and sources. Built
in Python, that was five statements and some thousands of objects a page, most of a request's time.
Here one statement asks the database for each event's finished JSON text (SQLite's json_object and
json_group_array, PostgreSQL's json_build_object and json_agg; each nested list is an indexed lookup
by event id), so a page is the join of fifty strings and an export line is one string. The shape
and its formatting (ids as strings, dates as ISO 8601, timestamps in UTC written with a Z, as the
response models write them) are the Event resource of the API; tests/api hold them to it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.models import Event, EventCountry, EventParticipant, EventTopic, Readout
from app.models.event import CountryRole
from app.reference.organizations import organizations_by_code
from app.reference.taxonomy import KIND_CODES


class _Dialect:
    """The few JSON functions whose names and habits differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.postgres = name == "postgresql"

    def object(self, **members: ColumnElement[Any]) -> ColumnElement[str]:
        arguments: list[Any] = []
        for name, value in members.items():
            arguments += [literal_column(f"'{name}'"), value]  # names of this module's own choosing
        return (func.json_build_object if self.postgres else func.json_object)(*arguments)

    def json_text(self, text: ColumnElement[Any] | str) -> ColumnElement[Any]:
        """A JSON value from its text (SQLite stores JSON as text; json() marks it as JSON)."""
        if not isinstance(text, str):
            return text if self.postgres else func.json(text)
        # A constant of this module's: written into the statement (a bound parameter would be
        # serialised once more by the JSON type, into a string).
        quoted = "'" + text.replace("'", "''") + "'"
        return literal_column(f"{quoted}::json" if self.postgres else f"json({quoted})")

    def boolean(self, value: ColumnElement[bool]) -> ColumnElement[Any]:
        if self.postgres:
            return value
        return func.json(case((value, "true"), else_="false"))

    def timestamp(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        """RFC 3339 in UTC with a Z, without a fraction when it is zero (as Python's isoformat writes it)."""
        if self.postgres:
            text = func.to_char(func.timezone("UTC", value), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        else:  # SQLite holds "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
            text = func.replace(value, " ", "T", type_=String) + "Z"
        return func.replace(text, ".000000Z", "Z", type_=String)

    def is_organization(self, code: ColumnElement[str]) -> ColumnElement[bool]:
        # The same split as the request models make (a code that is both, "AU", reads as the organisation).
        codes = sorted(organizations_by_code())
        if self.postgres:
            return code.in_(codes)
        # Not IN (...): inside a correlated subquery SQLite builds the list's lookup table again for
        # every event; a search in one string costs nothing to build.
        return func.instr("," + ",".join(codes) + ",", "," + code + ",") > 0

    def array(self, element: ColumnElement[Any], *, where: ColumnElement[bool], order_by: Sequence[Any],
              element_is_json: bool) -> ColumnElement[str]:
        """A JSON array of `element` over the rows `where` selects, in `order_by` order ([] when none)."""
        if self.postgres:
            aggregated = select(func.json_agg(aggregate_order_by(element, *order_by))).where(where)
            return func.coalesce(aggregated.scalar_subquery(), self.json_text("[]"))
        # SQLite before 3.44 has no ORDER BY inside an aggregate: the rows come ordered from a
        # subquery, which SQLite does not flatten into an aggregate (so their order holds).
        rows = select(element.label("element")).where(where).order_by(*order_by).correlate(Event).subquery()
        value = func.json(rows.c.element) if element_is_json else rows.c.element
        return select(func.json_group_array(value)).scalar_subquery()


def _codes(dialect: _Dialect) -> ColumnElement[Any]:
    return case(*((Event.kind == kind, dialect.json_text(json.dumps(codes, separators=(",", ":"))))
                  for kind, codes in KIND_CODES.items()), else_=None)


def _document(dialect: _Dialect) -> ColumnElement[str]:
    participant = EventParticipant
    mentioned = (EventCountry.event_id == Event.id) & (EventCountry.role == CountryRole.mentioned)
    return dialect.object(
        id=cast(Event.id, String),
        kind=Event.kind,
        date=Event.date,
        duration_minutes=Event.duration_minutes,
        duration_approximate=dialect.boolean(Event.duration_approximate),
        initiator=Event.initiator,
        participants=dialect.array(
            dialect.object(person_id=cast(participant.person_id, String), name=participant.name,
                           title=participant.title, country=participant.country),
            where=participant.event_id == Event.id, order_by=[participant.position], element_is_json=True),
        topics=dialect.array(EventTopic.topic, where=EventTopic.event_id == Event.id,
                             order_by=[EventTopic.topic], element_is_json=False),
        mentioned_countries=dialect.array(
            EventCountry.country, where=mentioned & ~dialect.is_organization(EventCountry.country),
            order_by=[EventCountry.country], element_is_json=False),
        organizations=dialect.array(
            EventCountry.country, where=mentioned & dialect.is_organization(EventCountry.country),
            order_by=[EventCountry.country], element_is_json=False),
        summary=Event.summary,
        codes=_codes(dialect),
        discrepancies=dialect.json_text(Event.discrepancies),
        sources=dialect.array(
            dialect.object(readout_id=cast(Readout.id, String), publisher=Readout.publisher, url=Readout.url,
                           published_at=Readout.published_at),
            where=Readout.event_id == Event.id, order_by=[Readout.id], element_is_json=True),
        created_at=dialect.timestamp(Event.created_at),
        updated_at=dialect.timestamp(Event.updated_at),
    )


# The statement's text, compiled once per dialect with its constants written in: the statement is
# large, and building its cache key and expanding its parameters on every page cost more than
# running it. The ids go in as one parameter (a JSON array on SQLite, an array on PostgreSQL).
_statements: dict[str, str] = {}
_IDS = {"sqlite": " WHERE event.id IN (SELECT value FROM json_each(?))",
        "postgresql": " WHERE event.id = ANY(%s)"}


def _statement(dialect: Dialect) -> str:
    if dialect.name not in _statements:
        document = _document(_Dialect(dialect.name))
        if dialect.name == "postgresql":
            document = cast(document, String)  # as text: the driver would parse json into Python objects
        select_all = select(Event.id, Event.date, document)
        _statements[dialect.name] = str(select_all.compile(dialect=dialect, compile_kwargs={"literal_binds": True})) \
            + _IDS[dialect.name]
    return _statements[dialect.name]


class _EventRow(NamedTuple):
    id: int
    date: dt.date


def document_texts(session: Session, ids: Sequence[int]) -> list[tuple[_EventRow, str]]:
    """(the event's id and date, its JSON text) of each stored event of `ids`, in the order of `ids`."""
    if not ids:
        return []
    connection = session.connection()
    dialect = connection.dialect
    parameter = json.dumps(list(ids)) if dialect.name == "sqlite" else list(ids)
    by_id = {}
    for event_id, date, document in connection.exec_driver_sql(_statement(dialect), (parameter,)):
        by_id[event_id] = (_EventRow(event_id, dt.date.fromisoformat(date) if isinstance(date, str) else date),
                           document)
    return [by_id[event_id] for event_id in ids if event_id in by_id]
