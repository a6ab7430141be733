"""Streaming exports of events as CSV or NDJSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from app.models.event import EventPublic

CSV_COLUMNS = [
    "id", "kind", "date", "duration_minutes", "duration_approximate", "initiator", "participants",
    "participant_countries", "topics", "mentioned_countries", "organizations", "summary", "cameo", "plover",
    "plover_mode", "source_urls", "created_at", "updated_at",
]

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(event: EventPublic) -> list[str]:
    participants = "; ".join(
        " ".join(part for part in [p.name or "", f"({', '.join(x for x in [p.title, p.country] if x)})"] if part)
        for p in event.participants
    )
    values = [
        event.id, event.kind, event.date.isoformat(), event.duration_minutes,
        str(event.duration_approximate).lower(), event.initiator, participants,
        ";".join(dict.fromkeys(p.country for p in event.participants if p.country)),
        ";".join(event.topics), ";".join(event.mentioned_countries), ";".join(event.organizations), event.summary,
        event.codes.cameo, event.codes.plover, event.codes.plover_mode,
        " ".join(s.url for s in event.sources if s.url), event.created_at.isoformat(), event.updated_at.isoformat(),
    ]
    return [_cell(value) for value in values]


def csv_lines(events: Iterable[EventPublic]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(_csv_row(event))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_lines(events: Iterable[EventPublic]) -> Iterator[str]:
    for event in events:
        yield json.dumps(event.model_dump(mode="json"), ensure_ascii=False) + "\n"
