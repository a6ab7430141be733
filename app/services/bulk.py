"""Many events at once from NDJSON: every line is stored, reported as a duplicate, or refused with why."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import ProblemError, errors_from_pydantic
from app.models.event import BulkLineError, BulkResult, EventCreate
from app.services.events import CreateOutcome, create_events_uncommitted

# Fields of an exported Event that a create does not take: an export can be loaded back as it is.
_READ_ONLY_EVENT_FIELDS = ("id", "codes", "discrepancies", "created_at", "updated_at")


def _as_create(document: Any) -> Any:
    if not isinstance(document, dict):
        return document
    document = {k: v for k, v in document.items() if k not in _READ_ONLY_EVENT_FIELDS}
    participants = document.get("participants")
    if isinstance(participants, list):
        # Person ids belong to the database that exported them; here people are matched by name.
        document["participants"] = [
            {k: v for k, v in p.items() if not (k == "person_id" and p.get("name"))} if isinstance(p, dict) else p
            for p in participants
        ]
    sources = document.get("sources")
    if isinstance(sources, list):
        document["sources"] = [
            {k: v for k, v in s.items() if k != "readout_id"} if isinstance(s, dict) else s for s in sources
        ]
    return document


def parse_line(line: str) -> EventCreate:
    """One NDJSON line as an EventCreate; raises ValueError or ValidationError."""
    return EventCreate.model_validate(_as_create(json.loads(line)))


def _refusal(number: int, error: Exception) -> BulkLineError:
    if isinstance(error, ValidationError):
        errors = [e.model_dump(exclude_none=True) for e in errors_from_pydantic(list(error.errors()))]
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors[:5])
        return BulkLineError(line=number, detail=detail, errors=errors)
    if isinstance(error, ProblemError):
        errors = [e.model_dump(exclude_none=True) for e in error.errors or []]
        return BulkLineError(line=number, detail=error.detail or error.title, errors=errors)
    if isinstance(error, UnicodeDecodeError):
        return BulkLineError(line=number, detail="the line is not valid UTF-8")
    if isinstance(error, json.JSONDecodeError):
        return BulkLineError(line=number, detail=f"not a JSON object: {error.msg} at column {error.colno}")
    return BulkLineError(line=number, detail="the line could not be stored")


def load_lines(session: Session, lines: Iterable[tuple[int, bytes | str]], *, actor: str,
               batch_size: int) -> BulkResult:
    """Store events from numbered NDJSON lines, `batch_size` lines to a transaction.

    Lines are validated one by one (a bad line is refused alone) and stored a batch at a time in a
    few set-based statements. Should a batch fail in the database nonetheless, it is stored again
    line by line, each in a savepoint, so that only the failing lines are refused.
    """
    result = BulkResult(received=0, created=0, duplicates=0, refused=0, created_ids=[], duplicate_ids=[], errors=[])
    batch: list[tuple[int, EventCreate]] = []
    for number, raw in lines:
        if not raw.strip():
            continue
        result.received += 1
        try:
            batch.append((number, parse_line(raw.decode("utf-8") if isinstance(raw, bytes) else raw)))
        except (ValueError, ValidationError) as error:
            _refuse(result, number, error)
        if len(batch) >= batch_size:
            _store_batch(session, batch, result, actor=actor)
            batch = []
    if batch:
        _store_batch(session, batch, result, actor=actor)
    return result


def _refuse(result: BulkResult, number: int, error: Exception) -> None:
    result.refused += 1
    result.errors.append(_refusal(number, error))


def _count(result: BulkResult, number: int, outcome: CreateOutcome | ProblemError) -> None:
    if isinstance(outcome, ProblemError):
        _refuse(result, number, outcome)
    elif outcome.created:
        result.created += 1
        result.created_ids.append(str(outcome.event_id))
    else:
        result.duplicates += 1
        result.duplicate_ids.append(str(outcome.event_id))


def _store_batch(session: Session, batch: list[tuple[int, EventCreate]], result: BulkResult, *, actor: str) -> None:
    try:
        outcomes = create_events_uncommitted(session, [data for _, data in batch], actor=actor)
        session.commit()
    except (IntegrityError, ProblemError):
        session.rollback()
        _store_one_by_one(session, batch, result, actor=actor)
        return
    for (number, _), outcome in zip(batch, outcomes, strict=True):
        _count(result, number, outcome)
    result.errors.sort(key=lambda error: error.line)


def _store_one_by_one(session: Session, batch: list[tuple[int, EventCreate]], result: BulkResult, *,
                      actor: str) -> None:
    for number, data in batch:
        savepoint = session.begin_nested()
        try:
            outcome = create_events_uncommitted(session, [data], actor=actor)[0]
            savepoint.commit()
        except (IntegrityError, ProblemError) as error:
            savepoint.rollback()
            outcome = error if isinstance(error, ProblemError) else ProblemError("the line could not be stored")
        _count(result, number, outcome)
    session.commit()
