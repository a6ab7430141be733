"""Streaming exports of events as CSV or NDJSON, from event documents (app.services.events)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

CSV_COLUMNS = [
    "id", "kind", "date", "duration_minutes", "duration_approximate", "initiator", "participants",
    "participant_countries", "topics", "mentioned_countries", "organizations", "summary", "cameo", "plover",
    "plover_mode", "source_urls", "created_at", "updated_at",
]

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
        event["id"], event["kind"], event["date"].isoformat(), event["duration_minutes"],
        str(event["duration_approximate"]).lower(), event["initiator"],
        "; ".join(_participant(p) for p in participants),
        ";".join(dict.fromkeys(p["country"] for p in participants if p["country"])),
        ";".join(event["topics"]), ";".join(event["mentioned_countries"]), ";".join(event["organizations"]),
        event["summary"], codes["cameo"], codes["plover"], codes["plover_mode"],
        " ".join(s["url"] for s in event["sources"] if s["url"]),
        event["created_at"].isoformat(), event["updated_at"].isoformat(),
    ]
    return [_cell(value) for value in values]


def csv_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(_csv_row(event))
        if buffer.tell() > _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_default(value: object) -> str:
    """Dates and timestamps for json.dumps: ISO 8601 / RFC 3339, UTC written as Z (as pydantic writes it)."""
    text = value.isoformat()  # type: ignore[attr-defined]
    return text.replace("+00:00", "Z")


def ndjson_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    lines: list[str] = []
    size = 0
    for event in events:
        line = json.dumps(event, ensure_ascii=False, default=json_default) + "\n"
        lines.append(line)
        size += len(line)
        if size > _CHUNK_CHARS:
            yield "".join(lines)
            lines, size = [], 0
    yield "".join(lines)
