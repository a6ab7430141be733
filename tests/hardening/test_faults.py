"""A live server whose database goes away, or is locked, or which is killed mid-load.

- Down (PostgreSQL): the server reaches its database through a TCP relay (faults_support.TcpProxy)
  that the test cuts (connections reset, new ones refused) or silences (new connections accepted and
  never answered), then restores. SQLite has no connection to cut; its outage is the next one.
- Locked (both): another process holds the database's write lock (SQLite: a writer's BEGIN
  IMMEDIATE; PostgreSQL: LOCK TABLE event IN EXCLUSIVE MODE, as maintenance or a migration would).
  Writes wait for the lock's timeout (1 s here) and answer 503; reads go on.
- A bulk load cut short by any of these, or by killing the server, leaves whole batches of whole
  events, and posting the same load again completes it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from faults_support import TcpProxy
from hardening_support import all_events, assert_whole, checkable_event, ndjson, version
from servers import Server, start, stop, wait_ready
from sqlalchemy import create_engine, make_url, text

# Small timeouts: the test waits them out. Bulk loads commit every 20 lines.
SERVER_SETTINGS = {"SQLITE_BUSY_TIMEOUT_MS": "1000", "POSTGRES_LOCK_TIMEOUT_MS": "1000", "BULK_BATCH_SIZE": "20"}
# "Quickly": far below a client's patience, far above the timeouts involved (connect 3 s, lock 1 s).
BOUND_SECONDS = 15
READY_AGAIN_SECONDS = 30
READOUT = """Astana, 3 April 2023

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with President of Uzbekistan \
Shavkat Mirziyoyev. The leaders discussed water management in Central Asia and agreed to stay in contact.
"""


@pytest.fixture(scope="module")
def proxy(migrated_database_url: str) -> Iterator[TcpProxy | None]:
    if migrated_database_url.startswith("sqlite"):
        yield None
        return
    url = make_url(migrated_database_url)
    relay = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    yield relay
    relay.close()


def through(proxy: TcpProxy | None, database_url: str) -> str:
    if proxy is None:
        return database_url
    return make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def running(migrated_database_url: str, proxy: TcpProxy | None) -> Iterator[list[Server]]:
    """The module's server, in a list that a test killing it leaves empty."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        stop(server)


@pytest.fixture
def server(running: list[Server], migrated_database_url: str, proxy: TcpProxy | None) -> Server:
    """A server on the test database (through the relay, on PostgreSQL), started when none runs."""
    if not running or running[0].process.poll() is not None:
        running[:] = [start(through(proxy, migrated_database_url), **SERVER_SETTINGS)]
        wait_ready(running[0])
    return running[0]


@contextmanager
def database_locked(database_url: str) -> Iterator[None]:
    """Another process holds the write lock until the block ends."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database, timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE event IN EXCLUSIVE MODE"))
            yield
            holder.rollback()
    finally:
        engine.dispose()


def timed(method: str, url: str, **options: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.request(method, url, timeout=120, **options)
    return response, time.monotonic() - started


def all_at_once(requests: list[Callable[[], tuple[httpx.Response, float]]]) -> list[tuple[httpx.Response, float]]:
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda request: request(), requests))


def assert_unavailable(answers: list[tuple[httpx.Response, float]]) -> None:
    for response, seconds in answers:
        assert response.status_code == 503, (response.request.url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 503 and "Retry-After" in response.headers
        assert seconds < BOUND_SECONDS, f"{response.request.url} took {seconds:.1f} s"


def wait_ready_again(url: str) -> None:
    deadline = time.monotonic() + READY_AGAIN_SECONDS
    while httpx.get(f"{url}/readyz", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the service did not come back by itself"
        time.sleep(0.2)


def reads(url: str, event_id: str) -> list[Callable[[], tuple[httpx.Response, float]]]:
    paths = ["/v1/events", f"/v1/events/{event_id}", "/v1/events?country=DE&q=Readout", "/v1/events?format=ndjson",
             "/v1/people?q=Scholz", "/v1/stats/pairs", "/v1/topics", f"/v1/events/{event_id}/history"]
    return [lambda path=path: timed("GET", url + path) for path in paths]


def writes(url: str, auth: dict[str, str], event_id: str, number: int) -> list[Callable[[], tuple[httpx.Response, float]]]:
    """One of each kind of write; `number` picks the new events, stored by none of them should they fail."""
    return [
        lambda: timed("POST", f"{url}/v1/events", json=checkable_event(number), headers=auth),
        lambda: timed("POST", f"{url}/v1/events/bulk", content=ndjson([checkable_event(number + 1)]),
                      headers={**auth, "Content-Type": "application/x-ndjson"}),
        lambda: timed("POST", f"{url}/v1/readouts", content=READOUT.encode(),
                      headers={**auth, "Content-Type": "text/plain"}),
        lambda: timed("PATCH", f"{url}/v1/events/{event_id}", json=version(3), headers=auth),
        lambda: timed("DELETE", f"{url}/v1/events/{event_id}", headers=auth),
    ]


def assert_writes_succeed(url: str, auth: dict[str, str], event_id: str, number: int) -> None:
    """The writes that failed store now, as new: the failed attempts left nothing behind."""
    statuses = [request()[0].status_code for request in writes(url, auth, event_id, number)]
    assert statuses == [201, 200, 201, 200, 204]
    bulk = httpx.post(f"{url}/v1/events/bulk", content=ndjson([checkable_event(number + 1)]), timeout=60,
                      headers={**auth, "Content-Type": "application/x-ndjson"}).json()
    assert bulk["duplicates"] == 1  # the first bulk post above created it


@pytest.fixture
def stored(server: Server, auth: dict[str, str]) -> list[str]:
    response = httpx.post(f"{server.url}/v1/events/bulk", content=ndjson([checkable_event(n) for n in range(10)]),
                          headers={**auth, "Content-Type": "application/x-ndjson"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["created_ids"]


class TestDatabaseDown:
    def test_every_request_answers_503_quickly_and_service_resumes_by_itself(self, server, proxy, auth, stored):
        if proxy is None:
            pytest.skip("SQLite has no connection to cut: its outage is TestDatabaseLocked")
        proxy.cut()
        try:
            answers = all_at_once([*reads(server.url, stored[0]), *writes(server.url, auth, stored[1], 50),
                                   lambda: timed("GET", f"{server.url}/readyz")])
            assert_unavailable(answers)
            assert answers[-1][0].json()["title"] == "Not ready"
            assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200  # alive, though not ready
        finally:
            proxy.restore()
        wait_ready_again(server.url)
        assert [request()[0].status_code for request in reads(server.url, stored[0])] == [200] * 8
        assert_writes_succeed(server.url, auth, stored[1], 50)

    def test_connecting_to_a_silent_host_times_out_into_503(self, server, proxy, auth, stored):
        if proxy is None:
            pytest.skip("SQLite has no connection to cut: its outage is TestDatabaseLocked")
        proxy.cut(silent=True)
        try:
            assert_unavailable(all_at_once([*reads(server.url, stored[0])[:2], *writes(server.url, auth, stored[1], 50)[:2],
                                            lambda: timed("GET", f"{server.url}/readyz")]))
        finally:
            proxy.restore()
        wait_ready_again(server.url)
        assert httpx.get(f"{server.url}/v1/events/{stored[0]}", timeout=30).status_code == 200


class TestDatabaseLocked:
    def test_writes_answer_503_within_the_lock_timeout_reads_go_on_and_writes_resume(
            self, server, migrated_database_url, auth, stored):
        with database_locked(migrated_database_url):
            answers = all_at_once(writes(server.url, auth, stored[1], 60))
            assert_unavailable(answers)
            assert [request()[0].status_code for request in reads(server.url, stored[0])] == [200] * 8
            assert httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200  # reads are served
        assert_writes_succeed(server.url, auth, stored[1], 60)


LOAD = 1000  # lines: 50 commits of 20, long enough to be cut short


def wait_for_first_commit(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not httpx.get(f"{url}/v1/events", params={"limit": 1}, timeout=30).json()["data"]:
        assert time.monotonic() < deadline, "the load stored nothing"
        time.sleep(0.01)


class TestBulkLoadCutShort:
    @pytest.mark.parametrize("interruption", ["database locked", "database down", "server killed"])
    def test_whole_batches_are_stored_and_posting_the_load_again_completes_it(
            self, interruption, migrated_database_url, proxy, server, client, auth):
        if interruption == "database down" and proxy is None:
            pytest.skip("SQLite has no connection to cut")
        body = ndjson([checkable_event(n) for n in range(LOAD)])
        answer: dict[str, Any] = {}

        def post() -> None:
            try:
                answer["response"] = httpx.post(f"{server.url}/v1/events/bulk", content=body, timeout=120,
                                                headers={**auth, "Content-Type": "application/x-ndjson"})
            except httpx.HTTPError as error:
                answer["error"] = error

        poster = threading.Thread(target=post)
        poster.start()
        wait_for_first_commit(server.url)
        if interruption == "server killed":
            server.kill()
            poster.join()
            assert "error" in answer  # no answer comes from a killed server
        elif interruption == "database locked":
            with database_locked(migrated_database_url):
                poster.join()
        else:
            proxy.cut()
            poster.join()
            proxy.restore()
        if interruption != "server killed":
            assert answer["response"].status_code == 503, answer["response"].text

        # Checked through an app of the test's own, on the same database.
        events = all_events(client)
        assert 0 < len(events) < LOAD, "the load was not cut short"
        assert len(events) % 20 == 0, "a batch was stored in part"
        assert {e["summary"] for e in events} == {checkable_event(n)["summary"] for n in range(len(events))}
        for event in events:
            assert_whole(event)
        again = client.post("/v1/events/bulk", content=body, headers={**auth, "Content-Type": "application/x-ndjson"})
        assert again.status_code == 200, again.text
        result = again.json()
        assert (result["created"], result["duplicates"], result["refused"]) == (LOAD - len(events), len(events), 0)
        assert len(all_events(client)) == LOAD
