"""Readouts: the press-service texts as posted, and the extraction made from each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow
from app.models.event import EventDraft, EventPublic, EventUpdate
from app.models.fields import IsoDate, Publisher, ReadoutText, Url


class Readout(SQLModel, table=True):
    __tablename__ = "readout"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    # Null for a source known only by its publisher or URL (an event created from structured fields).
    text: str | None = Field(default=None, sa_type=String)
    publisher: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2048)
    published_at: dt.date | None = None
    # SHA-256 of the text with white space normalised: the same readout posted twice is one row.
    content_hash: str | None = Field(default=None, max_length=64, unique=True)
    # A readout outlives its event: deleting the event leaves the readout retrievable.
    event_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("event.id", ondelete="SET NULL"), index=True)
    )
    extraction: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    extractor_version: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReadoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ReadoutText
    url: Url | None = None
    publisher: Publisher | None = None
    published_at: IsoDate | None = None
    overrides: EventUpdate | None = PydanticField(
        default=None, description="Event fields that win over the extracted values (recorded as the analyst's)."
    )


class ReadoutPublic(BaseModel):
    id: str | None = PydanticField(description="Null in a dry run, which stores nothing.")
    text: str | None
    publisher: str | None
    url: str | None
    published_at: dt.date | None
    content_hash: str | None
    event_id: str | None
    created_at: dt.datetime | None
    extractor_version: str | None = None
    extraction: dict[str, Any] | None = None


class ReadoutIngestResult(BaseModel):
    readout: ReadoutPublic
    event: EventPublic | EventDraft | None
    extraction: dict[str, Any] | None
