"""Events: the table models and the request/response models of the Event resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, field_validator, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Date, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow
from app.models.fields import (
    CountryCode,
    IsoDate,
    OrganizationCode,
    PartyCode,
    PersonName,
    Publisher,
    ReadoutText,
    Summary,
    Title,
    Url,
)
from app.reference.taxonomy import EventKind, Topic


def _event_fk(**kwargs: Any) -> Column:
    return Column(Integer, ForeignKey("event.id", ondelete="CASCADE"), nullable=False, **kwargs)


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_date_id", "date", "id"),
        Index("ix_event_updated_at_id", "updated_at", "id"),
        Index("ix_event_fingerprint", "fingerprint"),
        # Ids are never reused, even the highest one after a delete: a deleted id stays deleted.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, foreign_key="event_kind.slug")
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    duration_minutes: int | None = None
    duration_approximate: bool = False
    initiator: str | None = Field(default=None, max_length=16, foreign_key="party.code")
    summary: str | None = Field(default=None, sa_type=String)
    # Kind, date and who took part, hashed (app.services.events.fingerprint): the same contact
    # posted twice is found by one indexed lookup. Not unique: an analyst may correct two events
    # into the same shape.
    fingerprint: str | None = Field(default=None, max_length=64)
    # [{"field", "values": [{"readout_id", "value"}]}] for events told by more than one source.
    discrepancies: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The link tables below carry a copy of their event's date (`event_date`, kept in step by
# app.services.events), so that one index per filter walks the matching events already in date
# order: a page of `country=BY` or of a rare person reads about as many index entries as it answers.


class EventParticipant(SQLModel, table=True):
    __tablename__ = "event_participant"
    __table_args__ = (
        Index("ix_event_participant_person_id_event_date_event_id", "person_id", "event_date", "event_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(sa_column=_event_fk(index=True))
    position: int
    # Null for a participant the text does not name ("the Prime Minister").
    person_id: int | None = Field(default=None, foreign_key="person.id")
    name: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=16, foreign_key="party.code")
    event_date: dt.date = Field(sa_column=Column(Date, nullable=False))


class EventTopic(SQLModel, table=True):
    __tablename__ = "event_topic"
    # SQLite: the rows live in the primary key's B-tree (migration 0007).
    __table_args__ = (Index("ix_event_topic_topic_event_date_event_id", "topic", "event_date", "event_id"),
                      {"sqlite_with_rowid": False})

    event_id: int = Field(sa_column=_event_fk(primary_key=True))
    topic: str = Field(primary_key=True, max_length=64, foreign_key="topic.slug")
    event_date: dt.date = Field(sa_column=Column(Date, nullable=False))


class CountryRole:
    participant = "participant"
    initiator = "initiator"
    mentioned = "mentioned"


class EventCountry(SQLModel, table=True):
    """Every country or organisation an event involves, by role, so one index answers `country=`.

    Participants' countries and the initiator are copied here from their own columns; mentioned
    countries and organisations live only here.
    """

    __tablename__ = "event_country"
    __table_args__ = (
        Index("ix_event_country_country_role_event_date_event_id", "country", "role", "event_date", "event_id"),
        {"sqlite_with_rowid": False},  # as event_topic
    )

    event_id: int = Field(sa_column=_event_fk(primary_key=True))
    country: str = Field(primary_key=True, max_length=16, foreign_key="party.code")
    role: str = Field(primary_key=True, max_length=16)
    event_date: dt.date = Field(sa_column=Column(Date, nullable=False))


class EventHistory(SQLModel, table=True):
    __tablename__ = "event_history"
    __table_args__ = (Index("ix_event_history_event_id_id", "event_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # No foreign key: the history of a deleted event is kept with its tombstone.
    event_id: int
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=16)  # create | update | merge | delete
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EventDeletion(SQLModel, table=True):
    __tablename__ = "event_deletion"
    __table_args__ = (Index("ix_event_deletion_deleted_at_event_id", "deleted_at", "event_id"),)

    event_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    deleted_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)


# --- request models -------------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid")


class ParticipantIn(BaseModel):
    model_config = _STRICT

    name: PersonName | None = None
    title: Title | None = None
    country: PartyCode | None = None
    person_id: str | None = PydanticField(default=None, max_length=20,
                                          description="Link to a known person instead of matching by name.")

    @model_validator(mode="after")
    def _named_or_described(self) -> ParticipantIn:
        if not self.name and not self.person_id and not (self.title and self.country):
            raise ValueError("a participant needs a name, a person_id, or a title and a country")
        return self


class SourceIn(BaseModel):
    model_config = _STRICT

    publisher: Publisher | None = None
    url: Url | None = None
    published_at: IsoDate | None = None
    text: ReadoutText | None = PydanticField(
        default=None, description="The readout text, stored as a readout of the event (searchable by `q`)."
    )


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class _EventFields(BaseModel):
    """Validation shared by create and update; every field optional here."""

    model_config = _STRICT

    kind: EventKind | None = None
    date: IsoDate | None = None
    # Strict: lax validation would read `false` as 0 minutes and "yes" as true.
    duration_minutes: StrictInt | None = PydanticField(default=None, ge=0, le=100_000)
    duration_approximate: StrictBool | None = None
    initiator: PartyCode | None = None
    participants: list[ParticipantIn] | None = PydanticField(default=None, min_length=1, max_length=100)
    topics: list[Topic] | None = PydanticField(default=None, max_length=100)
    mentioned_countries: list[CountryCode] | None = PydanticField(default=None, max_length=300)
    organizations: list[OrganizationCode] | None = PydanticField(default=None, max_length=200)
    summary: Summary | None = None

    @field_validator("topics", "mentioned_countries", "organizations")
    @classmethod
    def _dedupe(cls, values: list[Any] | None) -> list[Any] | None:
        return None if values is None else _unique(values)


class EventCreate(_EventFields):
    kind: EventKind
    date: IsoDate
    duration_approximate: StrictBool = False
    participants: list[ParticipantIn] = PydanticField(min_length=1, max_length=100)
    topics: list[Topic] = PydanticField(default_factory=list, max_length=100)
    mentioned_countries: list[CountryCode] = PydanticField(default_factory=list, max_length=300)
    organizations: list[OrganizationCode] = PydanticField(default_factory=list, max_length=200)
    sources: list[SourceIn] = PydanticField(default_factory=list, max_length=50)


# Fields that an event may not be without: an update may change them but not clear them.
REQUIRED_EVENT_FIELDS = ("kind", "date", "participants", "duration_approximate", "topics",
                         "mentioned_countries", "organizations")


class EventUpdate(_EventFields):
    """An analyst's correction: only the fields sent are changed; lists replace the stored list."""

    @field_validator(*REQUIRED_EVENT_FIELDS, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: an event always has one")
        return value


# --- response models ------------------------------------------------------------------------------


class ParticipantPublic(BaseModel):
    person_id: str | None
    name: str | None
    title: str | None
    country: str | None


class SourcePublic(BaseModel):
    readout_id: str
    publisher: str | None
    url: str | None
    published_at: dt.date | None


class Codes(BaseModel):
    cameo: str | None
    plover: str | None
    plover_mode: str | None


class DiscrepancyValue(BaseModel):
    readout_id: str
    value: Any


class Discrepancy(BaseModel):
    field: str
    values: list[DiscrepancyValue]


class EventPublic(BaseModel):
    id: str
    kind: str
    date: dt.date
    duration_minutes: int | None
    duration_approximate: bool
    initiator: str | None
    participants: list[ParticipantPublic]
    topics: list[str]
    mentioned_countries: list[str]
    organizations: list[str]
    summary: str | None
    codes: Codes
    discrepancies: list[Discrepancy]
    sources: list[SourcePublic]
    created_at: dt.datetime
    updated_at: dt.datetime


class EventDraft(EventPublic):
    """An event as a dry run would store it: not stored, so without id, people or timestamps."""

    id: str | None = None  # type: ignore[assignment]
    created_at: dt.datetime | None = None  # type: ignore[assignment]
    updated_at: dt.datetime | None = None  # type: ignore[assignment]


class EventPage(BaseModel):
    data: list[EventPublic]
    next_cursor: str | None


class HistoryEntry(BaseModel):
    id: str
    event_id: str
    changed_at: dt.datetime
    actor: str
    action: str
    changes: dict[str, Any]


class HistoryList(BaseModel):
    data: list[HistoryEntry]


class DeletionPublic(BaseModel):
    id: str
    deleted_at: dt.datetime


class DeletionPage(BaseModel):
    data: list[DeletionPublic]
    next_cursor: str | None


class BulkLineError(BaseModel):
    line: int
    detail: str
    errors: list[dict[str, Any]] = []


class BulkResult(BaseModel):
    received: int
    created: int
    duplicates: int
    refused: int
    created_ids: list[str]
    duplicate_ids: list[str]
    errors: list[BulkLineError]
