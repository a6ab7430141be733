"""Helpers for the extraction tests: the fixture readouts, the corpus location, the evidence check.

(A module of its own, not conftest.py: `tests/conftest.py` already owns that module name.)
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from app.extraction import ExtractedEvent, extract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readouts"
# The shared corpus sits beside the repository: <repo>/../shared/corpus.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "readouts.jsonl"


def fixture_specs() -> dict[str, dict[str, Any]]:
    return json.loads((FIXTURES / "expectations.json").read_text(encoding="utf-8"))


def run_fixture(name: str) -> tuple[str, ExtractedEvent]:
    spec = fixture_specs()[name]
    # Read bytes and decode without newline translation: offsets must index the text as stored.
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    published = spec.get("published_at")
    event = extract(
        text,
        publisher=spec.get("publisher"),
        published_at=datetime.date.fromisoformat(published) if published else None,
    )
    return text, event


def assert_evidence(text: str, event: ExtractedEvent) -> None:
    """Every evidence span is a slice of the text as given."""
    dumped = event.model_dump()
    for name, field in dumped.items():
        if not isinstance(field, dict):
            continue
        assert 0.0 <= field["confidence"] <= 1.0, name
        for evidence in field["evidence"]:
            assert 0 <= evidence["start"] <= evidence["end"] <= len(text), (name, evidence)
            assert text[evidence["start"] : evidence["end"]] == evidence["text"], (name, evidence)


