"""Scoring the extractor against labelled readouts (the corpus JSONL format).

Per field: accuracy for kind, date, initiator and duration; micro-averaged precision, recall and F1
for participants (matched by name, or by title and country for a label participant the text does
not name), their countries, their titles, topics, mentioned countries and organisations. The
report also lists every miss and the extraction speed.

Used by `python -m app evaluate FILE.jsonl` and by the corpus test.
"""

from __future__ import annotations

import datetime
import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.extraction.extractor import extract, warm_up
from app.extraction.models import ExtractedEvent
from app.extraction.participants import names_match
from app.extraction.titles import titles_equal

ACCURACY_FIELDS = ("kind", "date", "initiator", "duration_minutes")
F1_FIELDS = ("participants", "participant_countries", "titles", "topics", "mentioned_countries", "organizations")


def load_labelled(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file of labelled readouts (blank lines skipped)."""
    records = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
            if "text" not in record or "expected" not in record:
                raise ValueError(f"{path}:{number}: a record needs 'text' and 'expected'")
            records.append(record)
    return records


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Miss:
    record_id: str
    field: str
    expected: Any
    got: Any


@dataclass
class EvaluationReport:
    records: int = 0
    accuracy: dict[str, float] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    scores: dict[str, Counts] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    readouts_per_second: float = 0.0
    median_ms: float = 0.0
    worst_ms: float = 0.0

    def f1(self, name: str) -> float:
        return self.scores[name].f1


def _parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _match_participants(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Pairs (expected index, got index): by name first, then unnamed label participants by
    title and country among extracted participants that carry no name (or the label's name)."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, exp in enumerate(expected):
        for j, out in enumerate(got):
            if j in used:
                continue
            if names_match(exp.get("name"), out.get("name")):
                pairs.append((i, j))
                used.add(j)
                break
    matched = {i for i, _ in pairs}
    for i, exp in enumerate(expected):
        if i in matched or exp.get("named_in_text", True):
            continue
        for j, out in enumerate(got):
            if j in used or out.get("name"):
                continue
            if out.get("country") == exp.get("country") and titles_equal(out.get("title"), exp.get("title")):
                pairs.append((i, j))
                used.add(j)
                break
    return pairs


def _set_counts(expected: Iterable[str], got: Iterable[str]) -> Counts:
    e, g = set(expected or ()), set(got or ())
    return Counts(len(e & g), len(g - e), len(e - g))


def _add(total: Counts, part: Counts) -> None:
    total.tp += part.tp
    total.fp += part.fp
    total.fn += part.fn


def evaluate(
    records: list[dict[str, Any]],
    *,
    extractor: Callable[..., ExtractedEvent] = extract,
) -> EvaluationReport:
    report = EvaluationReport(records=len(records))
    report.scores = {name: Counts() for name in F1_FIELDS}
    correct = dict.fromkeys(ACCURACY_FIELDS, 0)
    timings: list[float] = []
    # Reference tables load on first use; speed is about the steady state.
    warm_up()

    for record in records:
        rid = str(record.get("id", "?"))
        expected = record["expected"]
        started = time.perf_counter()
        event = extractor(
            record["text"],
            publisher=record.get("publisher"),
            published_at=_parse_date(record.get("published_at")),
            url=record.get("url"),
        )
        timings.append(time.perf_counter() - started)
        got = event.model_dump(mode="json")

        for name in ACCURACY_FIELDS:
            want, have = expected.get(name), got[name]["value"]
            if want == have:
                correct[name] += 1
            else:
                report.misses.append(Miss(rid, name, want, have))

        exp_people = expected.get("participants") or []
        got_people = got["participants"]["value"]
        pairs = _match_participants(exp_people, got_people)
        people = Counts(len(pairs), len(got_people) - len(pairs), len(exp_people) - len(pairs))
        _add(report.scores["participants"], people)
        if people.fp or people.fn:
            report.misses.append(Miss(rid, "participants", exp_people, got_people))

        # Countries: as multisets, so that two presidents of one country count twice.
        exp_countries = sorted(p.get("country") or "" for p in exp_people)
        got_countries = sorted(p.get("country") or "" for p in got_people)
        remaining = list(got_countries)
        tp = 0
        for code in exp_countries:
            if code in remaining:
                remaining.remove(code)
                tp += 1
        countries = Counts(tp, len(got_countries) - tp, len(exp_countries) - tp)
        _add(report.scores["participant_countries"], countries)
        if countries.fp or countries.fn:
            report.misses.append(Miss(rid, "participant_countries", exp_countries, got_countries))

        title_tp = sum(1 for i, j in pairs if titles_equal(exp_people[i].get("title"), got_people[j].get("title")))
        titles = Counts(title_tp, sum(1 for p in got_people if p.get("title")) - title_tp, len(exp_people) - title_tp)
        _add(report.scores["titles"], titles)
        bad_titles = [
            (exp_people[i].get("title"), got_people[j].get("title"))
            for i, j in pairs
            if not titles_equal(exp_people[i].get("title"), got_people[j].get("title"))
        ]
        if bad_titles:
            report.misses.append(Miss(rid, "titles", [e for e, _ in bad_titles], [g for _, g in bad_titles]))

        for name in ("topics", "mentioned_countries", "organizations"):
            counts = _set_counts(expected.get(name) or [], got[name]["value"])
            _add(report.scores[name], counts)
            if counts.fp or counts.fn:
                want = set(expected.get(name) or [])
                have = set(got[name]["value"])
                report.misses.append(Miss(rid, name, sorted(want - have), sorted(have - want)))

    n = max(1, len(records))
    report.correct = correct
    report.accuracy = {name: correct[name] / n for name in ACCURACY_FIELDS}
    if timings:
        total = sum(timings)
        report.readouts_per_second = len(timings) / total if total else float("inf")
        report.median_ms = statistics.median(timings) * 1000
        report.worst_ms = max(timings) * 1000
    return report


def render(report: EvaluationReport, console: Any) -> None:
    """Print the scores as a table, then the misses, on a rich Console."""
    from rich.table import Table

    table = Table(title=f"Extraction over {report.records} labelled readouts")
    table.add_column("field")
    table.add_column("measure")
    table.add_column("score", justify="right")
    table.add_column("detail", justify="right")
    for name in ACCURACY_FIELDS:
        table.add_row(name, "accuracy", f"{report.accuracy.get(name, 0):.3f}", f"{report.correct.get(name, 0)}/{report.records}")
    for name in F1_FIELDS:
        counts = report.scores.get(name, Counts())
        table.add_row(
            name, "F1", f"{counts.f1:.3f}",
            f"P {counts.precision:.2f} R {counts.recall:.2f} (tp {counts.tp} fp {counts.fp} fn {counts.fn})",
        )
    table.add_row("speed", "readouts/s", f"{report.readouts_per_second:.0f}",
                  f"median {report.median_ms:.2f} ms, worst {report.worst_ms:.2f} ms")
    console.print(table)
    if report.misses:
        misses = Table(title=f"Misses ({len(report.misses)})")
        misses.add_column("record")
        misses.add_column("field")
        misses.add_column("expected", overflow="fold")
        misses.add_column("got", overflow="fold")
        for miss in report.misses:
            misses.add_row(miss.record_id, miss.field, _show(miss.expected), _show(miss.got))
        console.print(misses)


def _show(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(f"{p.get('name')} | {p.get('title')} | {p.get('country')}" for p in value)
    return json.dumps(value, ensure_ascii=False, default=str)
