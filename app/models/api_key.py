"""API keys. Only a SHA-256 hash of each secret is stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, utcnow


class KeyScope(StrEnum):
    read = "read"
    write = "write"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    scope: str = Field(max_length=16)
    # The key's public prefix, used to find the row; the secret is compared by hash in constant time.
    prefix: str = Field(max_length=32, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKeyPublic(BaseModel):
    name: str
    scope: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
