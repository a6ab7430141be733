"""Large bulk loads: lines parsed in another process, full-text indexes filled a batch at a time.

A load of at least `PARALLEL_FROM_LINES` lines is parsed by a second process, a few batches ahead of
the one being stored, and on SQLite each batch's texts enter the full-text indexes in one statement
instead of through the row triggers. Neither may change anything: the same lines give the same
answer, the same stored events and the same search results as the plain path (one process), the
triggers are left as they were, and a parsing process that dies only sends the parsing back home.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from typing import Any

import pytest
from bulk_support import BATCH, bulk_lines, comparable
from factories import emptied_with_writer, empty_database, event_body, make_event
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.main import create_app
from app.services.bulk import PARALLEL_FROM_LINES

NDJSON = {"Content-Type": "application/x-ndjson"}


def _load(settings, database, body: str, **changes: Any) -> tuple[dict[str, Any], list[dict[str, Any]], dict]:  # noqa: ANN001, E501
    """Empty the database, post `body` to an app with these settings; answers the bulk result, every
    stored event (in the export's order) and what a few searches find."""
    auth = emptied_with_writer(database)
    app = create_app(settings.model_copy(update={"bulk_batch_size": BATCH, **changes}))
    with TestClient(app) as client:
        response = client.post("/v1/events/bulk", content=body.encode(), headers={**auth, **NDJSON})
        assert response.status_code == 200, response.text
        export = client.get("/v1/events", params={"format": "ndjson"})
        events = [json.loads(line) for line in export.text.splitlines() if line.strip()]
        searches = {q: sorted(e["id"] for e in client.get("/v1/events", params={"q": q, "limit": 500}).json()["data"])
                    for q in ("cooperation", "sanctions", "Readout 17", "talks")}
    return response.json(), events, searches


def _triggers(database) -> dict[str, str]:  # noqa: ANN001
    with database.write_engine.connect() as connection:
        return dict(connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())


def _check_full_text_indexes(database) -> None:  # noqa: ANN001
    """FTS5 compares each index with the table it indexes, and raises if they differ."""
    with database.write_engine.begin() as connection:
        for index in ("readout_fts", "event_fts"):
            connection.execute(text(f"INSERT INTO {index}({index}) VALUES ('integrity-check')"))


@pytest.fixture
def body() -> str:
    lines = bulk_lines(PARALLEL_FROM_LINES + 800)
    assert len(lines) // BATCH >= 3
    return "\n".join(lines) + "\n"


class TestParallelParsing:
    def test_the_same_answer_and_the_same_events_as_parsing_in_one_process(self, settings, database, body,
                                                                          is_postgres):
        triggers = None if is_postgres else _triggers(database)
        plain = comparable(*_load(settings, database, body, bulk_parse_processes=0))
        parallel = comparable(*_load(settings, database, body, bulk_parse_processes=1))
        assert parallel == plain
        answer = plain[0]
        # The load is a fair test: it has every outcome, in more than one batch.
        assert answer["created"] > 2 * BATCH and answer["duplicates"] > 50 and answer["refused"] > 50
        assert {"person_id" in json.dumps(e["errors"]) for e in answer["errors"]} == {True, False}
        if not is_postgres:
            assert _triggers(database) == triggers
            _check_full_text_indexes(database)

    def test_a_parsing_process_that_dies_leaves_the_parsing_to_the_loader(self, settings, database, body):
        expected = comparable(*_load(settings, database, body, bulk_parse_processes=0))
        comparable(*_load(settings, database, body, bulk_parse_processes=1))  # the parsing process is running
        workers = multiprocessing.active_children()
        assert workers
        for worker in workers:
            os.kill(worker.pid, signal.SIGKILL)
            worker.join(timeout=30)
        assert comparable(*_load(settings, database, body, bulk_parse_processes=1)) == expected
        # And the next load starts a parsing process again.
        assert comparable(*_load(settings, database, body, bulk_parse_processes=1)) == expected
        assert multiprocessing.active_children()


class TestFullTextOfBulkLoads:
    def test_loaded_texts_are_found_and_later_writes_are_indexed_by_the_triggers(self, client, auth, database,
                                                                                  is_postgres):
        lines = [json.dumps(event_body(date=f"2010-{1 + n // 28:02d}-{1 + n % 28:02d}",
                                       summary=f"Summary {n} about gas.",
                                       sources=[{"text": f"Readout {n}: a zeppelin {'and a walrus' * (n % 2)}."}]))
                 for n in range(120)]
        result = client.post("/v1/events/bulk", content="\n".join(lines), headers={**auth, **NDJSON}).json()
        assert result["created"] == 120

        def found(q: str) -> int:
            return len(client.get("/v1/events", params={"q": q, "limit": 500}).json()["data"])

        assert (found("zeppelin"), found("walrus"), found("gas")) == (120, 60, 120)
        # After the load, events created one at a time are indexed as before (by the triggers).
        make_event(client, auth, date="2030-01-01", summary="A marmot.", sources=[{"text": "An aardvark."}])
        assert (found("marmot"), found("aardvark"), found("zeppelin")) == (1, 1, 120)
        event_id = client.get("/v1/events", params={"q": "marmot"}).json()["data"][0]["id"]
        assert client.patch(f"/v1/events/{event_id}", headers=auth, json={"summary": "A badger."}).status_code == 200
        assert (found("marmot"), found("badger")) == (0, 1)
        if not is_postgres:
            _check_full_text_indexes(database)
            empty_database(database)  # the delete triggers still follow the tables
            _check_full_text_indexes(database)


class TestChangesOfBulkLoadsShow:
    def test_a_load_that_only_adds_sources_to_stored_events_shows_in_the_next_answer(self, client, auth):
        # Enough rows for the set-based paths (PostgreSQL writes them by COPY, past SQLAlchemy's statements).
        def lines(text: str) -> str:
            return "\n".join(json.dumps(event_body(date=f"2011-{1 + n // 28:02d}-{1 + n % 28:02d}",
                                                   sources=[{"text": f"{text} {n}."}])) for n in range(60))

        first = client.post("/v1/events/bulk", content=lines("First readout"), headers={**auth, **NDJSON}).json()
        assert first["created"] == 60
        event_id = first["created_ids"][0]
        assert len(client.get(f"/v1/events/{event_id}").json()["sources"]) == 1  # answered, and kept
        again = client.post("/v1/events/bulk", content=lines("Second readout"), headers={**auth, **NDJSON}).json()
        assert (again["created"], again["duplicates"]) == (0, 60)
        assert len(client.get(f"/v1/events/{event_id}").json()["sources"]) == 2
        assert client.get("/v1/events", params={"q": "second"}).json()["data"]


def test_a_load_leaves_its_connections_as_it_found_them(settings, database, is_postgres):
    """SQLite: the page cache a load took is given back. PostgreSQL: statements are prepared again."""
    auth = emptied_with_writer(database)
    app = create_app(settings.model_copy(update={"sqlite_bulk_cache_mib": 64, "bulk_batch_size": 50}))

    def state(connection) -> object:  # noqa: ANN001
        if is_postgres:
            return connection.driver_connection.prepare_threshold
        return connection.cursor().execute("PRAGMA cache_size").fetchone()[0]

    fresh = database.write_engine.raw_connection()  # a connection of its own: the defaults
    try:
        expected = state(fresh)
    finally:
        fresh.close()
    with TestClient(app) as client:
        lines = [json.dumps(event_body(date=f"2012-{1 + n // 28:02d}-{1 + n % 28:02d}")) for n in range(120)]
        assert client.post("/v1/events/bulk", content="\n".join(lines), headers={**auth, **NDJSON}).json()["created"] == 120
        engine = app.state.database.write_engine
        connections = [engine.raw_connection() for _ in range(max(engine.pool.checkedin(), 1))]
        try:
            assert {state(connection) for connection in connections} == {expected}
        finally:
            for connection in connections:
                connection.close()
