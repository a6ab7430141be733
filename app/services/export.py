"""Streaming exports of events as CSV or NDJSON, from the events' JSON texts (app.services.documents)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Readout

CSV_COLUMNS = [
    "id", "kind", "date", "duration_minutes", "duration_approximate", "initiator", "participants",
    "participant_countries", "topics", "mentioned_countries", "organizations", "summary", "cameo", "plover",
    "plover_mode", "source_urls", "created_at", "updated_at",
]

# What asks GET /v1/events for an export rather than a page: its `format`, else its Accept header.
_ACCEPTED_EXPORTS = {"text/csv": "csv", "application/x-ndjson": "ndjson"}


def export_asked(requested_format: str | None, accept: str) -> str | None:
    """The export ("csv" or "ndjson") a query of events asks for, or None for a page: `format` when
    given (json: a page), else the Accept header. The route and the rate limiter decide by this."""
    if requested_format is not None:
        return requested_format if requested_format in _ACCEPTED_EXPORTS.values() else None
    return next((fmt for media_type, fmt in _ACCEPTED_EXPORTS.items() if media_type in accept), None)


# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Output is handed to the server in pieces of about this size.
_CHUNK_CHARS = 64 * 1024


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _participant(participant: dict[str, Any]) -> str:
    described = ", ".join(part for part in (participant["title"], participant["country"]) if part)
    return " ".join(part for part in (participant["name"], f"({described})" if described else "") if part)


def _csv_row(event: dict[str, Any]) -> list[str]:
    participants = event["participants"]
    codes = event["codes"]
    values = [
        event["id"], event["kind"], event["date"], event["duration_minutes"],
        str(event["duration_approximate"]).lower(), event["initiator"],
        "; ".join(_participant(p) for p in participants),
        ";".join(dict.fromkeys(p["country"] for p in participants if p["country"])),
        ";".join(event["topics"]), ";".join(event["mentioned_countries"]), ";".join(event["organizations"]),
        event["summary"], codes["cameo"], codes["plover"], codes["plover_mode"],
        " ".join(s["url"] for s in event["sources"] if s["url"]),
        event["created_at"], event["updated_at"],
    ]
    return [_cell(value) for value in values]


def csv_lines(documents: Iterable[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for document in documents:
        writer.writerow(_csv_row(json.loads(document)))
        if buffer.tell() > _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_lines(documents: Iterable[str]) -> Iterator[str]:
    lines: list[str] = []
    size = 0
    for document in documents:
        line = document + "\n"
        lines.append(line)
        size += len(line)
        if size > _CHUNK_CHARS:
            yield "".join(lines)
            lines, size = [], 0
    yield "".join(lines)


def with_source_texts(session: Session, documents: Iterable[str], *, chunk_size: int) -> Iterator[str]:
    """The documents with each source's readout text (`sources[].text`, as an Event-create takes it):
    an export that `ingest` loads back whole, text search included, i.e. a backup."""
    remaining = iter(documents)
    while events := [json.loads(document) for document in islice(remaining, chunk_size)]:
        ids = [int(source["readout_id"]) for event in events for source in event["sources"]]
        texts = dict(session.execute(select(Readout.id, Readout.text).where(Readout.id.in_(ids))).tuples().all())
        for event in events:
            for source in event["sources"]:
                source["text"] = texts.get(int(source["readout_id"]))
            yield json.dumps(event, ensure_ascii=False)
