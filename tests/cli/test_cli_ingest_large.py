"""A large `ingest` into a small database builds its date indexes after loading (SQLite): the same
events and answers as a load that keeps them, the indexes there at the end, and back after a kill."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bulk_support import bulk_lines, run_ingest
from factories import emptied_with_writer, schema_drift
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.main import create_app

# Queries that go through each of the date-ordered indexes, and a second page of each.
# Words of readout texts too: a large load builds their index aside (app.services.full_text).
QUERIES = [{"country": "BY"}, {"person": "Lukashenko"}, {"topic": "sanctions"}, {"country": "RU", "topic": "energy"},
           {"date_from": "2019-01-01", "date_to": "2021-12-31"}, {}, {"q": "talks"}, {"q": "cooperation"},
           {"q": "readout 17"}]


def _ingest_and_answer(monkeypatch, settings, database, path: Path, defer_from: int) -> list:  # noqa: ANN001
    emptied_with_writer(database)
    result = run_ingest(monkeypatch, settings.database_url, path, BULK_BATCH_SIZE="300",
                        BULK_DEFER_INDEXES_FROM_LINES=str(defer_from))
    assert result.exit_code == 1, result.output  # some lines are refused
    assert schema_drift(settings.database_url) == []  # every index is there again
    answers = []
    with TestClient(create_app(settings)) as client:
        for query in QUERIES:
            first = client.get("/v1/events", params={**query, "limit": 20}).json()
            second = client.get("/v1/events", params={**query, "limit": 20, "cursor": first["next_cursor"]}).json() \
                if first.get("next_cursor") else {"data": []}
            # Ids go on from one load to the next: events are compared by what they are.
            answers.append([[(e["date"], e["kind"], [p["name"] for p in e["participants"]], e["topics"])
                             for e in page["data"]] for page in (first, second)])
        answers.append(client.get("/v1/stats/pairs").json())
    return answers


@pytest.fixture
def ndjson_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(1500, seed=5)) + "\n", encoding="utf-8")
    return path


def test_a_large_ingest_answers_as_one_that_keeps_its_indexes(monkeypatch, settings, database, ndjson_file):
    kept = _ingest_and_answer(monkeypatch, settings, database, ndjson_file, defer_from=0)
    deferred = _ingest_and_answer(monkeypatch, settings, database, ndjson_file, defer_from=100)
    assert deferred == kept
    assert any(pages[0] for pages in kept[:-1])


def _start_large_ingest(settings, path: Path, *, batch_size: int) -> tuple[subprocess.Popen, dict[str, str]]:  # noqa: ANN001
    """`ingest` of `path` in a process of its own, as a large load (indexes deferred, texts indexed
    aside), parsing in that process; answers the process and its environment."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "BULK_BATCH_SIZE": str(batch_size),
           "BULK_DEFER_INDEXES_FROM_LINES": "1000", "BULK_PARSE_PROCESSES": "0"}
    loader = subprocess.Popen([sys.executable, "-m", "app", "ingest", str(path)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return loader, env


@pytest.mark.skipif(os.environ.get("READOUT_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL loads keep their indexes")
def test_indexes_left_out_by_a_killed_ingest_are_built_by_migrate(settings, database, tmp_path):
    """The date indexes, and the words of the readouts stored, which the load indexed aside."""
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(12_000, seed=3)) + "\n", encoding="utf-8")
    emptied_with_writer(database)
    loader, env = _start_large_ingest(settings, path, batch_size=200)
    engine = create_engine(settings.database_url)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert loader.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline, "the load stored nothing"
            with engine.connect() as connection:
                if connection.execute(text("SELECT count(*) FROM event")).scalar():
                    break
            time.sleep(0.05)
    finally:
        loader.kill()
        loader.wait()
        engine.dispose()
    assert any(change[0] == "add_index" for change in schema_drift(settings.database_url))  # killed while loading
    with TestClient(create_app(settings)) as client:
        stored = _every_event(client, {})
        assert stored
        assert _every_event(client, {"q": "cooperation"}) == []  # every stored text says it; none found yet
    migrated = subprocess.run([sys.executable, "-m", "app", "migrate"], env=env, capture_output=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    assert schema_drift(settings.database_url) == []
    with TestClient(create_app(settings)) as client:
        assert _every_event(client, {"q": "cooperation"}) == stored


@pytest.mark.skipif(os.environ.get("READOUT_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL loads keep their indexes")
def test_a_summary_corrected_during_a_large_ingest_is_found_by_its_new_words(settings, database, tmp_path):
    """An event stored by a large load can be corrected while the load goes on. (Were its summary indexed
    aside, like the readouts' texts, the index would not hold the words that the correction takes
    out of it, and SQLite would find it corrupt.)"""
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(6_000, seed=4)) + "\n", encoding="utf-8")
    writer = emptied_with_writer(database)
    loader, _ = _start_large_ingest(settings, path, batch_size=100)
    try:
        with TestClient(create_app(settings)) as client:
            deadline = time.monotonic() + 120
            while not (summarised := _every_event(client, {}, with_summary=True)):
                assert loader.poll() is None, "the load ended before an event could be corrected"
                assert time.monotonic() < deadline, "the load stored nothing"
                time.sleep(0.05)
            corrected = client.patch(f"/v1/events/{summarised[0]}", headers=writer,
                                     json={"summary": "Consultations on the Zubrovka agreement."})
            assert corrected.status_code == 200, corrected.text
            assert loader.poll() is None, "the load ended before the correction: it proves nothing"
        assert loader.wait(timeout=300) == 1  # some lines are refused
    finally:
        loader.kill()
        loader.wait()
    with TestClient(create_app(settings)) as client:
        assert _every_event(client, {"q": "zubrovka"}) == [summarised[0]]
        # Every other summary says "talks", and is found by it.
        assert _every_event(client, {"q": "talks"}) == [
            event for event in _every_event(client, {}, with_summary=True) if event != summarised[0]]


def _every_event(client: TestClient, query: dict, *, with_summary: bool = False) -> list[str]:  # noqa: ANN001
    ids, cursor = [], None
    while True:
        page = client.get("/v1/events", params={**query, "limit": 500, **({"cursor": cursor} if cursor else {})}).json()
        ids += [event["id"] for event in page["data"] if event["summary"] or not with_summary]
        if not (cursor := page["next_cursor"]):
            return ids


@pytest.mark.skipif(os.environ.get("READOUT_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="SQLite's write-ahead log")
def test_a_long_load_keeps_the_write_ahead_log_short(monkeypatch, settings, database, tmp_path):
    """The log is copied into the database beside the load (app.services.bulk._WalCheckpointer), and
    must still rewind to its start every few batches rather than grow with the whole load: loaded in 30
    batches, the lines need a log not much longer than loaded in one."""
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(bulk_lines(3000, seed=7)) + "\n", encoding="utf-8")
    log_file = Path(f"{make_url(settings.database_url).database}-wal")
    # Open throughout: the last connection to close would delete the log. Its file keeps its largest size.
    watcher = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    try:
        logs = {}
        for batch_size in (3000, 100):
            emptied_with_writer(database)
            watcher.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            result = run_ingest(monkeypatch, settings.database_url, path, BULK_BATCH_SIZE=str(batch_size),
                                BULK_PARSE_PROCESSES="0")
            assert result.exit_code == 1, result.output  # some lines are refused, the rest stored
            logs[batch_size] = log_file.stat().st_size
    finally:
        watcher.close()
    assert logs[100] < 3 * logs[3000], logs
