"""Errors: every one an RFC 9457 problem; 404, 405, 413 (declared and chunked bodies), 500 without internals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from factories import event_body, make_event
from fastapi.testclient import TestClient

from app.main import create_app

BODY_LIMIT = 4_000
BULK_LIMIT = 40_000


def assert_problem(response, status: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    for word in ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite3"):
        assert word not in response.text
    return problem


@pytest.fixture
def small(settings, database) -> Iterator[TestClient]:
    """A client of an app with small body limits."""
    limited = settings.model_copy(update={"max_body_bytes": BODY_LIMIT, "max_bulk_body_bytes": BULK_LIMIT})
    with TestClient(create_app(limited)) as limited_client:
        yield limited_client


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _event_json(padding: int) -> bytes:
    return json.dumps(event_body(summary="x" * padding)).encode()


def _ndjson(lines: int) -> bytes:
    first = dt.date(2000, 1, 1)
    return "\n".join(json.dumps(event_body(date=(first + dt.timedelta(days=n)).isoformat(), summary=f"line {n}"))
                     for n in range(lines)).encode()


class TestNotFound:
    @pytest.mark.parametrize("path", ["/nope", "/v1", "/v1/event", "/v1/events/1/unknown", "/v2/events",
                                      "/v1/readouts/999999", "/v1/readouts/abc", "/v1/people/999999",
                                      "/v1/people/x", "/v1/events/999999/history", "/v1/events/%00"])
    def test_unknown_routes_and_ids(self, client, path):
        assert_problem(client.get(path), 404)

    def test_a_route_that_exists_for_other_ids(self, client, auth):
        event = make_event(client, auth)
        assert client.get(f"/v1/events/{event['id']}").status_code == 200
        assert_problem(client.get(f"/v1/events/{int(event['id']) + 1000}"), 404)


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/v1/events", {"GET", "POST"}),
            ("PUT", "/v1/events", {"GET", "POST"}),
            ("PUT", "/v1/events/1", {"GET", "PATCH", "DELETE"}),
            ("POST", "/v1/events/1", {"GET", "PATCH", "DELETE"}),
            ("GET", "/v1/events/bulk", {"POST"}),
            ("POST", "/healthz", {"GET"}),
            ("DELETE", "/v1/people", {"GET"}),
            ("PATCH", "/v1/deletions", {"GET"}),
        ],
    )
    def test_405_with_allow(self, client, auth, method, path, allowed):
        response = client.request(method, path, headers=auth)
        if (method, path) == ("GET", "/v1/events/bulk"):
            # "bulk" is also a well-formed event path, so a read of it may be answered as an unknown event.
            assert response.status_code in {404, 405}
            if response.status_code == 404:
                return
        assert_problem(response, 405)
        assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}

    @pytest.mark.parametrize(("method", "path"), [("DELETE", "/v1/events"), ("PUT", "/v1/events/1"),
                                                  ("POST", "/healthz")])
    def test_405_is_a_problem_with_an_allow_header(self, client, auth, method, path):
        response = client.request(method, path, headers=auth)
        assert_problem(response, 405)
        assert "GET" in response.headers["allow"]
        assert method not in response.headers["allow"]


class TestBodyTooLarge:
    def test_under_the_limit_is_accepted(self, small, auth):
        body = _event_json(BODY_LIMIT - 1200)
        assert len(body) <= BODY_LIMIT
        assert small.post("/v1/events", content=body, headers={**auth, "Content-Type": "application/json"}) \
            .status_code == 201

    def test_declared_length_over_the_limit(self, small, auth):
        body = _event_json(BODY_LIMIT)
        response = small.post("/v1/events", content=body, headers={**auth, "Content-Type": "application/json"})
        assert_problem(response, 413)
        assert small.get("/v1/events").json()["data"] == []

    def test_chunked_body_over_the_limit(self, small, auth):
        body = _event_json(BODY_LIMIT * 3)
        response = small.post("/v1/events", content=_chunks(body),
                              headers={**auth, "Content-Type": "application/json"})
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_problem(response, 413)
        assert small.get("/v1/events").json()["data"] == []

    def test_chunked_body_under_the_limit_is_accepted(self, small, auth):
        response = small.post("/v1/events", content=_chunks(_event_json(100), 50),
                              headers={**auth, "Content-Type": "application/json"})
        assert response.status_code == 201, response.text

    def test_over_the_limit_even_without_a_key(self, small):
        # A large body is refused whoever sends it; it is not read into memory to find out.
        response = small.post("/v1/events", content=_event_json(BODY_LIMIT * 2),
                              headers={"Content-Type": "application/json"})
        assert response.status_code in {401, 413}

    def test_bulk_has_its_own_larger_limit(self, small, auth):
        body = _ndjson(60)
        assert BODY_LIMIT < len(body) < BULK_LIMIT
        response = small.post("/v1/events/bulk", content=body, headers={**auth, "Content-Type": "application/x-ndjson"})
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 60
        # The larger limit is the bulk endpoint's alone.
        assert_problem(small.post("/v1/events", content=body, headers={**auth, "Content-Type": "application/json"}),
                       413)

    @pytest.mark.parametrize("chunked", [False, True])
    def test_bulk_over_its_limit(self, small, auth, chunked):
        body = _ndjson(600)
        assert len(body) > BULK_LIMIT
        response = small.post("/v1/events/bulk", content=_chunks(body, 4096) if chunked else body,
                              headers={**auth, "Content-Type": "application/x-ndjson"})
        assert_problem(response, 413)
        assert small.get("/v1/events").json()["data"] == []


class TestServerError:
    def test_an_unhandled_exception_is_a_500_problem_without_internals(self, settings, database):
        app = create_app(settings)

        def explode() -> None:
            raise RuntimeError("secret internal detail: password=hunter2")

        app.add_api_route("/v1/boom", explode, methods=["GET"])
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/v1/boom")
            problem = assert_problem(response, 500)
            assert "hunter2" not in response.text
            assert "RuntimeError" not in response.text
            assert "secret" not in problem["detail"]
            # The service is still up after it.
            assert client.get("/healthz").status_code == 200


class TestEveryErrorIsAProblem:
    @pytest.mark.parametrize(
        ("method", "path", "kwargs", "status"),
        [
            ("GET", "/nope", {}, 404),
            ("GET", "/v1/events/999999", {}, 404),
            ("DELETE", "/v1/events", {}, 405),
            ("GET", "/v1/events", {"params": {"limit": 501}}, 422),
            ("GET", "/v1/events", {"params": {"country": "Narnia"}}, 422),
            ("GET", "/v1/events", {"params": {"cursor": "garbage"}}, 400),
            ("POST", "/v1/events", {"json": event_body()}, 401),
            ("POST", "/v1/events", {"json": event_body(kind="dinner"), "auth": True}, 422),
            ("POST", "/v1/events", {"content": b"{", "auth": True, "headers": {"Content-Type": "application/json"}},
             422),
            ("PATCH", "/v1/events/999999", {"json": {"summary": "x"}, "auth": True}, 404),
            ("GET", "/v1/people", {"params": {"country": "Narnia"}}, 422),
            ("GET", "/v1/stats/timeline", {"params": {"interval": "decade"}}, 422),
            ("GET", "/v1/deletions", {"params": {"since": "yesterday"}}, 422),
            ("GET", "/v1/countries", {"params": {"kind": "planet"}}, 422),
        ],
    )
    def test_problem_shape(self, client, auth, method, path, kwargs, status):
        kwargs = dict(kwargs)
        headers = {**kwargs.pop("headers", {}), **(auth if kwargs.pop("auth", False) else {})}
        problem = assert_problem(client.request(method, path, headers=headers, **kwargs), status)
        if status == 422:
            assert problem["errors"]
            assert all(error["field"] and error["detail"] for error in problem["errors"])

    def test_read_key_on_a_write_is_a_403_problem(self, client, read_key):
        assert_problem(client.post("/v1/events", json=event_body(), headers={"Authorization": f"Bearer {read_key}"}),
                       403)


class TestOpenApiDocumentsProblems:
    def test_error_responses_are_problem_json(self, client):
        schema = client.get("/openapi.json").json()
        documented = 0
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for status, response in operation.get("responses", {}).items():
                    if not status.startswith(("4", "5")):
                        continue
                    content = response.get("content", {})
                    assert "application/json" not in content, (method, path, status)
                    if content:
                        assert "application/problem+json" in content, (method, path, status)
                        documented += 1
        assert documented > 10

    @pytest.mark.parametrize(("method", "path", "statuses"), [
        ("post", "/v1/events", {"401", "403", "413", "422"}),
        ("post", "/v1/events/bulk", {"401", "403", "413"}),
        ("patch", "/v1/events/{event_id}", {"401", "403", "404", "422"}),
        ("delete", "/v1/events/{event_id}", {"401", "403", "404"}),
        ("get", "/v1/events", {"400", "422"}),
        ("get", "/v1/events/{event_id}", {"404"}),
    ])
    def test_the_main_routes_document_their_errors(self, client, method, path, statuses):
        responses = client.get("/openapi.json").json()["paths"][path][method]["responses"]
        assert statuses <= set(responses)
        for status in statuses:
            assert "application/problem+json" in responses[status].get("content", {}), status
