"""Readouts: storing press-service texts and the events extracted from them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.models import Readout
from app.models.readout import ReadoutPublic
from app.services.ids import parse_id


def readout_public(readout: Readout) -> ReadoutPublic:
    return ReadoutPublic(
        id=str(readout.id), text=readout.text, publisher=readout.publisher, url=readout.url,
        published_at=readout.published_at, content_hash=readout.content_hash,
        event_id=None if readout.event_id is None else str(readout.event_id), created_at=readout.created_at,
        extractor_version=readout.extractor_version, extraction=readout.extraction,
    )


def get_readout(session: Session, *, readout_id: str) -> ReadoutPublic:
    not_found = NotFoundError(f"no readout with id {readout_id!r}")
    readout = session.get(Readout, parse_id(readout_id, error=not_found))
    if readout is None:
        raise not_found
    return readout_public(readout)
