"""The table models. `base` sets the naming convention first; importing this package registers every
table on `SQLModel.metadata` (which Alembic compares against the migrations)."""

from app.models import base  # noqa: F401  (the naming convention, before any table)
from app.models.api_key import ApiKey
from app.models.event import (
    Event,
    EventCountry,
    EventDeletion,
    EventHistory,
    EventParticipant,
    EventTopic,
)
from app.models.person import Person, PersonAlias, PersonOffice
from app.models.readout import Readout
from app.models.reference import DataVersion, EventKindRow, PartyRow, TopicRow

__all__ = [
    "ApiKey",
    "DataVersion",
    "Event",
    "EventCountry",
    "EventDeletion",
    "EventHistory",
    "EventKindRow",
    "EventParticipant",
    "EventTopic",
    "PartyRow",
    "Person",
    "PersonAlias",
    "PersonOffice",
    "Readout",
    "TopicRow",
]
