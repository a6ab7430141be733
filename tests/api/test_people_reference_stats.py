"""GET /v1/people, /v1/people/{id}, /v1/countries, /v1/topics, /v1/stats/timeline and /v1/stats/pairs."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

import pytest
from factories import (
    emptied_with_writer,
    event_body,
    make_event,
    shared_world,
)


def _p(name: str, country: str, title: str | None = "President") -> dict[str, Any]:
    return {"name": name, "country": country, "title": title}


DATASET = [
    event_body(kind="phone_call", date="2020-10-24", initiator="US", topics=["sovereignty", "security-defense"],
               participants=[_p("Aleksandr Lukashenko", "BY"), _p("Michael Pompeo", "US", "Secretary of State")]),
    event_body(kind="meeting", date="2021-02-22", initiator=None, topics=["trade-economy", "energy"],
               participants=[_p("Alexander Lukashenko", "BY"), _p("Vladimir Putin", "RU")]),
    event_body(kind="visit", date="2019-05-10", initiator="BY", topics=["trade-economy"],
               participants=[_p("Александр Лукашенко", "BY", "Президент"), _p("Xi Jinping", "CN")]),
    event_body(kind="video_call", date="2021-03-01", initiator="DE", topics=["climate-environment"],
               mentioned_countries=["BY"], organizations=[],
               participants=[_p("Joe Biden", "US"), _p("Angela Merkel", "DE", "Chancellor")]),
    event_body(kind="message", date="2020-12-31", initiator="FR", topics=["greetings", "multilateral"],
               mentioned_countries=[], organizations=["EU"],
               participants=[_p("Emmanuel Macron", "FR"), _p("António Guterres", "UN", "Secretary-General")]),
    event_body(kind="phone_call", date="2020-10-26", initiator="UA", topics=["security-defense"],
               participants=[_p("Volodymyr Zelensky", "UA"), _p("Joe Biden", "US")]),
    event_body(kind="meeting", date="2021-02-23", initiator=None, topics=["regional-conflict"],
               participants=[_p("Alexander Lukashenka", "BY"), _p("Vladimir Putin", "RU"),
                             _p("Kassym-Jomart Tokayev", "KZ")]),
]
LUKASHENKO_SPELLINGS = {"Aleksandr Lukashenko", "Alexander Lukashenko", "Александр Лукашенко", "Alexander Lukashenka"}


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url) as state:
        state.update({"events": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """A client over the dataset above, stored once for the module (stored again if a test emptied it)."""
    client, events = _world_state["client"], _world_state["events"]
    if events is None or client.get(f"/v1/events/{events[0]['id']}").status_code != 200 \
            or len(client.get("/v1/events").json()["data"]) != len(DATASET):
        writer = emptied_with_writer(_world_state["database"])
        auth = writer
        _world_state["events"] = [make_event(client, auth, **body) for body in DATASET]
    return client


def _ok(response) -> Any:  # noqa: ANN001, ANN401
    assert response.status_code == 200, response.text
    return response.json()


def _problem(response, status: int = 422) -> dict[str, Any]:  # noqa: ANN001
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


class TestPeople:
    @pytest.mark.parametrize("q", [
        "Lukashenko", "lukashenka", "LUKASHENKO", "Лукашенко", "Aleksandr Lukashenko", "alexander",
        "Lukaschenko", "LUKASHÉNKO",
        # ISO 9 / scholarly transliteration of Лукашенко, and the Belarusian Latin spelling.
        "Lukašenko", "Lukašenka",
    ])
    def test_one_person_under_every_spelling(self, world, q):
        people = _ok(world.get("/v1/people", params={"q": q}))["data"]
        lukashenko = [p for p in people if LUKASHENKO_SPELLINGS & set(p["aliases"])]
        assert len(lukashenko) == 1, people
        person = lukashenko[0]
        assert person["country"] == "BY"
        assert LUKASHENKO_SPELLINGS <= set(person["aliases"])
        assert {"President", "Президент"} <= set(person["titles"])
        assert person["event_count"] == 4

    def test_a_person_by_id(self, world):
        [listed] = _ok(world.get("/v1/people", params={"q": "Biden"}))["data"]
        person = _ok(world.get(f"/v1/people/{listed['id']}"))
        assert person == listed
        assert person["name"] == "Joe Biden"
        assert person["country"] == "US"
        assert person["event_count"] == 2
        assert "President" in person["titles"]

    def test_the_person_ids_of_events_are_people(self, world):
        for event in _ok(world.get("/v1/events"))["data"]:
            for participant in event["participants"]:
                person = _ok(world.get(f"/v1/people/{participant['person_id']}"))
                assert participant["name"] in person["aliases"]
                assert person["country"] == participant["country"]

    def test_event_count_agrees_with_the_person_id_filter(self, world):
        for person in _ok(world.get("/v1/people", params={"limit": 500}))["data"]:
            events = _ok(world.get("/v1/events", params={"person_id": person["id"]}))["data"]
            assert person["event_count"] == len(events), person["name"]

    @pytest.mark.parametrize(("q", "names"), [
        ("Putin", {"Vladimir Putin"}), ("vladimir putin", {"Vladimir Putin"}), ("Merkel", {"Angela Merkel"}),
        ("guterres", {"António Guterres"}), ("Antonio Guterres", {"António Guterres"}),
        ("Zelenskyy", {"Volodymyr Zelensky"}), ("Tokayev", {"Kassym-Jomart Tokayev"}), ("Nobody Atall", set()),
    ])
    def test_search(self, world, q, names):
        assert {p["name"] for p in _ok(world.get("/v1/people", params={"q": q}))["data"]} == names

    def test_country_filter(self, world):
        people = _ok(world.get("/v1/people", params={"country": "United States", "limit": 500}))["data"]
        assert {"Michael Pompeo", "Joe Biden"} <= {p["name"] for p in people}
        assert {p["country"] for p in people} == {"US"}
        assert {p["name"] for p in _ok(world.get("/v1/people", params={"country": "UN"}))["data"]} >= \
            {"António Guterres"}

    @pytest.mark.parametrize("person_id", ["999999", "abc", "0", "-1"])
    def test_unknown_person_is_404(self, world, person_id):
        _problem(world.get(f"/v1/people/{person_id}"), 404)

    @pytest.mark.parametrize(("params", "field"), [({"country": "Narnia"}, "country"), ({"limit": 501}, "limit"),
                                                   ({"limit": 0}, "limit")])
    def test_bad_parameters_are_422(self, world, params, field):
        assert field in [e["field"] for e in _problem(world.get("/v1/people", params=params))["errors"]]


class TestCountries:
    def test_countries_and_organisations_with_event_counts(self, world):
        rows = _ok(world.get("/v1/countries"))["data"]
        by_code = {row["code"]: row for row in rows}
        assert len(by_code) == len(rows)
        assert sum(row["kind"] == "country" for row in rows) >= 249
        assert by_code["BY"]["alpha3"] == "BLR"
        assert by_code["BY"]["kind"] == "country"
        assert "Belarus" in by_code["BY"]["name"]
        expected = {"BY": 4, "US": 3, "RU": 2, "CN": 1, "DE": 1, "FR": 1, "UA": 1, "KZ": 1, "UN": 1, "PL": 0,
                    "EU": 0, "NATO": 0}
        assert {code: by_code[code]["event_count"] for code in expected} == expected
        assert sum(row["event_count"] for row in rows) == sum(expected.values())

    def test_organisations_only(self, world):
        rows = _ok(world.get("/v1/countries", params={"kind": "organization"}))["data"]
        codes = {row["code"] for row in rows}
        assert {"UN", "EU", "NATO", "CSTO"} <= codes
        assert "BY" not in codes
        assert {row["kind"] for row in rows} == {"organization"}
        assert next(row for row in rows if row["code"] == "UN")["event_count"] == 1

    def test_countries_only(self, world):
        rows = _ok(world.get("/v1/countries", params={"kind": "country"}))["data"]
        assert {row["kind"] for row in rows} == {"country"}
        assert "UN" not in {row["code"] for row in rows}

    def test_unknown_kind_is_422(self, world):
        _problem(world.get("/v1/countries", params={"kind": "planet"}))


class TestTopics:
    def test_the_23_topics_with_event_counts(self, world):
        taxonomy = json.loads(resources.files("app.reference").joinpath("data/taxonomy.json").read_text("utf-8"))
        rows = _ok(world.get("/v1/topics"))["data"]
        assert len(rows) == 23
        assert {row["slug"] for row in rows} == set(taxonomy["topics"])
        assert all(row["description"] for row in rows)
        counts = {row["slug"]: row["event_count"] for row in rows}
        expected = {"sovereignty": 1, "security-defense": 2, "trade-economy": 2, "energy": 1,
                    "climate-environment": 1, "greetings": 1, "multilateral": 1, "regional-conflict": 1}
        assert {slug: n for slug, n in counts.items() if n} == expected


def _buckets(body: dict[str, Any]) -> dict[str, int]:
    return {bucket["start"]: bucket["count"] for bucket in body["data"] if bucket["count"]}


class TestTimeline:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {"2019-05-01": 1, "2020-10-01": 2, "2020-12-01": 1, "2021-02-01": 2, "2021-03-01": 1}),
            ({"interval": "month"}, {"2019-05-01": 1, "2020-10-01": 2, "2020-12-01": 1, "2021-02-01": 2,
                                     "2021-03-01": 1}),
            ({"interval": "year"}, {"2019-01-01": 1, "2020-01-01": 3, "2021-01-01": 3}),
            # ISO weeks start on Monday: 24 October 2020 is a Saturday, 26 October the next Monday.
            ({"interval": "week"}, {"2019-05-06": 1, "2020-10-19": 1, "2020-10-26": 1, "2020-12-28": 1,
                                    "2021-02-22": 2, "2021-03-01": 1}),
            ({"country": "BY"}, {"2019-05-01": 1, "2020-10-01": 1, "2021-02-01": 2}),
            ({"country": "BY", "country_role": "any", "interval": "year"}, {"2019-01-01": 1, "2020-01-01": 1,
                                                                            "2021-01-01": 3}),
            ({"person": "Biden", "interval": "year"}, {"2020-01-01": 1, "2021-01-01": 1}),
            ({"kind": "meeting"}, {"2021-02-01": 2}),
            ({"topic": "security-defense", "interval": "week"}, {"2020-10-19": 1, "2020-10-26": 1}),
            ({"date_from": "2020-10-25", "date_to": "2021-02-22"}, {"2020-10-01": 1, "2020-12-01": 1,
                                                                   "2021-02-01": 1}),
            ({"initiator": "US"}, {"2020-10-01": 1}),
            ({"kind": "other"}, {}),
        ],
    )
    def test_counts_per_interval(self, world, params, expected):
        body = _ok(world.get("/v1/stats/timeline", params=params))
        assert body["interval"] == params.get("interval", "month")
        assert _buckets(body) == expected
        starts = [bucket["start"] for bucket in body["data"]]
        assert starts == sorted(starts)
        assert len({bucket["period"] for bucket in body["data"]}) == len(body["data"])

    def test_week_periods_are_iso_weeks(self, world):
        body = _ok(world.get("/v1/stats/timeline", params={"interval": "week"}))
        for bucket in body["data"]:
            start = dt.date.fromisoformat(bucket["start"])
            assert start.weekday() == 0
            year, week, _ = start.isocalendar()
            assert str(year) in bucket["period"] and f"{week:02d}" in bucket["period"]

    def test_the_timeline_adds_up_to_the_events(self, world):
        for params in ({}, {"country": "US"}, {"q": "situation"}):
            events = _ok(world.get("/v1/events", params={**params, "limit": 500}))["data"]
            timeline = _ok(world.get("/v1/stats/timeline", params=params))
            assert sum(bucket["count"] for bucket in timeline["data"]) == len(events)

    @pytest.mark.parametrize(("params", "field"), [
        ({"interval": "decade"}, "interval"), ({"country": "Narnia"}, "country"), ({"topic": "gossip"}, "topic"),
        ({"date_from": "2021-01-02", "date_to": "2021-01-01"}, "date_from"),
        ({"updated_since": "2021-01-01T00:00:00"}, "updated_since"),
    ])
    def test_bad_parameters_are_422(self, world, params, field):
        fields = [e["field"] for e in _problem(world.get("/v1/stats/timeline", params=params))["errors"]]
        assert any(f == field or f.startswith(field + ".") for f in fields), fields


def _pairs(body: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {tuple(row["countries"]): row["count"] for row in body["data"]}


class TestPairs:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({}, {("BY", "RU"): 2, ("BY", "US"): 1, ("BY", "CN"): 1, ("DE", "US"): 1, ("FR", "UN"): 1,
                  ("UA", "US"): 1, ("BY", "KZ"): 1, ("KZ", "RU"): 1}),
            ({"date_from": "2021-01-01"}, {("BY", "RU"): 2, ("DE", "US"): 1, ("BY", "KZ"): 1, ("KZ", "RU"): 1}),
            ({"country": "US"}, {("BY", "US"): 1, ("DE", "US"): 1, ("UA", "US"): 1}),
            # A mentioned country is no party to the conversation.
            ({"country": "BY", "country_role": "mentioned"}, {("DE", "US"): 1}),
            ({"person": "Putin"}, {("BY", "RU"): 2, ("BY", "KZ"): 1, ("KZ", "RU"): 1}),
            ({"kind": "phone_call"}, {("BY", "US"): 1, ("UA", "US"): 1}),
            ({"topic": "greetings"}, {("FR", "UN"): 1}),
            ({"kind": "other"}, {}),
        ],
    )
    def test_counts_per_pair(self, world, params, expected):
        body = _ok(world.get("/v1/stats/pairs", params=params))
        assert _pairs(body) == expected
        assert all(list(row["countries"]) == sorted(row["countries"]) for row in body["data"])
        counts = [row["count"] for row in body["data"]]
        assert counts == sorted(counts, reverse=True)

    def test_bad_filter_is_422(self, world):
        _problem(world.get("/v1/stats/pairs", params={"kind": "dinner"}))
