"""Every write route refuses a request without a live write key, found from the route table itself.

The write routes are not listed here: they are every operation of the application other than
GET/HEAD/OPTIONS, found by walking `app.routes` (and the routers FastAPI wraps on inclusion). A route
added later without the write-key dependency is therefore tested as soon as it exists, and fails.
Each is sent, with a body it would accept (and with a body it would not), no key, malformed keys, a
well-formed unknown key, a revoked key and a read-only key: the answers are 401 problems with a
`WWW-Authenticate: Bearer` challenge, or 403 for the read-only key, and no row of any table changes.
A write key then gets past the door, so the refusals are the keys' doing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from factories import DATA_TABLES, emptied_with_writer, event_body, make_event, shared_world
from fastapi.routing import APIRoute
from sqlalchemy import text

from app.api.deps import require_write_key
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.models.api_key import KeyScope
from app.services import keys as key_service

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READOUT = ("Minsk, 3 May 2021\n\nPresident Aleksandr Lukashenko had a telephone conversation with "
           "President of Kazakhstan Kassym-Jomart Tokayev.")


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, included routers flattened (FastAPI keeps them under `original_router`)."""
    pending = list(routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)
        if included is not None:
            pending += included.routes
        elif isinstance(route, APIRoute):
            yield route


def write_routes(app: Any) -> list[tuple[str, str]]:
    return sorted({(method, route.path_format) for route in _api_routes(app.routes)
                   for method in route.methods - SAFE_METHODS})


# Built on no database, only to read its route table at collection.
_APP = create_app(Settings(database_url="sqlite:////nonexistent-readout-dir/never-opened.db"))
WRITE_ROUTES = write_routes(_APP)


def _valid_request(method: str, path: str) -> dict[str, Any]:
    """A body this route would accept with a write key. Routes not known here get an empty object:
    without the key dependency they would answer something else than 401, which is all it takes."""
    if path == "/v1/events/bulk":
        return {"content": json.dumps(event_body(date="2001-01-01")), "headers": {"Content-Type": "application/x-ndjson"}}
    if path == "/v1/events":
        return {"json": event_body(date="2001-01-02")}
    if path == "/v1/readouts":
        return {"content": READOUT, "headers": {"Content-Type": "text/plain"}}
    if method == "DELETE":
        return {}
    return {"json": {"summary": "Changed by someone who may not."}}


INVALID_REQUEST = {"content": b'{"not json', "headers": {"Content-Type": "application/json"}}

MALFORMED_AUTHORIZATIONS = ["Bearer", "Bearer ", "Bearer rdk_", "Bearer rdk__", "Bearer nonsense", "Basic dXNlcjpwYXNz",
                            "bearer\tx", "Token {key}", "{key}", "Bearer {key}x", "Bearer {key_truncated}",
                            "Bearer " + "a" * 5000, "Bearer rdk_" + "0" * 12 + "_" + "\u00e9" * 10]
# Well formed, of no key: the right prefix and shapes, an unknown prefix and secret.
WRONG_KEY = "rdk_0123456789ab_" + "A" * 43


def _url(path: str, event_id: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path.replace("{event_id}", event_id))


def row_counts(database: Database) -> dict[str, int]:
    """Rows of every table the API writes, counted in one statement."""
    counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in DATA_TABLES)
    with database.read_engine.connect() as connection:
        return dict(zip(DATA_TABLES, connection.execute(text(f"SELECT {counts}")).one(), strict=True))


@pytest.fixture(scope="module")
def _world_state(migrated_database_url: str) -> Iterator[dict[str, Any]]:
    with shared_world(migrated_database_url) as state:
        state["event"] = None
        yield state


@pytest.fixture
def world(_world_state: dict[str, Any]) -> dict[str, Any]:
    """One stored event, a write key, a read key and a revoked write key, stored once for the module
    and again whenever a test (or another module) has changed them."""
    state, client = _world_state, _world_state["client"]
    if state["event"] is None or client.get(f"/v1/events/{state['event']['id']}").json() != state["event"]:
        auth = emptied_with_writer(state["database"])
        state["write_key"] = auth["Authorization"].removeprefix("Bearer ")
        with state["database"].write_session() as session:
            _, state["read_key"] = key_service.create_key(session, name="dashboard", scope=KeyScope.read)
            _, state["revoked_key"] = key_service.create_key(session, name="former-analyst", scope=KeyScope.write)
        with state["database"].write_session() as session:
            key_service.revoke_key(session, name="former-analyst")
        state["event"] = make_event(client, auth)
    return state


def _send(world: dict[str, Any], method: str, path: str, authorization: str | None, request: dict[str, Any]):  # noqa: ANN202
    headers = dict(request.get("headers", {}))
    if authorization is not None:
        headers["Authorization"] = authorization.encode()  # bytes: some malformed keys are not ASCII
    body = {k: v for k, v in request.items() if k != "headers"}
    return world["client"].request(method, _url(path, world["event"]["id"]), headers=headers, **body)


def _assert_refused(response, status: int, *secrets: str) -> None:  # noqa: ANN001
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer")
    for secret in secrets:
        assert secret not in response.text


def test_the_route_table_yields_the_write_routes_of_the_contract():
    assert WRITE_ROUTES, "no write route found: the route walk is broken"
    assert {("POST", "/v1/events"), ("POST", "/v1/events/bulk"), ("POST", "/v1/readouts"),
            ("PATCH", "/v1/events/{event_id}"), ("DELETE", "/v1/events/{event_id}")} <= set(WRITE_ROUTES)


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
class TestEveryWriteRouteNeedsAWriteKey:
    def test_the_route_depends_on_the_write_key(self, method, path):
        route = next(r for r in _api_routes(_APP.routes) if r.path_format == path and method in r.methods)
        calls, pending = set(), list(route.dependant.dependencies)
        while pending:
            dependency = pending.pop()
            calls.add(dependency.call)
            pending += dependency.dependencies
        assert require_write_key in calls, f"{method} {path} does not depend on require_write_key"

    def test_no_key_a_malformed_wrong_or_revoked_key_is_401_and_a_read_only_key_403(self, world, method, path):
        key = world["write_key"]
        refusals = [(None, 401), *((template.format(key=key, key_truncated=key[:-1]), 401)
                                   for template in MALFORMED_AUTHORIZATIONS),
                    (f"Bearer {WRONG_KEY}", 401), (f"Bearer {world['revoked_key']}", 401),
                    (f"Bearer {world['read_key']}", 403)]
        before = row_counts(world["database"])
        for authorization, status in refusals:
            # With a body the route would take, and with one it would refuse: the key is checked first.
            for request in (_valid_request(method, path), INVALID_REQUEST):
                response = _send(world, method, path, authorization, request)
                _assert_refused(response, status, *(k for k in (key, world["revoked_key"], world["read_key"])))
        assert row_counts(world["database"]) == before
        assert world["client"].get(f"/v1/events/{world['event']['id']}").json() == world["event"]

    def test_a_write_key_gets_through(self, world, method, path):
        """The control: the same request with the write key is served, so the refusals above were the
        keys' doing and not the request's."""
        response = _send(world, method, path, f"Bearer {world['write_key']}", _valid_request(method, path))
        assert response.status_code < 300, response.text


def test_with_read_keys_required_every_read_answers_a_documented_401(settings, database, read_key):
    """An operator may require keys for reads too: then every /v1 read answers 401 without one, and its
    OpenAPI says so."""
    from fastapi.testclient import TestClient

    locked = create_app(settings.model_copy(update={"require_read_key": True}))
    reads = [(path, operation) for path, operations in locked.openapi()["paths"].items() if path.startswith("/v1/")
             for method, operation in operations.items() if method == "get"]
    assert reads
    with TestClient(locked) as client:
        for path, operation in reads:
            assert "401" in operation["responses"], path
            url = re.sub(r"\{[^}]+\}", "1", path)
            _assert_refused(client.get(url), 401)
            assert client.get(url, headers={"Authorization": f"Bearer {read_key}"}).status_code in (200, 404)
