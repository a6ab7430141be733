"""Lines for large bulk loads, and their outcome in a form two loads into two databases can compare."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from factories import event_body
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings

BATCH = 700  # lines per transaction: a load below is four batches, parsed in halves
PEOPLE = [("Aleksandr Lukashenko", "BY"), ("Alexander Lukashenko", "BY"), ("Vladimir Putin", "RU"),
          ("Joe Biden", "US"), ("Xi Jinping", "CN"), ("Emmanuel Macron", "FR"), ("Olaf Scholz", "DE"),
          ("Kassym-Jomart Tokayev", "KZ"), ("Andrzej Duda", "PL"), ("Александр Лукашенко", "BY")]
TOPICS = ["sanctions", "energy", "security-defense", "trade-economy", "health"]


def bulk_lines(count: int, seed: int = 7) -> list[str]:
    """`count` lines of every sort: new events, repeats (within a batch and across batches, by fields
    or by source text), blank lines, bad JSON, invalid fields, unknown person ids, exported lines."""
    rng = random.Random(seed)
    lines: list[str] = []
    for number in range(count):
        roll = rng.random()
        if lines and roll < 0.04:
            lines.append(rng.choice(lines))  # a line again, near or far
        elif roll < 0.06:
            lines.append(rng.choice(["", "   ", '{"kind": "meeting", "date": ', "[1, 2]", "null"]))
        elif roll < 0.08:
            lines.append(json.dumps(event_body(date=f"2001-01-{rng.randint(1, 28):02d}",
                                               kind=rng.choice(["dinner", "phone_call"]),
                                               participants=[{"name": "A B", "country": "Narnia"}])))
        elif roll < 0.09:
            lines.append(json.dumps(event_body(participants=[{"person_id": "987654321"}])))
        else:
            people = rng.sample(PEOPLE, rng.randint(2, 3))
            body = event_body(
                date=f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                kind=rng.choice(["phone_call", "meeting", "visit"]),
                initiator=rng.choice([None, people[0][1]]),
                participants=[{"name": name, "country": country, "title": rng.choice(["President", None])}
                              for name, country in people],
                topics=rng.sample(TOPICS, rng.randint(0, 3)),
                mentioned_countries=rng.sample(["RU", "PL", "LT", "UA"], rng.randint(0, 2)),
                organizations=rng.sample(["CSTO", "NATO", "EU"], rng.randint(0, 1)),
                summary=rng.choice([None, f"Talks number {number} on {rng.choice(TOPICS)}."]),
                # A text seen before makes the line a repeat of that text's event, whatever its fields.
                sources=[{"publisher": "Press service", "published_at": "2020-01-01",
                          "text": f"Readout {rng.randint(0, count * 3)}: the sides discussed cooperation."}],
            )
            if rng.random() < 0.05:  # as exported: ids, codes and timestamps are ignored
                body.update(id="12", codes={}, created_at="2020-01-01T00:00:00Z", discrepancies=[])
            lines.append(json.dumps(body, ensure_ascii=False))
    return lines


def comparable(result: dict[str, Any], events: list[dict[str, Any]], searches: dict) -> Any:  # noqa: ANN401
    """The load's answer and its stored events, with ids and timestamps (which differ from one
    database to the next) replaced by the rank of the event among those created."""
    rank = {event_id: index for index, event_id in enumerate(result["created_ids"])}
    answer = {**result, "created_ids": len(result["created_ids"]),
              "duplicate_ids": [rank.get(event_id, event_id) for event_id in result["duplicate_ids"]]}
    stored = [{**{k: v for k, v in event.items() if k not in {"id", "created_at", "updated_at", "sources"}},
               "rank": rank[event["id"]],
               "participants": [{**p, "person_id": None} for p in event["participants"]],
               "sources": [{k: v for k, v in s.items() if k != "readout_id"} for s in event["sources"]]}
              for event in events]
    found = {q: sorted(rank[event_id] for event_id in ids) for q, ids in searches.items()}
    return answer, sorted(stored, key=lambda event: event["rank"]), found


def run_ingest(monkeypatch: pytest.MonkeyPatch, database_url: str, path: Path, **environment: str) -> Result:
    """`python -m app ingest PATH` in this process, on `database_url`, with settings from `environment`."""
    for name, value in {"DATABASE_URL": database_url, **environment}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, ["ingest", str(path)], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
