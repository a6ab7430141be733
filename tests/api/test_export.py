"""GET /v1/events as CSV and NDJSON: every matching event streamed, filters applied, cells made safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from factories import emptied_with_writer, event_body, shared_world

CHUNK = 50  # the service's export chunk here: the 120 events below take three round trips
COUNT = 120

FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"click\")", "+1 555 0100", "-2+3", "@SUM(A1:A9)"]


def _body(n: int) -> dict[str, Any]:
    # Two events a day, so that chunks also end between events of one date.
    day = (dt.date(2020, 1, 1) + dt.timedelta(days=n // 2)).isoformat()
    kind = "phone_call" if n % 2 == 0 else "video_call"
    if n % 3 == 0:
        return event_body(date=day, kind=kind, summary=f"Readout number {n}.")
    return event_body(date=day, kind=kind, initiator="DE", summary=f"Readout number {n}.", topics=["energy"],
                      participants=[{"name": "Olaf Scholz", "title": "Chancellor", "country": "DE"},
                                    {"name": "Emmanuel Macron", "title": "President", "country": "FR"}])


def _formula_bodies() -> list[dict[str, Any]]:
    return [event_body(date="2030-01-01", kind="meeting", summary=FORMULAS[0],
                       participants=[{"name": "=cmd", "title": "-Minister", "country": "BY"},
                                     {"name": "Joe Biden", "title": "@President", "country": "US"}]),
            event_body(date="2030-01-02", kind="meeting", summary=FORMULAS[1]),
            event_body(date="2030-01-03", kind="meeting", summary=FORMULAS[2]),
            event_body(date="2030-01-04", kind="meeting", summary=FORMULAS[3],
                       sources=[{"url": "https://example.org/=1+1", "publisher": "+Press"}])]


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url, export_chunk_size=CHUNK) as state:
        state.update({"events": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """(client, every stored event as the JSON API answers it), stored once for this module."""
    client, events = _world_state["client"], _world_state["events"]
    if events is None or client.get(f"/v1/events/{events[0]['id']}").status_code != 200:
        writer = emptied_with_writer(_world_state["database"])
        lines = "\n".join(json.dumps(_body(n)) for n in range(COUNT))
        loaded = client.post("/v1/events/bulk", content=lines, headers={
            **writer, "Content-Type": "application/x-ndjson"})
        assert loaded.json()["created"] == COUNT, loaded.text
        events = client.get("/v1/events", params={"limit": 500}).json()["data"]
        assert len(events) == COUNT
        _world_state["events"] = events
    return client, events


def _page_ids(client, params: dict[str, Any]) -> list[str]:  # noqa: ANN001
    response = client.get("/v1/events", params={**params, "limit": 500})
    assert response.status_code == 200
    return [e["id"] for e in response.json()["data"]]


def _csv(response) -> list[dict[str, str]]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _ndjson(response) -> list[dict[str, Any]]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


class TestCsvExport:
    @pytest.mark.parametrize("how", ["format", "accept"])
    def test_every_event_in_order(self, world, how):
        client, events = world
        if how == "format":
            response = client.get("/v1/events", params={"format": "csv"})
        else:
            response = client.get("/v1/events", headers={"Accept": "text/csv"})
        rows = _csv(response)
        assert len(rows) == COUNT
        assert [row["id"] for row in rows] == [e["id"] for e in events]
        assert {"id", "kind", "date"} <= set(rows[0])

    def test_rows_carry_the_event_fields(self, world):
        client, events = world
        by_id = {e["id"]: e for e in events}
        for row in _csv(client.get("/v1/events", params={"format": "csv"})):
            event = by_id[row["id"]]
            assert row["kind"] == event["kind"]
            assert row["date"] == event["date"]
            assert row["summary"] == event["summary"]
            assert row["initiator"] == event["initiator"]

    @pytest.mark.parametrize(
        "params",
        [{"country": "BY"}, {"country": "DE", "date_from": "2020-02-01", "date_to": "2020-03-15"},
         {"person": "Lukashenka"}, {"topic": "energy", "sort": "date"}, {"initiator": "US"}, {"q": "number"}],
    )
    def test_filters_apply(self, world, params):
        client, _ = world
        expected = _page_ids(client, params)
        assert 0 < len(expected) < COUNT or params == {"q": "number"}
        rows = _csv(client.get("/v1/events", params={**params, "format": "csv"}))
        assert [row["id"] for row in rows] == expected

    def test_nothing_matching_is_a_header_alone(self, world):
        client, _ = world
        response = client.get("/v1/events", params={"format": "csv", "country": "PL"})
        assert _csv(response) == []
        assert len(response.text.splitlines()) == 1
        assert "id" in next(csv.reader(io.StringIO(response.text)))

    def test_bad_filter_is_a_422_problem_not_a_stream(self, world):
        client, _ = world
        response = client.get("/v1/events", params={"format": "csv", "country": "Narnia"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


class TestNdjsonExport:
    @pytest.mark.parametrize("how", ["format", "accept"])
    def test_every_event_as_the_api_answers_it(self, world, how):
        client, events = world
        if how == "format":
            response = client.get("/v1/events", params={"format": "ndjson"})
        else:
            response = client.get("/v1/events", headers={"Accept": "application/x-ndjson"})
        assert _ndjson(response) == events

    @pytest.mark.parametrize(
        "params",
        [{"country": "BY"}, {"kind": "phone_call", "date_to": "2020-02-01"}, {"date_from": "2020-01-13", "date_to": "2020-02-13"}, {"person": "Macron", "sort": "date"},
         {"country": "DE", "country_role": "initiator"}],
    )
    def test_filters_apply(self, world, params):
        client, _ = world
        expected = _page_ids(client, params)
        assert 0 < len(expected) < COUNT
        assert [e["id"] for e in _ndjson(client.get("/v1/events", params={**params, "format": "ndjson"}))] == expected

    def test_nothing_matching_is_an_empty_body(self, world):
        client, _ = world
        assert _ndjson(client.get("/v1/events", params={"format": "ndjson", "kind": "other"})) == []

    def test_json_stays_a_page(self, world):
        client, _ = world
        response = client.get("/v1/events", headers={"Accept": "application/json"})
        assert response.headers["content-type"].startswith("application/json")
        assert len(response.json()["data"]) == 50


class TestCsvQuoting:
    def test_commas_quotes_newlines_and_scripts_survive(self, client, auth):
        summary = 'Talks, "frank" and long;\nthen dinner — Лукашенко, 習近平'
        response = client.post("/v1/events", headers=auth, json=event_body(summary=summary, participants=[
            {"name": "Александр Лукашенко", "title": "Президент, глава", "country": "BY"},
            {"name": "Xi Jinping", "title": 'President "of China"', "country": "CN"}]))
        assert response.status_code == 201
        [row] = _csv(client.get("/v1/events", params={"format": "csv"}))
        assert row["summary"] == summary
        assert "Александр Лукашенко" in row["participants"]
        [line] = _ndjson(client.get("/v1/events", params={"format": "ndjson"}))
        assert line["summary"] == summary

    def test_the_format_parameter_wins_over_accept(self, client, auth):
        client.post("/v1/events", headers=auth, json=event_body())
        response = client.get("/v1/events", params={"format": "json"}, headers={"Accept": "text/csv"})
        assert response.headers["content-type"].startswith("application/json")
        assert len(response.json()["data"]) == 1
        response = client.get("/v1/events", params={"format": "ndjson"}, headers={"Accept": "text/csv"})
        assert len(_ndjson(response)) == 1


class TestFormulaCells:
    def test_cells_that_a_spreadsheet_would_run_are_neutralised(self, client, auth, settings):
        lines = "\n".join(json.dumps(body) for body in _formula_bodies())
        assert client.post("/v1/events/bulk", content=lines,
                           headers={**auth, "Content-Type": "application/x-ndjson"}).json()["created"] == 4
        rows = _csv(client.get("/v1/events", params={"format": "csv"}))
        assert len(rows) == 4
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(("=", "+", "-", "@")), (column, cell)
        summaries = sorted(row["summary"] for row in rows)
        for formula in FORMULAS:
            assert any(formula in summary for summary in summaries), (formula, summaries)
        # The NDJSON export carries the values untouched.
        assert sorted(e["summary"] for e in _ndjson(client.get("/v1/events", params={"format": "ndjson"}))) == \
            sorted(FORMULAS)
