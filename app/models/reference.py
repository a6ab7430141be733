"""Reference tables: event kinds and topics (the taxonomy) and the parties (countries, organisations)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Field, SQLModel


class EventKindRow(SQLModel, table=True):
    __tablename__ = "event_kind"

    slug: str = Field(primary_key=True, max_length=32)
    description: str = Field(max_length=500)


class TopicRow(SQLModel, table=True):
    __tablename__ = "topic"

    slug: str = Field(primary_key=True, max_length=64)
    description: str = Field(max_length=500)


class PartyRow(SQLModel, table=True):
    """A country (ISO 3166-1 alpha-2) or an international organisation (its acronym)."""

    __tablename__ = "party"

    code: str = Field(primary_key=True, max_length=16)
    kind: str = Field(max_length=16)  # "country" | "organization"
    alpha3: str | None = Field(default=None, max_length=3)
    name: str = Field(max_length=200)


class CountryPublic(BaseModel):
    code: str
    alpha3: str | None
    name: str
    kind: str
    event_count: int


class TopicPublic(BaseModel):
    slug: str
    description: str
    event_count: int


class CountryList(BaseModel):
    data: list[CountryPublic]


class TopicList(BaseModel):
    data: list[TopicPublic]


class DataVersion(SQLModel, table=True):
    """One row counting committed changes to events: derived answers cached by the service
    (aggregates) are valid while it stays the same. See app.services.cache."""

    __tablename__ = "data_version"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=0)
