"""API keys: every write needs a live write-scoped key; reads are open unless the operator says otherwise."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from factories import empty_database, event_body, make_event, shared_world
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, table, text

from app.core.config import Settings
from app.main import create_app
from app.models.api_key import KeyScope
from app.services import keys as key_service

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def _route_table(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """(method, path) of every route the application serves, included routers flattened."""
    try:
        from fastapi.routing import (
            iter_route_contexts,  # FastAPI with lazily included routers
        )
        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    # path_format: the path without `:convertor` parts (`/v1/events/{event_id}`).
    return sorted({(method, getattr(route, "path_format", route.path)) for route in routes
                   for method in (getattr(route, "methods", None) or ())})


_APP = create_app(Settings(database_url="sqlite:////nonexistent-readout-dir/never-opened.db"))
WRITE_ROUTES = [(method, path) for method, path in _route_table(_APP) if method in WRITE_METHODS]
READ_ROUTES = [(method, path) for method, path in _route_table(_APP)
               if method == "GET" and path.startswith("/v1/")]


def _request(client, method: str, path: str, event_id: str, headers: dict[str, str]):  # noqa: ANN001, ANN201
    url = re.sub(r"\{event_id\}", event_id, path)
    url = re.sub(r"\{[^}]+\}", "1", url)
    kwargs: dict[str, Any] = {}
    if path.endswith("/bulk"):
        kwargs["content"] = json.dumps(event_body(date="2001-01-01"))
        headers = {**headers, "Content-Type": "application/x-ndjson"}
    elif path == "/v1/events":
        kwargs["json"] = event_body(date="2001-01-02")
    elif path == "/v1/readouts":
        kwargs["json"] = {"text": "President A had a telephone conversation with President B."}
    elif method != "DELETE":
        kwargs["json"] = {"summary": "Changed by someone who should not."}
    return client.request(method, url, headers=headers, **kwargs)


@pytest.fixture
def stored_event(client, auth) -> dict[str, Any]:
    return make_event(client, auth)


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url) as state:
        state.update({"event": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """A namespace with client, database, event, write_key, read_key: stored once for the refusal tests,
    which must leave them as they are (stored again if not)."""
    state = _world_state
    if state["event"] is None or state["client"].get(f"/v1/events/{state['event']['id']}").json() != state["event"]:
        empty_database(state["database"])
        with state["database"].write_session() as session:
            _, state["write_key"] = key_service.create_key(session, name="analyst", scope=KeyScope.write)
            _, state["read_key"] = key_service.create_key(session, name="dashboard", scope=KeyScope.read)
        state["event"] = make_event(state["client"], {"Authorization": f"Bearer {state['write_key']}"})
    return type("World", (), state)


def _assert_nothing_changed(client, event: dict[str, Any]) -> None:  # noqa: ANN001
    assert client.get(f"/v1/events/{event['id']}").json() == event
    assert [e["id"] for e in client.get("/v1/events").json()["data"]] == [event["id"]]


def _assert_problem(response, status: int) -> None:  # noqa: ANN001
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


class TestRouteTable:
    def test_the_write_routes_of_the_contract_are_all_found(self):
        assert {("POST", "/v1/events"), ("POST", "/v1/events/bulk"), ("POST", "/v1/readouts"),
                ("PATCH", "/v1/events/{event_id}"), ("DELETE", "/v1/events/{event_id}")} <= set(WRITE_ROUTES)


WRONG_AUTHORIZATIONS = [
    "Bearer nonsense", "Bearer rdk_000000000000_" + "x" * 43, "Bearer ", "Basic dXNlcjpwYXNz", "{key}",
    "Bearer {key}x", "Bearer {key_without_last}", "Token {key}", "Bearer " + "a" * 5000,
]


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
class TestWritesNeedAWriteKey:
    def test_no_key_is_401(self, world, method, path):
        response = _request(world.client, method, path, world.event["id"], {})
        _assert_problem(response, 401)
        assert response.headers["www-authenticate"].lower().startswith("bearer")
        _assert_nothing_changed(world.client, world.event)

    def test_a_wrong_key_is_401(self, world, method, path):
        for header in WRONG_AUTHORIZATIONS:
            value = header.format(key=world.write_key, key_without_last=world.write_key[:-1])
            response = _request(world.client, method, path, world.event["id"], {"Authorization": value})
            assert response.status_code == 401, (header, response.text)
            _assert_problem(response, 401)
            assert "www-authenticate" in response.headers
            assert world.write_key not in response.text
        _assert_nothing_changed(world.client, world.event)

    def test_a_revoked_key_is_401(self, world, method, path):
        name = f"former-analyst-{uuid.uuid4().hex[:8]}"
        with world.database.write_session() as session:
            _, key = key_service.create_key(session, name=name, scope=KeyScope.write)
        with world.database.write_session() as session:
            key_service.revoke_key(session, name=name)
        response = _request(world.client, method, path, world.event["id"], {"Authorization": f"Bearer {key}"})
        _assert_problem(response, 401)
        assert "www-authenticate" in response.headers
        _assert_nothing_changed(world.client, world.event)

    def test_a_read_key_is_403(self, world, method, path):
        response = _request(world.client, method, path, world.event["id"],
                            {"Authorization": f"Bearer {world.read_key}"})
        _assert_problem(response, 403)
        _assert_nothing_changed(world.client, world.event)

    def test_a_write_key_gets_past_the_door(self, client, write_key, stored_event, method, path):
        response = _request(client, method, path, stored_event["id"], {"Authorization": f"bearer {write_key}"})
        assert response.status_code not in {401, 403}, response.text


class TestRevocation:
    def test_a_key_stops_working_when_revoked(self, client, database, stored_event):
        with database.write_session() as session:
            _, key = key_service.create_key(session, name="temp", scope=KeyScope.write)
        headers = {"Authorization": f"Bearer {key}"}
        assert client.patch(f"/v1/events/{stored_event['id']}", json={"summary": "ok"}, headers=headers).status_code \
            == 200
        with database.write_session() as session:
            key_service.revoke_key(session, name="temp")
        assert client.patch(f"/v1/events/{stored_event['id']}", json={"summary": "no"}, headers=headers).status_code \
            == 401

    def test_revoking_one_key_leaves_the_others(self, client, database, auth, stored_event):
        with database.write_session() as session:
            key_service.create_key(session, name="temp", scope=KeyScope.write)
            key_service.revoke_key(session, name="temp")
        assert client.patch(f"/v1/events/{stored_event['id']}", json={"summary": "ok"}, headers=auth).status_code \
            == 200


class TestReads:
    @pytest.mark.parametrize(("method", "path"), READ_ROUTES)
    def test_reads_are_open_by_default(self, world, method, path):
        response = _request(world.client, method, path, world.event["id"], {})
        assert response.status_code not in {401, 403}, response.text

    @pytest.fixture
    def locked(self, settings, database):  # noqa: ANN201
        with TestClient(create_app(settings.model_copy(update={"require_read_key": True}))) as locked_client:
            yield locked_client

    @pytest.mark.parametrize(("method", "path"), READ_ROUTES)
    def test_with_a_read_key_required_reads_need_a_key(self, locked, read_key, write_key, stored_event, method,
                                                       path):
        response = _request(locked, method, path, stored_event["id"], {})
        _assert_problem(response, 401)
        assert response.headers["www-authenticate"].lower().startswith("bearer")
        wrong = _request(locked, method, path, stored_event["id"], {"Authorization": "Bearer rdk_nope_nope"})
        _assert_problem(wrong, 401)
        for key in (read_key, write_key):
            response = _request(locked, method, path, stored_event["id"], {"Authorization": f"Bearer {key}"})
            assert response.status_code in {200, 404}, response.text

    def test_with_a_read_key_required_the_page_is_served_to_a_read_key(self, locked, read_key, stored_event):
        response = locked.get("/v1/events", headers={"Authorization": f"Bearer {read_key}"})
        assert response.status_code == 200
        assert [e["id"] for e in response.json()["data"]] == [stored_event["id"]]
        export = locked.get("/v1/events", params={"format": "ndjson"})
        assert export.status_code == 401

    def test_with_a_read_key_required_writes_still_need_write_scope(self, locked, read_key, write_key):
        body = event_body(date="2002-02-02")
        assert locked.post("/v1/events", json=body, headers={"Authorization": f"Bearer {read_key}"}).status_code \
            == 403
        assert locked.post("/v1/events", json=body, headers={"Authorization": f"Bearer {write_key}"}).status_code \
            == 201


class TestKeysAreStoredAsHashes:
    def test_no_table_holds_a_raw_key(self, client, database, write_key, read_key, stored_event):
        # The key has been used, so any place that might log or cache it has had the chance.
        assert client.patch(f"/v1/events/{stored_event['id']}", json={"summary": "x"},
                            headers={"Authorization": f"Bearer {write_key}"}).status_code == 200
        dump = []
        with database.read_engine.connect() as connection:
            for name in inspect(connection).get_table_names():
                for row in connection.execute(select(text("*")).select_from(table(name))):
                    dump.append(" ".join(str(value) for value in row))
        everything = "\n".join(dump)
        assert "analyst" in everything  # the dump does reach the keys table
        for key in (write_key, read_key):
            assert key not in everything
            secret = key.split("_", 2)[2]  # rdk_<prefix>_<secret>; the secret may contain "_"
            assert secret not in everything
