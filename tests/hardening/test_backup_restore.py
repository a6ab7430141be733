"""Backup and restore: `export --format ndjson --sort date --texts` of a populated database, then
`migrate` and `ingest` of that file into a new database, give back the same answers.

What must be identical: every answer of GET /v1/events (each filter, both orders, page by page) but
for the ids and timestamps in it; the statistics and reference counts; each person who takes part
in an event, with their spellings, titles, offices and event count.
What may differ, and why:
- ids (of events, people, readouts) and `created_at`/`updated_at`: the new database makes its own;
  so `updated_since` answers differ, and a person's id in a URL changes.
- a person's `name`, when not an office-holder's: it is the first spelling stored, and a restore
  stores the oldest events first, not the first created. It is always one of their `aliases`.
- `discrepancies` of events merged from several readouts: they are worked out from each readout's
  extraction, which the export does not carry (a restored readout is text and metadata).
- what is not an event: the history of changes, the deletions feed, API keys, and people or
  spellings known only from deleted events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import event_body, make_event, new_postgres_database, shared_world
from hardening_support import walk
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings

TASHKENT = """Tashkent, 3 April 2023

President of the Republic of Uzbekistan Shavkat Mirziyoyev had a telephone conversation with President of \
Kazakhstan Kassym-Jomart Tokayev. The leaders discussed water management in Central Asia, the supply of \
sturgeon fry to the Aral basin and preparations for the next meeting of the Intergovernmental Council.
"""
ASTANA = """Astana, 3 April 2023

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with President of Uzbekistan \
Shavkat Mirziyoyev at the request of the Uzbek side. The sides discussed trade and water management and agreed \
to stay in contact.
"""

QUERIES: list[dict[str, Any]] = [
    {}, {"sort": "date"}, {"country": "BY"}, {"country": ["US", "KZ"]}, {"country": "NATO", "country_role": "mentioned"},
    {"country": "RU", "country_role": "any"}, {"person": "Lukashenka"}, {"person": "Peskov"}, {"topic": "energy"},
    {"kind": "meeting"}, {"initiator": "US"}, {"date_from": "2021-01-01", "date_to": "2021-12-31"},
    {"q": "sturgeon"}, {"q": "telephone conversation"}, {"q": "situation", "sort": "date"},
]
STATISTICS = ["/v1/stats/pairs", "/v1/stats/timeline?interval=year", "/v1/stats/timeline?interval=month&country=KZ",
              "/v1/countries", "/v1/topics"]
PEOPLE = ["Lukashenko", "Pompeo", "Putin", "Peskov", "Tokayev", "Mirziyoyev", "Macron", "Wang Yi"]


def populate(client, auth) -> None:  # noqa: ANN001
    """Events of every shape, stored out of date order, through each way in: events, bulk, readouts,
    corrections and a deletion."""
    make_event(client, auth, sources=[{"publisher": "President of the Republic of Belarus", "url": "https://example.org/1",
                                       "published_at": "2020-10-24", "text": "Aleksandr Lukashenko and Michael Pompeo "
                                       "had a telephone conversation on the situation in the region."}])
    make_event(client, auth, kind="meeting", date="2022-02-07", initiator=None, duration_minutes=None,
               participants=[{"name": "Vladimir Putin", "title": "President", "country": "RU"},
                             {"name": "Emmanuel Macron", "title": "President", "country": "FR"},
                             {"name": "Dmitri Peskov", "title": "Press Secretary", "country": "RU"}],
               topics=["security-defense", "regional-conflict"], mentioned_countries=["UA"], organizations=["NATO", "EU"],
               summary="Long talks in Moscow.", sources=[])
    # Three contacts of one day: their order within the day must stay.
    for name, country in [("Alexander Lukashenko", "BY"), ("Recep Tayyip Erdogan", "TR"), ("Kassym-Jomart Tokayev", "KZ")]:
        make_event(client, auth, date="2021-03-02", kind="phone_call", topics=["energy"], initiator="RU", summary=None,
                   participants=[{"name": "Vladimir Putin", "country": "RU"}, {"name": name, "country": country}],
                   mentioned_countries=[], organizations=[], sources=[])
    lines = [
        event_body(date="2020-01-15", kind="visit", initiator=None, duration_minutes=None,
                   participants=[{"title": "Foreign Minister", "country": "NO"}, {"name": "Wang Yi", "country": "CN"}],
                   topics=["climate-environment"], mentioned_countries=[], organizations=["UN"], summary=None,
                   sources=[{"publisher": "Ministry of Foreign Affairs of the PRC", "text": "Wang Yi met the Norwegian "
                             "Foreign Minister to discuss the Arctic."}]),
        event_body(date="2020-05-04", kind="phone_call", participants=[
            {"name": "Dmitry Peskov", "title": "Spokesman", "country": "RU"},
            {"name": "Michael Pompeo", "title": "Secretary of State", "country": "US"}], topics=["sanctions"],
            initiator="US", mentioned_countries=["BY"], organizations=[], sources=[]),
        event_body(date="2021-11-30", kind="video_call", participants=[
            {"name": "Joe Biden", "country": "US"}, {"name": "Xi Jinping", "country": "CN"}],
            topics=["trade-economy", "technology"], initiator="US", duration_minutes=210, duration_approximate=False,
            mentioned_countries=["TW"], organizations=[], summary="A virtual summit.", sources=[]),
        event_body(date="2019-12-01", kind="message", participants=[
            {"name": "Alexander Lukashenko", "country": "BY"}, {"name": "Vladimir Putin", "country": "RU"}],
            topics=["greetings"], initiator="BY", sources=[]),
    ]
    bulk = client.post("/v1/events/bulk", content="\n".join(json.dumps(line) for line in lines),
                       headers={**auth, "Content-Type": "application/x-ndjson"})
    assert bulk.json()["created"] == 4, bulk.text
    for readout in (TASHKENT, ASTANA):  # the two sides of one call: one event of two sources
        answer = client.post("/v1/readouts", content=readout.encode(), headers={**auth, "Content-Type": "text/plain"})
        assert answer.status_code == 201, answer.text
    assert len(answer.json()["event"]["sources"]) == 2
    events = client.get("/v1/events", params={"limit": 500}).json()["data"]
    corrected = next(e for e in events if e["kind"] == "video_call")
    assert client.patch(f"/v1/events/{corrected['id']}", json={"topics": ["trade-economy", "security-defense"],
                                                               "summary": "A virtual summit, corrected."},
                        headers=auth).status_code == 200
    deleted = next(e for e in events if e["kind"] == "message")
    assert client.delete(f"/v1/events/{deleted['id']}", headers=auth).status_code == 204


def without_ids(event: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in event.items() if k not in {"id", "created_at", "updated_at", "discrepancies"}},
            "participants": [{k: v for k, v in p.items() if k != "person_id"} for p in event["participants"]],
            "sources": [{k: v for k, v in s.items() if k != "readout_id"} for s in event["sources"]]}


def answers(client) -> dict[str, Any]:  # noqa: ANN001
    """Everything the restore must give back, as the API answers it, without ids."""
    found: dict[str, Any] = {}
    for query in QUERIES:
        for limit in (2, 500):  # page by page, and whole
            found[f"events {query} by {limit}"] = [without_ids(e) for e in walk(client, limit=limit, checkable=False,
                                                                               **query)]
    for path in STATISTICS:
        response = client.get(path)
        assert response.status_code == 200, response.text
        found[path] = response.json()
    for name in PEOPLE:
        people = client.get("/v1/people", params={"q": name}).json()["data"]
        for person in people:
            assert person["name"] in person["aliases"]
        found[f"people {name}"] = sorted(({**{k: v for k, v in p.items() if k not in {"id", "name"}},
                                           "aliases": sorted(p["aliases"])} for p in people if p["event_count"]),
                                         key=str)
    return found


@pytest.fixture
def restored_database_url(settings, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    """A database that does not exist yet, on the test database's server."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with new_postgres_database(settings.database_url, prefix="readout_restore") as url:
        yield url


@pytest.fixture
def command(monkeypatch):  # noqa: ANN001, ANN201
    """`python -m app ...` on a database, in this process (typer's runner); answers the result."""
    runner = CliRunner()

    def run(database_url: str, *args: str):  # noqa: ANN202
        monkeypatch.setenv("DATABASE_URL", database_url)
        get_settings.cache_clear()
        try:
            result = runner.invoke(cli, list(args), catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return result

    return run


def test_an_export_ingested_into_a_new_database_gives_the_same_answers(client, auth, settings, command,
                                                                        restored_database_url, tmp_path):
    command(settings.database_url, "migrate")  # as deployed: with the office-holders the tests' emptying removed
    populate(client, auth)
    before = answers(client)
    backup = tmp_path / "backup.ndjson"
    backup.write_text(command(settings.database_url, "export", "--format", "ndjson", "--sort", "date",
                              "--texts").stdout, encoding="utf-8")
    command(restored_database_url, "migrate")
    command(restored_database_url, "ingest", str(backup))
    with shared_world(restored_database_url) as restored:
        after = answers(restored["client"])
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert before["events {'q': 'sturgeon'} by 500"], "the readout text search found nothing to compare"
