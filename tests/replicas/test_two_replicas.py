"""Two `serve` processes on one database behave as one service: the API keeps no state of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from factories import empty_database
from hardening.faults_support import TcpProxy
from servers import serving
from sqlalchemy import make_url

from app.core.config import Settings
from app.core.db import Database

READOUT = """Source: Press Service of the President of Kazakhstan

2 June 2022

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with Prime Minister of Italy \
Mario Draghi. The sides discussed energy cooperation and agreed to stay in contact.
"""


@pytest.fixture(scope="module")
def replicas(migrated_database_url: str) -> Iterator[list[str]]:
    """Two servers started together as an operator would, on the test database emptied of everything
    (office-holders included). They keep no state, so the module's tests share them."""
    database = Database.from_settings(Settings(database_url=migrated_database_url))
    empty_database(database)
    database.dispose()
    with serving(migrated_database_url, count=2) as servers:
        yield [server.url for server in servers]


def test_replicas_starting_together_seed_the_office_holders_once(replicas):
    # Runs first, before other tests empty the database again: both replicas found the office-holders
    # missing at start, and seeded them at once.
    for name, country in [("Kassym-Jomart Tokayev", "KZ"), ("Emmanuel Macron", "FR")]:
        people = httpx.get(f"{replicas[0]}/v1/people", params={"q": name, "country": country}, timeout=30).json()
        assert len(people["data"]) == 1, people


def test_writes_through_one_replica_are_read_through_the_other(replicas, auth):
    first, second = replicas
    created = httpx.post(f"{first}/v1/events", headers=auth, timeout=30, json={
        "kind": "meeting", "date": "2022-06-02",
        "participants": [{"name": "Kassym-Jomart Tokayev", "country": "KZ"}, {"name": "Mario Draghi", "country": "IT"}],
        "topics": ["energy"]}).json()
    assert httpx.get(f"{second}/v1/events/{created['id']}", timeout=30).json()["id"] == created["id"]
    assert [e["id"] for e in httpx.get(f"{second}/v1/events", params={"country": "IT"}, timeout=30).json()["data"]] \
        == [created["id"]]
    # A cached aggregate in one replica notices a write made through the other.
    assert httpx.get(f"{second}/v1/stats/pairs", timeout=30).json()["data"] == [{"countries": ["IT", "KZ"], "count": 1}]
    httpx.delete(f"{first}/v1/events/{created['id']}", headers=auth, timeout=30)
    assert httpx.get(f"{second}/v1/stats/pairs", timeout=30).json()["data"] == []
    assert httpx.get(f"{second}/v1/events/{created['id']}", timeout=30).status_code == 404


def test_the_same_readout_posted_to_both_at_once_is_stored_once(replicas, auth):
    def post(url: str) -> int:
        return httpx.post(f"{url}/v1/readouts", content=READOUT.encode(), timeout=60,
                          headers={**auth, "Content-Type": "text/plain"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, replicas * 4))
    assert sorted(statuses) == [200] * 7 + [201]
    events = httpx.get(f"{replicas[1]}/v1/events", timeout=30).json()["data"]
    assert len(events) == 1 and len(events[0]["sources"]) == 1


def test_a_write_through_one_replica_shows_in_every_later_read_of_the_other_under_load(
        replicas, migrated_database_url, auth):
    """Reads in flight together share the check of whether kept answers are still current. A read
    that arrives after a write has returned must see it, even when it arrives while an older check is
    on its way: here the reading replica's database answers 30 ms late (PostgreSQL, through a relay),
    so that many reads are always waiting on one."""
    writer_url = replicas[0]
    url = make_url(migrated_database_url)
    relay = None
    if url.get_backend_name() == "postgresql":
        relay = TcpProxy((url.host or "127.0.0.1", url.port or 5432), reply_delay_seconds=0.03)
        url = url.set(host="127.0.0.1", port=relay.port)
    stop = threading.Event()
    page = {"country": "IT", "limit": 50}

    def hammer(reader_url: str) -> int:
        reads = 0
        with httpx.Client(base_url=reader_url, timeout=60) as reader:
            while not stop.is_set():
                assert reader.get("/v1/events", params=page).status_code == 200
                reads += 1
        return reads

    try:
        with serving(url.render_as_string(hide_password=False)) as (reading_server,), \
                ThreadPoolExecutor(max_workers=8) as pool, httpx.Client(timeout=60) as writer:
            readers = [pool.submit(hammer, reading_server.url) for _ in range(8)]
            try:
                for day in range(1, 16):
                    time.sleep(0.2)  # the readers settle back into kept answers, their checks in flight
                    created = writer.post(f"{writer_url}/v1/events", headers=auth, json={
                        "kind": "meeting", "date": f"2023-03-{day:02d}",
                        "participants": [{"name": "Giorgia Meloni", "country": "IT"},
                                         {"name": "Olaf Scholz", "country": "DE"}]})
                    assert created.status_code == 201, created.text
                    seen = writer.get(f"{reading_server.url}/v1/events", params=page).json()["data"]
                    assert created.json()["id"] in [event["id"] for event in seen], f"write {day} not seen"
            finally:
                stop.set()
            assert all(reader.result() > 0 for reader in readers)
    finally:
        if relay is not None:
            relay.close()
