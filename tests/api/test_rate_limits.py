"""Rate limits on writes and exports: 429 problems with Retry-After and the RateLimit headers, per key
or per address, reads never limited, and nothing limited unless the operator turns it on."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from factories import event_body, make_event
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.models.api_key import KeyScope
from app.services import keys as key_service

RATE_HEADERS = ("ratelimit-policy", "ratelimit", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited_app(settings: Settings, *, real_time: bool = False, **limits: Any) -> FastAPI:
    """An app with rate limits on; its limiter's clock stands still (`app.state.rate_limiter.clock.now`
    moves it) unless `real_time`, so that the figures asserted do not depend on the machine's speed."""
    app = create_app(settings.model_copy(update={"rate_limit_enabled": True, **limits}))
    if not real_time:
        app.state.rate_limiter.clock = FakeClock()
    return app


def another_write_key(database, name: str = "second-analyst") -> dict[str, str]:  # noqa: ANN001
    with database.write_session() as session:
        _, key = key_service.create_key(session, name=name, scope=KeyScope.write)
    return {"Authorization": f"Bearer {key}"}


def assert_too_many(response, *, quota: str) -> int:  # noqa: ANN001
    """The response is a 429 problem with every header; answers its Retry-After."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 429
    assert problem["type"].endswith("/too-many-requests")
    assert problem["request_id"] == response.headers["x-request-id"]
    assert response.headers["ratelimit-remaining"] == "0"
    assert re.fullmatch(rf'"{quota}";r=0;t=\d+', response.headers["ratelimit"])
    assert re.fullmatch(rf'"{quota}";q=\d+;w=\d+', response.headers["ratelimit-policy"])
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    return retry_after


class TestWrites:
    def test_the_limit_is_reached_and_answered_429_with_the_headers(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=3, rate_limit_writes_per_minute=6)
        with TestClient(app) as client:
            created = client.post("/v1/events", json=event_body(), headers=auth)
            assert created.status_code == 201
            # A successful limited request tells how much is left.
            assert created.headers["ratelimit-limit"] == "3"
            assert created.headers["ratelimit-remaining"] == "2"
            assert created.headers["ratelimit-policy"] == '"writes";q=3;w=30'
            assert created.headers["ratelimit"] == '"writes";r=2;t=10'
            assert created.headers["ratelimit-reset"] == "10"
            # Refused writes count too: the limit protects the work of saying no as well.
            assert client.post("/v1/events", json={}, headers=auth).headers["ratelimit-remaining"] == "1"
            assert client.delete("/v1/events/nope", headers=auth).headers["ratelimit-remaining"] == "0"
            refused = client.post("/v1/events", json=event_body(date="2021-05-05"), headers=auth)
            assert assert_too_many(refused, quota="writes") == 10
            assert refused.headers["ratelimit-reset"] == "30"
            # The refused write was not done.
            assert [e["id"] for e in client.get("/v1/events").json()["data"]] == [created.json()["id"]]

    def test_every_write_method_and_route_is_limited(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=4)
        with TestClient(app) as client:
            event = make_event(client, auth)
            client.patch(f"/v1/events/{event['id']}", json={"summary": "Corrected."}, headers=auth)
            client.post("/v1/readouts", json={"text": "no contact here"}, headers=auth, params={"dry_run": "true"})
            client.post("/v1/events/bulk", content=b"", headers={**auth, "Content-Type": "application/x-ndjson"})
            assert_too_many(client.delete(f"/v1/events/{event['id']}", headers=auth), quota="writes")
            assert client.get(f"/v1/events/{event['id']}").status_code == 200

    def test_retry_after_is_honest_with_a_clock(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=2, rate_limit_writes_per_minute=6)
        clock = app.state.rate_limiter.clock
        with TestClient(app) as client:
            assert client.post("/v1/events", json={}, headers=auth).status_code == 422
            assert client.post("/v1/events", json={}, headers=auth).status_code == 422
            assert assert_too_many(client.post("/v1/events", json={}, headers=auth), quota="writes") == 10
            clock.now += 9.5  # not yet: one write every 10 s
            assert assert_too_many(client.post("/v1/events", json={}, headers=auth), quota="writes") == 1
            clock.now += 0.5
            passed = client.post("/v1/events", json={}, headers=auth)
            assert passed.status_code == 422
            assert passed.headers["ratelimit-remaining"] == "0"
            # After a long pause the whole burst is back, and no more.
            clock.now += 3600
            statuses = [client.post("/v1/events", json={}, headers=auth).status_code for _ in range(3)]
            assert statuses == [422, 422, 429]

    def test_retry_after_is_honest_in_real_time(self, settings, database, auth):
        app = limited_app(settings, real_time=True, rate_limit_write_burst=1, rate_limit_writes_per_minute=60)
        with TestClient(app) as client:
            # On a busy machine a request may take longer than the refill: send until one is refused.
            for _ in range(10):
                refused = client.post("/v1/events", json={}, headers=auth)
                if refused.status_code == 429:
                    break
            retry_after = assert_too_many(refused, quota="writes")
            time.sleep(retry_after)
            assert client.post("/v1/events", json={}, headers=auth).status_code == 422


class TestWhoIsCounted:
    def test_keys_are_counted_apart(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=1)
        with TestClient(app) as client:
            assert client.post("/v1/events", json={}, headers=auth).status_code == 422
            assert_too_many(client.post("/v1/events", json={}, headers=auth), quota="writes")
            # Another key from the same address has its own budget.
            assert client.post("/v1/events", json={}, headers=another_write_key(database)).status_code == 422

    def test_addresses_are_counted_apart_and_apart_from_keys(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=1)
        first = TestClient(app, client=("192.0.2.1", 5000))
        second = TestClient(app, client=("192.0.2.2", 5000))
        assert first.post("/v1/events", json={}).status_code == 401
        assert_too_many(first.post("/v1/events", json={}), quota="writes")
        assert second.post("/v1/events", json={}).status_code == 401
        # A valid key is counted by key, even from an address that has spent its budget ...
        assert first.post("/v1/events", json={}, headers=auth).status_code == 422
        # ... but a made-up key is no key: new fake keys cannot buy new budgets.
        for made_up in ("rdk_000000000000_invented", "rdk_111111111111_invented-too"):
            assert_too_many(first.post("/v1/events", json={}, headers={"Authorization": f"Bearer {made_up}"}),
                            quota="writes")

    def test_a_revoked_key_is_still_refused_by_the_routes(self, settings, database, auth):
        app = limited_app(settings, rate_limit_write_burst=5)
        with TestClient(app) as client:
            assert client.post("/v1/events", json={}, headers=auth).status_code == 422
            with database.write_session() as session:
                key_service.revoke_key(session, name="analyst")
            assert client.post("/v1/events", json={}, headers=auth).status_code == 401


EXPORTS: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"format": "csv"}, {}),
    ({"format": "ndjson"}, {}),
    ({}, {"Accept": "text/csv"}),
    ({}, {"Accept": "application/x-ndjson"}),
]


class TestExportsAndReads:
    @pytest.mark.parametrize(("params", "headers"), EXPORTS, ids=["format=csv", "format=ndjson", "accept-csv",
                                                                  "accept-ndjson"])
    def test_every_way_of_asking_for_an_export_is_limited(self, settings, database, params, headers):
        app = limited_app(settings, rate_limit_export_burst=1, rate_limit_exports_per_minute=2)
        with TestClient(app) as client:
            first = client.get("/v1/events", params=params, headers=headers)
            assert first.status_code == 200
            assert first.headers["ratelimit-policy"] == '"exports";q=1;w=30'
            assert first.headers["ratelimit-remaining"] == "0"
            assert assert_too_many(client.get("/v1/events", params=params, headers=headers), quota="exports") == 30
            # Writes have a budget of their own.
            write = client.post("/v1/events", json={})
            assert write.status_code == 401
            assert write.headers["ratelimit-policy"].startswith('"writes"')

    def test_a_percent_encoded_format_is_still_an_export(self, settings, database):
        app = limited_app(settings, rate_limit_export_burst=1)
        with TestClient(app) as client:
            assert client.get("/v1/events?form%61t=csv").headers["content-type"].startswith("text/csv")
            assert_too_many(client.get("/v1/events?form%61t=csv"), quota="exports")

    def test_reads_are_not_limited(self, settings, database, auth):
        app = limited_app(settings, rate_limit_export_burst=1, rate_limit_write_burst=1)
        with TestClient(app) as client:
            event = make_event(client, auth)
            reads: list[Callable[[], Any]] = [
                lambda: client.get("/v1/events"),
                lambda: client.get("/v1/events", params={"country": "BY"}),
                # An explicit format=json wins over Accept, as in the route: a page, not an export.
                lambda: client.get("/v1/events", params={"format": "json"}, headers={"Accept": "text/csv"}),
                lambda: client.get(f"/v1/events/{event['id']}"),
                lambda: client.get("/v1/countries"),
                lambda: client.get("/healthz"),
            ]
            for read in reads:
                for _ in range(5):
                    response = read()
                    assert response.status_code == 200
                    assert not set(RATE_HEADERS) & set(response.headers)


class TestOffByDefault:
    def test_nothing_is_limited_without_the_setting(self, client, auth):
        assert Settings().rate_limit_enabled is False
        for _ in range(8):  # over the default export burst
            response = client.get("/v1/events", params={"format": "csv"})
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
        created = client.post("/v1/events", json=event_body(), headers=auth)
        assert created.status_code == 201
        assert not set(RATE_HEADERS) & set(created.headers)


class TestDocumented:
    def test_429_is_documented_on_the_limited_operations_only(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        limited = [("post", "/v1/events"), ("post", "/v1/events/bulk"), ("post", "/v1/readouts"),
                   ("patch", "/v1/events/{event_id}"), ("delete", "/v1/events/{event_id}"), ("get", "/v1/events")]
        for method, path in limited:
            response = paths[path][method]["responses"]["429"]
            assert "application/problem+json" in response["content"]
            assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(response["headers"])
        for method, path in [("get", "/v1/events/{event_id}"), ("get", "/v1/countries"), ("get", "/healthz")]:
            assert "429" not in paths[path][method]["responses"]
