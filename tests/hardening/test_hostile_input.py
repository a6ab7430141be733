"""Hostile input: oversized and lying bodies, NUL and broken UTF-8, deep nesting, huge lists, SQL- and
script-looking strings, forged cursors. Every answer is a 2xx or a 4xx problem; a refusal stores
nothing (the rows of every table are counted before and after), and no answer leaks SQL, a traceback
or, in a problem, the hostile value itself.

The body limits are tested against a live `python -m app serve` over raw sockets, where a client can
declare a length it never sends, stream a chunked body that never ends, or send more than it
declared, and at the ASGI level, where the server may hand over more bytes than Content-Length said.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import anyio
import pytest
from factories import DATA_TABLES, emptied_with_writer, event_body, shared_world
from servers import serving
from sqlalchemy import text

from app.core.config import Settings
from app.main import create_app

# Small limits for the live server, so that "over the limit" is cheap to send.
BODY_LIMIT = 4096
BULK_LIMIT = 16384

LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite3", "SELECT ", "syntax error", "IntegrityError",
         "DataError", "OperationalError")

SQL_PROBES = ["' OR '1'='1", "'; DROP TABLE event; --", '" OR 1=1 --', "1) UNION SELECT key_hash FROM api_key --",
              "%' OR 1=1 --", "%", "_", "\\", "'; SELECT pg_sleep(10); --"]
SCRIPT_PROBES = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
# Full-text syntax of SQLite FTS5 and PostgreSQL tsquery, which `q` must treat as plain words.
SEARCH_PROBES = ['a" OR "b', "NEAR(a b)", "a*", "-a", "(", '"', "^a", "a:b", "{a b}", "!a & b | c <-> d"]
PROBES = SQL_PROBES + SCRIPT_PROBES + SEARCH_PROBES

READOUT = ("Minsk, 3 May 2021\n\nPresident Aleksandr Lukashenko had a telephone conversation with President "
           "of Kazakhstan Kassym-Jomart Tokayev. They discussed trade.")

# The query parameters of every operation, from the app's own OpenAPI: a parameter added later is probed too.
_OPENAPI = create_app(Settings(database_url="sqlite:////nonexistent-readout-dir/never-opened.db")).openapi()
QUERY_PARAMETERS = sorted(
    (method.upper(), path, parameter["name"])
    for path, operations in _OPENAPI["paths"].items() for method, operation in operations.items()
    for parameter in operation.get("parameters", []) if parameter["in"] == "query"
)
PAGED = [("/v1/events", 500), ("/v1/people", 500), ("/v1/deletions", 500), ("/v1/stats/pairs", 1000)]


def row_counts(database: Any) -> dict[str, int]:
    """Rows of every table the API writes, counted in one statement."""
    counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in DATA_TABLES)
    with database.read_engine.connect() as connection:
        return dict(zip(DATA_TABLES, connection.execute(text(f"SELECT {counts}")).one(), strict=True))


def assert_no_leak(response: Any, *hostile: str) -> None:
    """No 5xx, nothing of SQL or Python internals in the answer, and in a problem not the hostile value."""
    assert response.status_code < 500, response.text[:500]
    answer = response.text
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        # Strings this short ("_", "a*") turn up in any problem; the longer ones must not come back.
        for value in hostile:
            assert len(value) < 5 or value not in answer, (value, answer[:500])
    else:
        for value in hostile:  # data answered as stored, which may well contain "SELECT "
            answer = answer.replace(json.dumps(value)[1:-1], "")
    for word in LEAKS:
        assert word not in answer, (word, answer[:500])


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


@pytest.fixture(scope="module")
def world(migrated_database_url: str) -> Iterator[dict[str, Any]]:
    """Four events (two of them then deleted), their people, one readout; a write key."""
    with shared_world(migrated_database_url) as state:
        client, auth = state["client"], emptied_with_writer(state["database"])
        ids = []
        for day in range(1, 5):
            body = event_body(date=f"2021-05-0{day}", sources=[{"publisher": "Press service",
                                                                 "text": f"{READOUT} (copy {day})"}])
            response = client.post("/v1/events", json=body, headers=auth)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        for event_id in ids[2:]:
            assert client.delete(f"/v1/events/{event_id}", headers=auth).status_code == 204
        state.update(auth=auth, event_ids=ids[:2])
        yield state


def refused(world: dict[str, Any], status: int, method: str, url: str, **request: Any) -> dict[str, Any]:
    """Send a request with the write key; it must be refused with `status`, storing nothing."""
    before = row_counts(world["database"])
    headers = {**world["auth"], **request.pop("headers", {})}
    response = world["client"].request(method, url, headers=headers, **request)
    problem = assert_problem(response, status)
    assert_no_leak(response)
    assert row_counts(world["database"]) == before
    return problem


# --- body limits against a live server ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(world: dict[str, Any], migrated_database_url: str) -> Iterator[tuple[str, int]]:
    with serving(migrated_database_url, MAX_BODY_BYTES=str(BODY_LIMIT), MAX_BULK_BODY_BYTES=str(BULK_LIMIT)) as (live,):
        address = urlsplit(live.url)
        yield address.hostname, address.port


def _head(method: str, path: str, auth: dict[str, str], **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: readout.test", *(f"{k}: {v}" for k, v in auth.items()),
             *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _exchange(address: tuple[str, int], head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request head and some body bytes, then read the first answer (10 s at most: a server
    that waits for the rest of the body fails the test instead of hanging it)."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(head)
        if body:
            connection.sendall(body)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def _chunked(data: bytes, size: int = 1024) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size))


@pytest.mark.parametrize(("path", "limit"), [("/v1/events", BODY_LIMIT), ("/v1/readouts", BODY_LIMIT),
                                             ("/v1/events/bulk", BULK_LIMIT)])
class TestBodyLimitsLive:
    def test_a_declared_length_over_the_limit_is_refused_before_any_body_is_sent(self, world, server, path, limit):
        before = row_counts(world["database"])
        head = _head("POST", path, world["auth"], Content_Type="application/json", Content_Length=str(limit + 1))
        status, headers, body = _exchange(server, head)  # not one byte of the body is sent
        assert status == 413 and headers["content-type"].startswith("application/problem+json")
        assert json.loads(body)["status"] == 413
        assert row_counts(world["database"]) == before

    def test_a_chunked_body_is_refused_once_past_the_limit_without_waiting_for_its_end(self, world, server, path,
                                                                                      limit):
        before = row_counts(world["database"])
        head = _head("POST", path, world["auth"], Content_Type="application/json", Transfer_Encoding="chunked")
        # Twice the limit, and never the last chunk: only a server that stops reading can answer.
        status, headers, _ = _exchange(server, head, _chunked(b"x" * (2 * limit)))
        assert status == 413 and headers["content-type"].startswith("application/problem+json")
        assert row_counts(world["database"]) == before

    def test_a_length_smaller_than_the_body_frames_the_request_and_the_rest_is_never_a_write(self, world, server,
                                                                                            path, limit):
        before = row_counts(world["database"])
        declared = b'{"kind": "meeting",'
        rest = json.dumps(event_body(date="2001-01-01")).encode() + b"\r\n" + b"x" * (4 * limit)
        head = _head("POST", path, world["auth"], Content_Type="application/json", Content_Length=str(len(declared)))
        status, _, _ = _exchange(server, head, declared + rest)
        assert 400 <= status < 500 or (path.endswith("/bulk") and status == 200)
        assert row_counts(world["database"]) == before
        readiness = _exchange(server, _head("GET", "/readyz", {}))
        assert readiness[0] == 200

    def test_a_body_shorter_than_declared_then_a_hang_up_stores_nothing(self, world, server, path, limit):
        before = row_counts(world["database"])
        head = _head("POST", path, world["auth"], Content_Type="application/json", Content_Length=str(limit - 1))
        with socket.create_connection(server, timeout=10) as connection:
            connection.sendall(head + b'{"kind": "meeting"')
            connection.shutdown(socket.SHUT_WR)
            connection.recv(65536)  # whatever the server says, if anything, before it closes
        assert _exchange(server, _head("GET", "/readyz", {}))[0] == 200
        assert row_counts(world["database"]) == before


def test_the_body_limit_does_not_trust_a_content_length_smaller_than_the_body(world, settings):
    """At the ASGI level a server may pass on more bytes than the request declared: the middleware
    counts what arrives, refuses past the limit and stops reading."""
    app = create_app(settings.model_copy(update={"max_body_bytes": BODY_LIMIT}))
    chunk, sent, answer = b"x" * 1024, [], []

    async def receive() -> dict[str, Any]:
        sent.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": len(sent) < 64}

    async def send(message: dict[str, Any]) -> None:
        answer.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/events", "raw_path": b"/v1/events", "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), (b"content-length", b"10"),
                         *((k.lower().encode(), v.encode()) for k, v in world["auth"].items())],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}
    before = row_counts(world["database"])
    anyio.run(app, scope, receive, send)
    assert answer[0]["type"] == "http.response.start" and answer[0]["status"] == 413
    assert len(sent) <= BODY_LIMIT // len(chunk) + 1  # stopped reading at the limit, not at the end
    assert row_counts(world["database"]) == before


# --- NUL bytes and invalid UTF-8 ------------------------------------------------------------------

EVENT_TEXT_FIELDS = {
    "summary": lambda v: event_body(summary=v),
    "participant name": lambda v: event_body(participants=[{"name": v, "country": "BY"}, {"name": "Joe Biden",
                                                                                       "country": "US"}]),
    "participant title": lambda v: event_body(participants=[{"title": v, "country": "BY"}, {"name": "Joe Biden",
                                                                                         "country": "US"}]),
    "source publisher": lambda v: event_body(sources=[{"publisher": v}]),
    "source text": lambda v: event_body(sources=[{"text": READOUT + v}]),
    "source url": lambda v: event_body(sources=[{"url": "https://example.org/" + v}]),
}
READOUT_BODIES = {
    "readout text": lambda v: {"text": READOUT + v},
    "readout publisher": lambda v: {"text": READOUT, "publisher": v},
    "override summary": lambda v: {"text": READOUT, "overrides": {"summary": v}},
}


class TestNulAndBrokenUtf8:
    @pytest.mark.parametrize("field", sorted(EVENT_TEXT_FIELDS))
    def test_nul_in_an_event_field_is_a_422(self, world, field):
        body = EVENT_TEXT_FIELDS[field]("a\x00b")
        refused(world, 422, "POST", "/v1/events", json=body)

    @pytest.mark.parametrize("field", sorted(READOUT_BODIES))
    def test_nul_in_a_readout_field_is_a_422(self, world, field):
        body = READOUT_BODIES[field]("a\x00b")
        refused(world, 422, "POST", "/v1/readouts", json=body)

    def test_nul_in_a_correction_is_a_422(self, world):
        event_id = world["event_ids"][0]
        refused(world, 422, "PATCH", f"/v1/events/{event_id}", json={"summary": "a\x00b"})

    def test_nul_in_a_plain_text_readout_is_a_422(self, world):
        refused(world, 422, "POST", "/v1/readouts", content=(READOUT + "\x00").encode(),
                headers={"Content-Type": "text/plain"})

    @pytest.mark.parametrize(("path", "media_type"), [("/v1/events", "application/json"),
                                                      ("/v1/readouts", "application/json"),
                                                      ("/v1/readouts", "text/plain"),
                                                      ("/v1/events/{event_id}", "application/json")])
    def test_invalid_utf8_in_a_body_is_a_422(self, world, path, media_type):
        raw = (json.dumps(event_body(summary="@")).encode() if path == "/v1/events" else
               json.dumps({"text": READOUT + "@"}).encode() if media_type == "application/json" and "readouts" in path
               else (READOUT + "@").encode() if media_type == "text/plain" else b'{"summary": "@"}')
        for broken in (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"):  # bad byte, bad pair, surrogate, > U+10FFFF
            body = raw.replace(b"@", broken)
            method = "PATCH" if "{event_id}" in path else "POST"
            url = path.replace("{event_id}", world["event_ids"][0])
            refused(world, 422, method, url, content=body, headers={"Content-Type": media_type})

    @pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud800b", "\\u0000"])
    def test_escaped_lone_surrogates_and_nul_in_json_are_a_422(self, world, escape):
        event = json.dumps(event_body(summary="@")).replace("@", escape)
        readout = json.dumps({"text": READOUT + "@"}).replace("@", escape)
        for path, body in (("/v1/events", event), ("/v1/readouts", readout)):
            refused(world, 422, "POST", path, content=body, headers={"Content-Type": "application/json"})

    def test_bulk_refuses_such_lines_alone(self, world):
        good = json.dumps(event_body(date="2003-03-03")).encode()
        bad = [json.dumps(event_body(summary="a\x00b")).encode(), good.replace(b"2003-03-03", b"2003-03-\xff3"),
               json.dumps(event_body(summary="@")).replace("@", "\\ud800").encode(), b"[" * 50_000 + b"]" * 50_000]
        before = row_counts(world["database"])
        response = world["client"].post("/v1/events/bulk", content=b"\n".join([*bad, good]),
                                        headers={**world["auth"], "Content-Type": "application/x-ndjson"})
        assert_no_leak(response)
        result = response.json()
        assert (result["created"], result["refused"]) == (1, len(bad)), result
        assert [e["line"] for e in result["errors"]] == [1, 2, 3, 4]
        assert row_counts(world["database"])["event"] == before["event"] + 1
        world["client"].delete(f"/v1/events/{result['created_ids'][0]}", headers=world["auth"])

    @pytest.mark.parametrize(("method", "path", "name"), QUERY_PARAMETERS)
    def test_nul_and_invalid_utf8_in_any_query_parameter_are_a_422(self, world, method, path, name):
        url = path.replace("{event_id}", world["event_ids"][0])
        for raw in ("a%00b", "%00", "%FF", "a%C3%28", "%ED%A0%80"):
            problem = refused(world, 422, method, f"{url}?{name}={raw}",
                              content=READOUT.encode() if method == "POST" else None,
                              headers={"Content-Type": "text/plain"})
            assert problem["errors"][0]["location"] == "query"


# --- sizes: page size, nesting, lists ---------------------------------------------------------------


@pytest.mark.parametrize(("path", "maximum"), PAGED)
def test_a_page_size_over_the_maximum_is_a_422_naming_limit(world, path, maximum):
    for limit in (maximum + 1, 10**6, 10**30, 0, -1, "ten", ""):
        problem = refused(world, 422, "GET", path, params={"limit": limit})
        assert [e["field"] for e in problem["errors"]] == ["limit"]
    assert world["client"].get(path, params={"limit": maximum}).status_code == 200


def test_a_lower_configured_page_size_is_enforced_too(world, settings):
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings.model_copy(update={"max_page_size": 20}))) as client:
        assert client.get("/v1/events", params={"limit": 20}).status_code == 200
        assert_problem(client.get("/v1/events", params={"limit": 21}), 422)


NESTED = {"array": "[" * 100_000 + "]" * 100_000, "object": '{"a":' * 60_000 + "1" + "}" * 60_000}


@pytest.mark.parametrize("shape", sorted(NESTED))
def test_deeply_nested_json_is_a_422(world, shape):
    deep = NESTED[shape]
    bodies = {"/v1/events": deep, "/v1/readouts": deep,
              "/v1/readouts?dry_run=true": json.dumps({"text": READOUT, "overrides": "@"}).replace('"@"', deep),
              f"/v1/events/{world['event_ids'][0]}": json.dumps({"summary": "@"}).replace('"@"', deep)}
    for url, body in bodies.items():
        method = "POST" if "readouts" in url or url == "/v1/events" else "PATCH"
        refused(world, 422, method, url, content=body, headers={"Content-Type": "application/json"})


LIST_MAXIMA = {"participants": 100, "topics": 100, "mentioned_countries": 300, "organizations": 200, "sources": 50}


class TestListSizes:
    """Lists in a body have documented maxima (maxItems in the OpenAPI), enforced by the request models."""

    def test_the_maxima_are_documented(self):
        properties = _OPENAPI["components"]["schemas"]["EventCreate"]["properties"]
        assert {name: properties[name]["maxItems"] for name in LIST_MAXIMA} == LIST_MAXIMA

    def test_a_hundred_participants_are_taken_and_one_more_is_a_422(self, world):
        # 120 names that the service's name folding keeps apart (names differing in vowels only are one person).
        names = [f"{given} {'BDFGL'[n % 5]}o{'mnprstvz'[n // 5]}a" for given in ("Zebulon", "Kasimir", "Hortensia")
                 for n in range(40)]
        people = [{"name": name, "country": "FR"} for name in names[:101]]
        problem = refused(world, 422, "POST", "/v1/events", json=event_body(date="2004-04-04", participants=people))
        assert [e["field"] for e in problem["errors"]] == ["participants"]
        response = world["client"].post("/v1/events", json=event_body(date="2004-04-04", participants=people[:100]),
                                        headers=world["auth"])
        assert response.status_code == 201 and len(response.json()["participants"]) == 100
        world["client"].delete(f"/v1/events/{response.json()['id']}", headers=world["auth"])

    @pytest.mark.parametrize("name", ["participants", "topics", "mentioned_countries", "organizations", "sources"])
    def test_a_huge_list_is_a_422_naming_it(self, world, name):
        item = {"participants": {"name": "A B", "country": "FR"}, "topics": "trade-economy",
                "mentioned_countries": "FR", "organizations": "EU", "sources": {"publisher": "P"}}[name]
        problem = refused(world, 422, "POST", "/v1/events", json=event_body(**{name: [item] * 20_000}))
        assert [e["field"] for e in problem["errors"]] == [name]

    def test_too_many_repeats_of_a_filter_is_a_422(self, world):
        refused(world, 422, "GET", "/v1/events", params={"country": ["FR"] * 51})


# --- SQL- and script-looking strings ----------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "name"), QUERY_PARAMETERS)
def test_hostile_strings_in_every_query_parameter(world, method, path, name):
    """Answered 2xx or 4xx, nothing leaked or echoed, nothing stored by a refusal; a text filter that
    is not in the data finds nothing (a wildcard or an operator is not let through as one)."""
    client = world["client"]
    for probe in PROBES:
        before = row_counts(world["database"])
        params = {**({"dry_run": "true"} if method == "POST" else {}), name: probe}
        response = client.request(method, path, params=params, content=READOUT.encode() if method == "POST" else None,
                                  headers={**world["auth"], "Content-Type": "text/plain"})
        assert_no_leak(response, probe)
        assert row_counts(world["database"]) == before
        if (path, name) in {("/v1/events", "q"), ("/v1/events", "person"), ("/v1/people", "q")}:
            # Operators, quotes and wildcards are not syntax: the answer is the one to the words alone.
            words = " ".join(re.findall(r"\w+", probe))
            plain = client.get(path, params={name: words}) if words else None
            expected = plain.json()["data"] if plain is not None and plain.status_code == 200 else []
            assert response.status_code == 200 and response.json()["data"] == expected, (probe, response.text[:300])


@pytest.mark.parametrize("probe", PROBES)
def test_hostile_strings_in_every_text_field_are_stored_as_text(world, probe):
    """Taken as data: stored and answered exactly as sent, with every table still there."""
    client, auth = world["client"], world["auth"]
    body = event_body(date="2005-05-05", summary=probe,
                      participants=[{"name": f"Ann {probe}", "title": probe, "country": "BY"},
                                    {"name": "Joe Biden", "country": "US"}],
                      sources=[{"publisher": probe, "text": f"{READOUT} {probe}", "url": "https://example.org/"
                                + quote(probe)}])
    response = client.post("/v1/events", json=body, headers=auth)
    assert_no_leak(response, probe)
    assert response.status_code == 201, response.text
    event = client.get(f"/v1/events/{response.json()['id']}").json()
    assert event["summary"] == probe and event["participants"][0]["title"] == probe
    assert event["participants"][0]["name"] == f"Ann {probe}" and event["sources"][0]["publisher"] == probe
    readout = client.get(f"/v1/readouts/{event['sources'][0]['readout_id']}").json()
    assert readout["text"] == f"{READOUT} {probe}"
    corrected = client.patch(f"/v1/events/{event['id']}", json={"summary": probe[::-1]}, headers=auth)
    assert corrected.status_code == 200 and corrected.json()["summary"] == probe[::-1]
    posted = client.post("/v1/readouts", params={"dry_run": "true", "publisher": probe},
                         content=f"{READOUT} {probe}".encode(), headers={**auth, "Content-Type": "text/plain"})
    assert_no_leak(posted, probe)
    assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 204
    assert client.get("/v1/events", params={"date_from": "2021-05-01"}).json()["data"]  # the seeded events remain


# --- cursors ------------------------------------------------------------------------------------------


def _cursor(client: Any, path: str, **params: Any) -> str:
    page = client.get(path, params={"limit": 1, **params}).json()
    assert page["next_cursor"], page
    return page["next_cursor"]


def _payload(cursor: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def _encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/v1/events", "/v1/people", "/v1/deletions"])
def test_forged_truncated_tampered_and_replayed_cursors_are_400(world, path):
    client = world["client"]
    issued = _cursor(client, path)
    payload = _payload(issued)
    assert client.get(path, params={"cursor": issued}).status_code == 200
    forged = ["x", "AAAA", "%%%", "=" * 8, _encode([1, 2]), _encode({"p": {"i": 1}, "f": "0" * 16}), _encode("p"),
              base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(), "A" * 513, _encode({"p": [], "f": payload["f"]})]
    truncated = [issued[:-1], issued[:-4], issued[: len(issued) // 2]]
    tampered = [issued[:10] + ("A" if issued[10] != "A" else "B") + issued[11:], _encode({"p": {}, "f": payload["f"]})]
    # Positions edited into what this service never issues. (An edit into another valid position is
    # served: cursors are not signed, and it only moves the client's place in a result it may read
    # anyway; see app.services.pagination.)
    edits = [{"i": -1}, {"i": 0}, {"i": 2**63}, {"i": 10**40}, {"i": "1"}, {"i": 1.5}, {"i": None}, {"i": True},
             {"d": "not a date"}, {"d": 20210101}, {"d": None}, {"t": "2020-01-01T00:00:00"}, {"t": "yesterday"},
             {"t": 0}]
    tampered += [_encode({**payload, "p": {**payload["p"], **edit}}) for edit in edits if set(edit) <= set(payload["p"])]
    for cursor in forged + truncated + tampered:
        problem = refused(world, 400, "GET", path, params={"cursor": cursor})
        assert problem["type"].endswith("/invalid-cursor")


@pytest.mark.parametrize(("path", "issued_with", "replayed_with"), [
    ("/v1/events", {"country": "BY"}, {"country": "US"}),
    ("/v1/events", {}, {"sort": "date"}),
    ("/v1/events", {}, {"q": "trade"}),
    ("/v1/people", {}, {"country": "BY"}),
    ("/v1/deletions", {}, {"since": "2000-01-01T00:00:00Z"}),
])
def test_a_cursor_replayed_with_other_filters_is_400(world, path, issued_with, replayed_with):
    issued = _cursor(world["client"], path, **issued_with)
    problem = refused(world, 400, "GET", path, params={**replayed_with, "cursor": issued})
    assert problem["type"].endswith("/invalid-cursor")


def test_a_cursor_of_one_list_is_refused_by_another(world):
    events, people = _cursor(world["client"], "/v1/events"), _cursor(world["client"], "/v1/people")
    for path, cursor in (("/v1/people", events), ("/v1/deletions", events), ("/v1/events", people)):
        assert_problem(world["client"].get(path, params={"cursor": cursor}), 400)


PATH_PARAMETER_ROUTES = sorted(path for path, operations in _OPENAPI["paths"].items() if "{" in path and "get" in operations)


@pytest.mark.parametrize("path", PATH_PARAMETER_ROUTES)
def test_hostile_ids_in_paths_are_404_without_echo(world, path):
    """The problem names the request only by its `instance`, the path as sent (percent-encoded)."""
    for probe in [*PROBES, "1 OR 1=1", "1;DELETE FROM event", "../../etc/passwd", "9" * 40, "-1", "0x10"]:
        url = path.replace(path[path.index("{"):path.index("}") + 1], quote(probe, safe=""))
        response = world["client"].get(url)
        problem = assert_problem(response, 404)
        assert problem.pop("instance") == url
        assert_no_leak(response)
        assert len(probe) < 5 or probe not in json.dumps(problem, ensure_ascii=False), (probe, problem)


@pytest.mark.parametrize(("field", "value"), [("duration_minutes", False), ("duration_minutes", "30"),
                                              ("duration_minutes", 30.5), ("duration_approximate", "yes"),
                                              ("duration_approximate", 1), ("date", 20201024), ("kind", ["meeting"])])
def test_values_of_the_wrong_json_type_are_a_422_not_coerced(world, field, value):
    """`false` is not 0 minutes, nor "yes" true: JSON types are taken as they are."""
    for method, url, body in (("POST", "/v1/events", event_body(**{field: value})),
                              ("PATCH", f"/v1/events/{world['event_ids'][0]}", {field: value})):
        problem = refused(world, 422, method, url, json=body)
        assert [e["field"] for e in problem["errors"]] == [field]
