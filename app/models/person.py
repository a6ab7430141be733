"""People who take part in events, and the spellings of their names."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (Index("ix_person_name_key_country", "name_key", "country"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # The folded form of `name` (app.reference.names.name_key): spellings of one name share it.
    name_key: str = Field(max_length=200)
    country: str | None = Field(default=None, max_length=16, foreign_key="party.code")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonAlias(SQLModel, table=True):
    __tablename__ = "person_alias"
    __table_args__ = (UniqueConstraint("person_id", "alias"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    alias: str = Field(max_length=200)
    # Folded tokens wrapped in spaces (" alksndr lkshnk "), so a surname is found with LIKE '% lkshnk %'.
    alias_key: str = Field(max_length=220, index=True)


class PersonOffice(SQLModel, table=True):
    """An office a person held, from the curated office-holders table (app.reference.office_holders)."""

    __tablename__ = "person_office"
    __table_args__ = (UniqueConstraint("person_id", "office", "country", "start_date"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False))
    country: str = Field(max_length=16, foreign_key="party.code")
    office: str = Field(max_length=32)  # head_of_state | head_of_government | foreign_minister | organization_head
    title: str = Field(max_length=200)
    start_date: date
    end_date: date | None = None


class OfficePublic(BaseModel):
    title: str
    office: str
    country: str
    start: date
    end: date | None


class PersonPublic(BaseModel):
    id: str
    name: str
    country: str | None
    aliases: list[str]
    titles: list[str]
    offices: list[OfficePublic]
    event_count: int


class PersonPage(BaseModel):
    data: list[PersonPublic]
    next_cursor: str | None
