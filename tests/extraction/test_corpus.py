"""The extractor against the shared labelled corpus (../shared/corpus/readouts.jsonl), held to the
project's quality bar. Skipped where the corpus is not beside the repository."""

from __future__ import annotations

from typing import Any

import pytest
from extraction_support import assert_evidence

from app.extraction.evaluate import evaluate

THRESHOLDS = {
    "accuracy": {"kind": 0.95, "date": 0.95, "initiator": 0.95, "duration_minutes": 0.95},
    "f1": {
        "participants": 0.95,
        "participant_countries": 0.95,
        "titles": 0.90,
        "topics": 0.80,
        "mentioned_countries": 0.90,
        "organizations": 0.90,
    },
}


@pytest.fixture(scope="module")
def report(corpus_records: list[dict[str, Any]]):
    return evaluate(corpus_records)


@pytest.mark.parametrize("field", sorted(THRESHOLDS["accuracy"]))
def test_accuracy(report, field: str) -> None:
    misses = [m for m in report.misses if m.field == field]
    assert report.accuracy[field] >= THRESHOLDS["accuracy"][field], misses


@pytest.mark.parametrize("field", sorted(THRESHOLDS["f1"]))
def test_f1(report, field: str) -> None:
    misses = [m for m in report.misses if m.field == field]
    assert report.f1(field) >= THRESHOLDS["f1"][field], misses


def test_speed_is_reported(report) -> None:
    # The bar is 200 readouts/s on one core; a shared CI machine gets a generous margin here.
    assert report.readouts_per_second >= 50
    assert report.median_ms > 0 and report.worst_ms >= report.median_ms


def test_evidence_spans_are_slices_of_the_text(corpus_records: list[dict[str, Any]]) -> None:
    from app.extraction import extract

    for record in corpus_records:
        event = extract(record["text"], publisher=record.get("publisher"))
        assert_evidence(record["text"], event)


def test_render(report) -> None:
    from io import StringIO

    from rich.console import Console

    from app.extraction.evaluate import render

    buffer = StringIO()
    render(report, Console(file=buffer, width=160))
    output = buffer.getvalue()
    assert "participants" in output and "readouts/s" in output
