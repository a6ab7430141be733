"""The shape of an extraction: per Event field a value, a confidence and the evidence spans.

`ExtractedEvent.model_dump(mode="json")` is served as the API's `extraction` object, so the field
names are the Event's field names.
"""

from __future__ import annotations

import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Evidence(BaseModel):
    """A span of the readout text as given: `text == readout_text[start:end]`."""

    start: int
    end: int
    text: str


class FieldResult(BaseModel, Generic[T]):
    value: T
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)


class ExtractedParticipant(BaseModel):
    name: str | None = None
    title: str | None = None
    country: str | None = None  # ISO alpha-2, or an organisation acronym (UN, EU, NATO)


class ExtractedEvent(BaseModel):
    extractor_version: str
    kind: FieldResult[str]
    date: FieldResult[datetime.date | None]
    participants: FieldResult[list[ExtractedParticipant]]
    initiator: FieldResult[str | None]
    duration_minutes: FieldResult[int | None]
    duration_approximate: FieldResult[bool]
    topics: FieldResult[list[str]]
    mentioned_countries: FieldResult[list[str]]
    organizations: FieldResult[list[str]]
    summary: FieldResult[str | None]
