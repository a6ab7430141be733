"""Prometheus metrics: the HTTP traffic, the problems answered, and what ingestion stored.

Labels stay few and bounded: a route is its template (`/v1/events/{event_id}`), never the raw path,
and an unknown method is `OTHER`, so no client can grow the number of series.

Each process counts for itself. `serve --workers N` sets PROMETHEUS_MULTIPROC_DIR so that the
workers write their counts to files there and /metrics (answered by any one of them) adds them up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:
    from app.models.event import BulkResult

# The `_created` timestamp series would double the number of series for nothing Prometheus needs.
disable_created_metrics()

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("readout_http_requests", "HTTP requests answered, by method, route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("readout_http_request_duration_seconds",
                    "Time from a request's arrival to the end of its answer (streams included), by route template.",
                    ["method", "route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SERVER_ERRORS = Counter("readout_http_server_errors", "Answers with a 5xx status, by method and route template.",
                        ["method", "route"])
PROBLEMS = Counter("readout_problems", "RFC 9457 problems answered, by status and problem type.", ["status", "type"])
READOUTS = Counter("readout_readouts_ingested",
                   "Readouts posted to POST /v1/readouts, by outcome: stored (a new event), merged (a further "
                   "source of a stored event), duplicate (the same text again), refused, dry_run.", ["outcome"])
BULK_LINES = Counter("readout_bulk_lines", "Lines of POST /v1/events/bulk, by outcome: stored, duplicate, refused.",
                     ["outcome"])

READOUT_OUTCOMES = ("stored", "merged", "duplicate", "refused", "dry_run")
# Series that exist from the start read 0 rather than missing, so that rates over them work at once.
for _outcome in READOUT_OUTCOMES:
    READOUTS.labels(_outcome)
for _outcome in ("stored", "duplicate", "refused"):
    BULK_LINES.labels(_outcome)


def count_readout(outcome: str) -> None:
    READOUTS.labels(outcome).inc()


def count_bulk_lines(result: BulkResult) -> None:
    BULK_LINES.labels("stored").inc(result.created)
    BULK_LINES.labels("duplicate").inc(result.duplicates)
    BULK_LINES.labels("refused").inc(result.refused)


def count_problem(status: int, slug: str) -> None:
    PROBLEMS.labels(str(status), slug).inc()


class HttpMetrics:
    """The per-request counters, with each label combination's children kept at hand: a request
    costs two dictionary look-ups rather than prometheus_client's label resolution."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = "OTHER"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route),
                        SERVER_ERRORS.labels(method, route) if status >= 500 else None)
            self._children[key] = children
        requests, latency, server_errors = children
        requests.inc()
        latency.observe(seconds)
        if server_errors is not None:
            server_errors.inc()


def exposition(multiprocess_directory: str | None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its media type."""
    if multiprocess_directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiprocess_directory)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
