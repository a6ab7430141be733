"""Concurrent clients against live servers: races leave exactly what one client at a time would.

Two `serve` processes share the test database, one with the server's default thread pool and one
with a single route thread (WORKER_THREADS=1), and the clients of every race are spread over both:
the races run across processes (PostgreSQL advisory locks, SQLite's file lock) and within one.
Bulk loads commit every 20 lines, so that they interleave with everything else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest
from hardening_support import (
    all_events,
    assert_whole,
    checkable_event,
    ndjson,
    version,
    walk,
)
from servers import serving

T = TypeVar("T")

# One telephone call between Olaf Scholz and Cyril Ramaphosa, told twenty ways (written for these
# tests): every text gives the same kind, date and sides, in other words.
OPENINGS = [
    ("Federal Chancellor Olaf Scholz held a telephone conversation with President of the Republic of South Africa "
     "Cyril Ramaphosa on 14 February 2023."),
    ("On 14 February 2023, President Cyril Ramaphosa of South Africa spoke by telephone with Chancellor Olaf Scholz "
     "of Germany."),
    "14 February 2023\n\nPresident of South Africa Cyril Ramaphosa had a phone call with German Chancellor Olaf Scholz.",
    ("Berlin, 14 February 2023\n\nChancellor Olaf Scholz spoke on the phone today with President Cyril Ramaphosa of "
     "South Africa."),
    ("Pretoria, 14 February 2023\n\nPresident Cyril Ramaphosa today held a telephone call with Federal Chancellor of "
     "Germany Olaf Scholz."),
]
BODIES = [
    ("The two leaders discussed the energy transition and the cooperation between their countries in the production "
     "of green hydrogen."),
    "The conversation focused on trade and investment, and on preparations for the next meeting of the G20.",
    "They exchanged views on the situation in Ukraine and on food security in Africa.",
    "The sides reviewed bilateral relations, in particular vocational training and the automotive industry.",
]
CLOSINGS = ["The leaders agreed to remain in close contact.", "They agreed to meet in the coming months.",
            "Both sides expressed satisfaction with the state of relations.", ""]
READOUTS = [f"{OPENINGS[i % 5]}\n\n{BODIES[i // 5]} {CLOSINGS[(i + i // 5) % 4]}".strip() + "\n" for i in range(20)]

CLIENTS = 20


@pytest.fixture(scope="module")
def servers(migrated_database_url: str) -> Iterator[list[str]]:
    # A generous busy timeout: these tests are about what races leave, not about how long a writer
    # may queue on a loaded machine. A writer stuck behind a lock that is never released still fails.
    with serving(migrated_database_url, variants=[{}, {"WORKER_THREADS": "1"}], BULK_BATCH_SIZE="20",
                 SQLITE_BUSY_TIMEOUT_MS="15000") as started:
        yield [server.url for server in started]


def at_once(tasks: list[Callable[[], T]]) -> list[T]:
    """Run the tasks in threads of their own, released together."""
    start = threading.Barrier(len(tasks))

    def run(task: Callable[[], T]) -> T:
        start.wait()
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def post_readout(url: str, auth: dict[str, str], text: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/readouts", content=text.encode(), timeout=120,
                      headers={**auth, "Content-Type": "text/plain"})


class TestReadoutRaces:
    def test_twenty_posts_of_one_readout_leave_one_readout_and_one_event(self, servers, auth):
        answers = at_once([lambda url=url: post_readout(url, auth, READOUTS[0]) for url in servers * (CLIENTS // 2)])
        assert sorted(a.status_code for a in answers) == [200] * (CLIENTS - 1) + [201], [a.text for a in answers]
        assert len({a.json()["readout"]["id"] for a in answers}) == 1
        assert len({a.json()["event"]["id"] for a in answers}) == 1
        [event] = all_events(httpx.Client(base_url=servers[0], timeout=30), checkable=False)
        assert [s["readout_id"] for s in event["sources"]] == [answers[0].json()["readout"]["id"]]

    def test_twenty_readouts_of_one_call_leave_one_event_with_twenty_sources(self, servers, auth):
        answers = at_once([lambda url=servers[i % 2], text=text: post_readout(url, auth, text)
                           for i, text in enumerate(READOUTS)])
        assert [a.status_code for a in answers] == [201] * CLIENTS, [a.text for a in answers if a.status_code != 201]
        assert len({a.json()["event"]["id"] for a in answers}) == 1
        [event] = all_events(httpx.Client(base_url=servers[1], timeout=30), checkable=False)
        assert sorted(s["readout_id"] for s in event["sources"]) == sorted(a.json()["readout"]["id"] for a in answers)
        assert {p["country"] for p in event["participants"]} == {"DE", "ZA"}
        assert len(event["participants"]) == 2


def load(url: str, auth: dict[str, str], body: bytes) -> dict[str, Any]:
    response = httpx.post(f"{url}/v1/events/bulk", content=body, timeout=300,
                          headers={**auth, "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    return response.json()


def assert_every_line_reported(result: dict[str, Any], *, lines: int, refused: list[int]) -> None:
    assert result["received"] == lines
    assert result["created"] + result["duplicates"] + result["refused"] == lines
    assert len(result["created_ids"]) == result["created"]
    assert len(result["duplicate_ids"]) == result["duplicates"]
    assert [error["line"] for error in result["errors"]] == refused


def keep_doing(stop: threading.Event, step: Callable[[int], None]) -> Callable[[], int]:
    """A task doing `step` over and over until `stop` is set; answers how many times it did."""
    def task() -> int:
        rounds = 0
        while not stop.is_set():
            step(rounds)
            rounds += 1
        return rounds
    return task


class TestBulkLoadsBesideQueries:
    def test_loads_lose_no_line_and_queries_see_no_broken_page(self, servers, auth):
        corrected = load(servers[0], auth, ndjson([checkable_event(n) for n in range(40)]))["created_ids"]
        same = [checkable_event(n) for n in range(100, 250)]  # loaded twice at once, through both servers
        other = ndjson([checkable_event(n) for n in range(300, 450)])
        bad = [checkable_event(n) for n in range(500, 650)]
        bad_body = ndjson(bad[:4]) + b"not json\n" + ndjson(bad[4:70]) + b"\n" + \
            ndjson([{**bad[70], "kind": "dinner"}]) + ndjson(bad[71:])  # lines 5 and 73 refused, 72 blank
        stop = threading.Event()
        filters = [{}, {"country": "DE"}, {"topic": "energy"}, {"sort": "date"}, {"kind": "meeting"}]

        def query(url: str) -> Callable[[int], None]:
            client = httpx.Client(base_url=url, timeout=60)

            def read_every_page(rounds: int) -> None:
                for _ in walk(client, limit=20, **filters[rounds % len(filters)]):
                    pass  # walk() checks every page
            return read_every_page

        def correct(rounds: int) -> None:
            # Moves a loaded event to other sides, topics and mention at once: never seen half moved.
            event_id = corrected[rounds % len(corrected)]
            response = httpx.patch(f"{servers[rounds % 2]}/v1/events/{event_id}", json=version(rounds % 4),
                                   headers=auth, timeout=60)
            assert response.status_code == 200, response.text

        loads = [lambda: load(servers[0], auth, ndjson(same)), lambda: load(servers[1], auth, ndjson(same)),
                 lambda: load(servers[0], auth, other), lambda: load(servers[1], auth, bad_body)]
        background = [keep_doing(stop, query(servers[0])), keep_doing(stop, query(servers[1])),
                      keep_doing(stop, correct)]
        with ThreadPoolExecutor(max_workers=len(background)) as pool:
            rounds = [pool.submit(task) for task in background]
            try:
                first, second, third, fourth = at_once(loads)
            finally:
                stop.set()
            assert all(r.result() > 0 for r in rounds)

        for result in (first, second, third):
            assert_every_line_reported(result, lines=150, refused=[])
        assert_every_line_reported(fourth, lines=151, refused=[5, 73])
        # The load made twice at once stored each event once: what one created, the other found.
        assert first["created"] + second["created"] == 150
        assert set(first["created_ids"]).isdisjoint(second["created_ids"])
        assert sorted(first["created_ids"] + second["created_ids"]) == sorted(first["duplicate_ids"] +
                                                                              second["duplicate_ids"])
        events = all_events(httpx.Client(base_url=servers[1], timeout=60))
        assert len(events) == 40 + 150 + 150 + 149
        for event in events:
            assert_whole(event)
        assert {e["summary"] for e in events} == {checkable_event(n)["summary"] for n in [
            *range(40), *range(100, 250), *range(300, 450), *range(500, 650)] if n != 570}


class TestCursorWalkDuringInserts:
    def test_a_walk_sees_each_event_that_was_there_before_it_once(self, servers, auth):
        before = set(load(servers[0], auth, ndjson([checkable_event(n) for n in range(1000, 1150)]))["created_ids"])
        stop = threading.Event()
        # New events land before, inside and after the walks' range: on the days of stored events (other
        # sides, so other events), and on days of their own.
        news = iter(checkable_event(1000 + n % 200, pair=(n % 200 + 1) % 4) if n % 2
                    else checkable_event(800 + n % 500) for n in range(10_000))
        lock = threading.Lock()

        def insert(rounds: int) -> None:
            with lock:
                event = next(news)
            response = httpx.post(f"{servers[rounds % 2]}/v1/events", json=event, headers=auth, timeout=60)
            assert response.status_code in {200, 201}, response.text

        def walker(url: str, **params: Any) -> Callable[[], list[str]]:
            return lambda: [event["id"] for event in walk(httpx.Client(base_url=url, timeout=60), **params)]

        walks = [walker(servers[0], limit=7), walker(servers[1], limit=11, sort="date"),
                 walker(servers[1], limit=5, kind="meeting"), walker(servers[0], limit=9, country="DE")]
        with ThreadPoolExecutor(max_workers=2) as pool:
            inserted = [pool.submit(keep_doing(stop, insert)) for _ in range(2)]
            try:
                seen = at_once(walks)
            finally:
                stop.set()
            assert all(i.result() > 0 for i in inserted)

        meetings = {e["id"] for e in all_events(httpx.Client(base_url=servers[0], timeout=60), kind="meeting")}
        german = {e["id"] for e in all_events(httpx.Client(base_url=servers[0], timeout=60), country="DE")}
        for ids, expected in zip(seen, [before, before, before & meetings, before & german], strict=True):
            assert len(ids) == len(set(ids)), "an event twice in one walk"
            assert set(ids) & before == expected
