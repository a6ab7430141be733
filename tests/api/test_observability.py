"""Request ids, structured logs and Prometheus metrics, through HTTP and through a live `serve`."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from factories import event_body, make_event
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.core.observability import JsonFormatter, RequestIdFilter
from app.main import create_app

GENERATED_ID = re.compile(r"[0-9a-f]{32}")

READOUT = """Source: Press Service of the President of Kazakhstan

12 March 2021

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with President of the French \
Republic Emmanuel Macron. The leaders discussed trade and energy projects.
"""


@contextmanager
def json_logs() -> Iterator[list[dict]]:
    """The app's log records at INFO and above, as `serve` writes them (JSON lines, with the request id)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    records: list[dict] = []
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        records += [json.loads(line) for line in stream.getvalue().splitlines()]


def access_lines(records: list[dict]) -> list[dict]:
    return [r for r in records if r["logger"] == "app.access"]


class TestRequestId:
    def test_a_well_formed_incoming_id_is_echoed(self, client):
        for incoming in ("trace-0af7651916cd43dd8448eb211c80319c", str(uuid.uuid4()), "a" * 128,
                         "Root=1-67891233-abcdef012345678912345678"):
            assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["x-request-id"] == incoming

    def test_an_id_is_generated_when_none_is_sent(self, client):
        ids = [client.get("/healthz").headers["x-request-id"] for _ in range(3)]
        assert all(GENERATED_ID.fullmatch(i) for i in ids)
        assert len(set(ids)) == 3

    @pytest.mark.parametrize("incoming", ["a" * 129, "has space", "quote\"d", "semi;colon", "<script>", "é",
                                          ""], ids=["too-long", "space", "quote", "semicolon", "angle", "non-ascii",
                                                    "empty"])
    def test_a_malformed_id_is_replaced(self, client, incoming):
        response = client.get("/healthz", headers={"X-Request-ID": incoming.encode("utf-8")})
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])

    def test_every_problem_carries_the_id(self, settings, client, auth):
        small = TestClient(create_app(settings.model_copy(update={"max_body_bytes": 10})))
        problems = [
            client.get("/no/such/path"),  # routing
            client.get("/v1/events", params={"limit": 0}),  # validation
            client.post("/v1/events", json=event_body()),  # no key
            client.get(f"/v1/events/{uuid.uuid4()}"),  # not found
            small.post("/v1/events", json=event_body(), headers=auth),  # body limit, before routing
        ]
        for response in problems:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["request_id"] == response.headers["x-request-id"]
        sent = client.get("/no/such/path", headers={"X-Request-ID": "support-ticket-42"})
        assert sent.json()["request_id"] == "support-ticket-42"

    def test_an_unhandled_error_is_a_problem_with_the_id_in_the_log_too(self, settings, database):
        app = create_app(settings)

        @app.get("/v1/broken")
        def broken() -> None:
            raise RuntimeError("a bug")

        with json_logs() as records, TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/v1/broken", headers={"X-Request-ID": "bug-report-7"})
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "bug-report-7"
        assert response.json()["request_id"] == "bug-report-7"
        [error] = [r for r in records if r["logger"] == "app.errors"]
        assert error["request_id"] == "bug-report-7"
        assert error["level"] == "ERROR"
        assert "RuntimeError: a bug" in error["exception"]
        [access] = access_lines(records)
        assert (access["request_id"], access["status"], access["route"]) == ("bug-report-7", 500, "/v1/broken")


class TestLogs:
    def test_one_access_line_per_request_with_its_fields(self, client, auth):
        with json_logs() as records:
            client.get("/v1/events", params={"country": "BY"}, headers={"X-Request-ID": "first"})
            client.post("/v1/events", json=event_body(), headers={**auth, "X-Request-ID": "second"})
            client.get("/nowhere", headers={"X-Request-ID": "third"})
        lines = access_lines(records)
        assert [(r["request_id"], r["method"], r["path"], r["status"]) for r in lines] == [
            ("first", "GET", "/v1/events", 200), ("second", "POST", "/v1/events", 201),
            ("third", "GET", "/nowhere", 404)]
        for line in lines:
            assert line["level"] == "INFO"
            assert line["duration_ms"] >= 0
            assert line["time"].endswith("+00:00")

    def test_lines_logged_while_handling_carry_the_request_id(self, tmp_path):
        # A database that cannot be reached: the handler logs a warning while answering 503.
        app = create_app(Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/readout",
                                  pool_timeout_seconds=2))
        with json_logs() as records, TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/v1/events", headers={"X-Request-ID": "while-handling"})
        assert response.status_code == 503
        assert response.json()["request_id"] == "while-handling"
        warnings = [r for r in records if r["level"] == "WARNING"]
        assert warnings
        assert {r["request_id"] for r in warnings} == {"while-handling"}


def _samples(client: TestClient | httpx.Client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class TestMetrics:
    def test_request_counters_move_by_route_template(self, client, auth):
        event = make_event(client, auth)
        before = _samples(client)
        for _ in range(3):
            client.get(f"/v1/events/{event['id']}")
        client.get(f"/v1/events/{uuid.uuid4()}")
        client.get("/v1/people/nobody/at/all")
        client.get("/v1/events", params={"limit": 0})
        after = _samples(client)
        route = "/v1/events/{event_id}"

        def moved(name: str, **labels: str) -> float:
            return _value(after, name, **labels) - _value(before, name, **labels)

        assert moved("readout_http_requests_total", method="GET", route=route, status="200") == 3
        assert moved("readout_http_requests_total", method="GET", route=route, status="404") == 1
        assert moved("readout_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
        assert moved("readout_http_request_duration_seconds_count", method="GET", route=route) == 4
        assert moved("readout_problems_total", status="404", type="not-found") == 2
        assert moved("readout_problems_total", status="422", type="validation-error") == 1
        # Never the raw path: an id in a label would make a series per event.
        assert f'route="/v1/events/{event["id"]}"' not in client.get("/metrics").text

    def test_ingest_counters_move_after_posting_readouts(self, client, auth):
        before = _samples(client)
        text_plain = {**auth, "Content-Type": "text/plain"}
        assert client.post("/v1/readouts", content=READOUT, headers=text_plain).status_code == 201
        assert client.post("/v1/readouts", content=READOUT, headers=text_plain).status_code == 200
        assert client.post("/v1/readouts", content=READOUT + "\nAgain.", headers=text_plain,
                           params={"dry_run": "true"}).status_code == 200
        assert client.post("/v1/readouts", json={"text": ""}, headers=auth).status_code == 422
        after = _samples(client)
        for outcome, count in {"stored": 1, "duplicate": 1, "dry_run": 1, "refused": 1, "merged": 0}.items():
            name = "readout_readouts_ingested_total"
            assert _value(after, name, outcome=outcome) - _value(before, name, outcome=outcome) == count, outcome

    def test_bulk_line_counters(self, client, auth):
        before = _samples(client)
        lines = [json.dumps(event_body(date="2019-01-01")), json.dumps(event_body(date="2019-01-02")),
                 json.dumps(event_body(date="2019-01-01")), "not json"]
        response = client.post("/v1/events/bulk", content="\n".join(lines),
                               headers={**auth, "Content-Type": "application/x-ndjson"})
        assert response.status_code == 200, response.text
        after = _samples(client)
        name = "readout_bulk_lines_total"
        assert {o: _value(after, name, outcome=o) - _value(before, name, outcome=o)
                for o in ("stored", "duplicate", "refused")} == {"stored": 2, "duplicate": 1, "refused": 1}

    def test_unknown_methods_share_one_label(self, client):
        client.request("BREW", "/v1/events")
        assert 'method="BREW"' not in client.get("/metrics").text
        assert 'method="OTHER"' in client.get("/metrics").text

    def test_documented_as_text(self, client):
        operation = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
        assert list(operation["responses"]["200"]["content"]) == ["text/plain"]


@pytest.fixture
def live_server(settings, database) -> Iterator[tuple[str, Path]]:  # noqa: ANN001
    """`python -m app serve --workers 2`, as an operator starts it, its stderr kept in a file."""
    port = _free_port()
    stderr = Path(os.environ.get("TMPDIR", "/tmp")) / f"readout-serve-{uuid.uuid4().hex}.log"
    environment = {**os.environ, "DATABASE_URL": settings.database_url}
    environment.pop("LOG_FORMAT", None)
    with stderr.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "2"],
                                   env=environment, stdout=subprocess.DEVNULL, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield url, stderr
    finally:
        process.terminate()
        process.wait(timeout=30)
        stderr.unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_logs_json_lines_and_its_workers_metrics_add_up(live_server):
    url, stderr = live_server
    with httpx.Client(base_url=url, timeout=30) as client:
        before = _value(_samples(client), "readout_http_requests_total", method="GET", route="/healthz", status="200")
        ids = [f"live-{n}" for n in range(20)]
        for request_id in ids:
            # A new connection each time, so that both workers take some.
            assert httpx.get(f"{url}/healthz", headers={"X-Request-ID": request_id}).headers["x-request-id"] \
                == request_id
        after = _value(_samples(client), "readout_http_requests_total", method="GET", route="/healthz", status="200")
    # Whichever worker answers /metrics counts every worker's requests.
    assert after - before == len(ids)
    deadline = time.monotonic() + 10
    while True:  # the workers write their lines as they answer; give the last ones a moment
        records = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
        logged = [r["request_id"] for r in access_lines(records) if r["path"] == "/healthz"]
        if set(ids) <= set(logged) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    # Every line is JSON (json.loads above); each request has exactly one access line, from the app.
    assert sorted(r for r in logged if r in ids) == sorted(ids)
    assert not [r for r in records if r["logger"] == "uvicorn.access"]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
