"""GET /v1/events: every filter, alone and combined, over a small dataset; sorting, limits and bad values."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from factories import (
    emptied_with_writer,
    event_body,
    make_event,
    shared_world,
)

# A small world of events, named so that the expected results below read as sets of names.
DATASET: dict[str, dict[str, Any]] = {
    "minsk_call": event_body(
        kind="phone_call", date="2020-10-24", initiator="US",
        participants=[{"name": "Aleksandr Lukashenko", "title": "President", "country": "BY"},
                      {"name": "Michael Pompeo", "title": "Secretary of State", "country": "US"}],
        topics=["sovereignty", "security-defense"], mentioned_countries=["RU", "PL"], organizations=["CSTO"],
        summary="The two discussed the international situation.",
        sources=[{"publisher": "President of the Republic of Belarus",
                  "text": "Aleksandr Lukashenko had a telephone conversation with Michael Pompeo. "
                          "They talked about sanctions."}],
    ),
    "sochi_meeting": event_body(
        kind="meeting", date="2021-02-22", initiator=None, duration_minutes=None,
        participants=[{"name": "Alexander Lukashenko", "title": "President", "country": "BY"},
                      {"name": "Vladimir Putin", "title": "President", "country": "RU"}],
        topics=["trade-economy", "energy"], mentioned_countries=["UA"], organizations=["EAEU"],
        summary="Talks in Sochi about prices.",
        sources=[{"publisher": "Kremlin",
                  "text": "The presidents met in Sochi and discussed natural gas supplies."}],
    ),
    "beijing_visit": event_body(
        kind="visit", date="2019-05-10", initiator="BY",
        participants=[{"name": "Александр Лукашенко", "title": "Президент", "country": "BY"},
                      {"name": "Xi Jinping", "title": "President", "country": "CN"}],
        topics=["bilateral-relations", "trade-economy"], mentioned_countries=[], organizations=[], summary=None,
    ),
    "berlin_video": event_body(
        kind="video_call", date="2021-03-01", initiator="DE",
        participants=[{"name": "Joe Biden", "title": "President", "country": "US"},
                      {"name": "Angela Merkel", "title": "Chancellor", "country": "DE"}],
        topics=["climate-environment"], mentioned_countries=["BY", "RU"], organizations=[],
        summary="Climate cooperation and the situation in Belarus.",
    ),
    "paris_message": event_body(
        kind="message", date="2020-12-31", initiator="FR",
        participants=[{"name": "Emmanuel Macron", "title": "President", "country": "FR"},
                      {"name": "António Guterres", "title": "Secretary-General", "country": "UN"}],
        topics=["greetings", "multilateral"], mentioned_countries=[], organizations=[],
        summary="New Year greetings.",
    ),
    "kyiv_call": event_body(
        kind="phone_call", date="2020-10-24", initiator="UA",
        participants=[{"name": "Volodymyr Zelensky", "title": "President", "country": "UA"},
                      {"name": "Joe Biden", "title": "President", "country": "US"}],
        topics=["security-defense", "regional-conflict"], mentioned_countries=["RU"], organizations=[],
        summary="Security assistance was discussed.",
    ),
}
ALL = set(DATASET)


@pytest.fixture
def dataset(client, auth) -> dict[str, dict[str, Any]]:
    """label -> stored event."""
    return {label: make_event(client, auth, **body) for label, body in DATASET.items()}


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url) as state:
        state.update({"events": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """(client, label -> event): the dataset stored once and shared by the read-only tests of this module.

    Stored again if a test in between emptied the database.
    """
    client, events = _world_state["client"], _world_state["events"]
    if events is None or client.get(f"/v1/events/{events['minsk_call']['id']}").status_code != 200:
        writer = emptied_with_writer(_world_state["database"])
        auth = writer
        events = _world_state["events"] = {label: make_event(client, auth, **body) for label, body in DATASET.items()}
    return client, events


def found(client, dataset, params) -> set[str]:  # noqa: ANN001
    response = client.get("/v1/events", params=[*params, ("limit", "500")])
    assert response.status_code == 200, response.text
    labels = {event["id"]: label for label, event in dataset.items()}
    ids = [event["id"] for event in response.json()["data"]]
    assert len(ids) == len(set(ids)), "an event was answered twice"
    return {labels[i] for i in ids}


class TestFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ([], ALL),
            # country: alpha-2, alpha-3, English names in any case; participant role by default
            ([("country", "BY")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "by")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "blr")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "BLR")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "Belarus")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "republic of belarus")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "United States of America")], {"minsk_call", "berlin_video", "kyiv_call"}),
            ([("country", "Germany")], {"berlin_video"}),
            ([("country", "UN")], {"paris_message"}),
            ([("country", "PL")], set()),
            # repeats are OR
            ([("country", "BY"), ("country", "DEU")], {"minsk_call", "sochi_meeting", "beijing_visit", "berlin_video"}),
            ([("country", "CN"), ("country", "FR")], {"beijing_visit", "paris_message"}),
            # country_role
            ([("country", "BY"), ("country_role", "participant")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("country", "BY"), ("country_role", "initiator")], {"beijing_visit"}),
            ([("country", "BY"), ("country_role", "mentioned")], {"berlin_video"}),
            ([("country", "BY"), ("country_role", "any")],
             {"minsk_call", "sochi_meeting", "beijing_visit", "berlin_video"}),
            ([("country", "US"), ("country_role", "initiator")], {"minsk_call"}),
            ([("country", "RU"), ("country_role", "mentioned")], {"minsk_call", "berlin_video", "kyiv_call"}),
            ([("country", "RU"), ("country_role", "any")], {"minsk_call", "sochi_meeting", "berlin_video", "kyiv_call"}),
            ([("country", "PL"), ("country_role", "any")], {"minsk_call"}),
            ([("country", "PL"), ("country", "UA"), ("country_role", "mentioned")], {"minsk_call", "sochi_meeting"}),
            # person: name, surname, alias; any case, accents, script or transliteration
            ([("person", "Lukashenko")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("person", "lukashenka")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("person", "LUKASHENKO")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("person", "Лукашенко")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("person", "Alexander Lukashenko")], {"minsk_call", "sochi_meeting", "beijing_visit"}),
            ([("person", "Biden")], {"berlin_video", "kyiv_call"}),
            ([("person", "Zelenskyy")], {"kyiv_call"}),
            ([("person", "antonio guterres")], {"paris_message"}),
            ([("person", "GUTERRES")], {"paris_message"}),
            ([("person", "Biden"), ("person", "Putin")], {"sochi_meeting", "berlin_video", "kyiv_call"}),
            ([("person", "Nobody Atall")], set()),
            ([("person", "Joe Lukashenko")], set()),
            # topic (repeatable)
            ([("topic", "trade-economy")], {"sochi_meeting", "beijing_visit"}),
            ([("topic", "security-defense")], {"minsk_call", "kyiv_call"}),
            ([("topic", "trade-economy"), ("topic", "greetings")], {"sochi_meeting", "beijing_visit", "paris_message"}),
            ([("topic", "sanctions")], set()),
            # kind (repeatable)
            ([("kind", "phone_call")], {"minsk_call", "kyiv_call"}),
            ([("kind", "phone_call"), ("kind", "visit")], {"minsk_call", "kyiv_call", "beijing_visit"}),
            ([("kind", "other")], set()),
            # initiator: codes or names, repeatable
            ([("initiator", "US")], {"minsk_call"}),
            ([("initiator", "DEU")], {"berlin_video"}),
            ([("initiator", "Ukraine")], {"kyiv_call"}),
            ([("initiator", "US"), ("initiator", "FR")], {"minsk_call", "paris_message"}),
            ([("initiator", "RU")], set()),
            # dates, inclusive
            ([("date_from", "2020-10-24")], {"minsk_call", "kyiv_call", "sochi_meeting", "berlin_video", "paris_message"}),
            ([("date_from", "2020-10-25")], {"sochi_meeting", "berlin_video", "paris_message"}),
            ([("date_to", "2020-10-24")], {"minsk_call", "kyiv_call", "beijing_visit"}),
            ([("date_to", "2020-10-23")], {"beijing_visit"}),
            ([("date_from", "2020-10-24"), ("date_to", "2020-10-24")], {"minsk_call", "kyiv_call"}),
            ([("date_from", "2020-11-01"), ("date_to", "2021-02-28")], {"sochi_meeting", "paris_message"}),
            ([("date_from", "2022-01-01")], set()),
            # q: full text over readout texts and summaries
            ([("q", "sanctions")], {"minsk_call"}),  # readout text only
            ([("q", "Sochi")], {"sochi_meeting"}),
            ([("q", "natural gas")], {"sochi_meeting"}),  # both words in the readout text
            ([("q", "climate")], {"berlin_video"}),  # summary only
            ([("q", "GREETINGS")], {"paris_message"}),
            ([("q", "telephone conversation")], {"minsk_call"}),
            ([("q", "unicorns")], set()),
            ([("q", "natural unicorns")], set()),
            # AND between filters
            ([("country", "BY"), ("kind", "meeting")], {"sochi_meeting"}),
            ([("country", "BY"), ("date_from", "2020-01-01")], {"minsk_call", "sochi_meeting"}),
            ([("person", "Lukashenko"), ("topic", "trade-economy")], {"sochi_meeting", "beijing_visit"}),
            ([("country", "US"), ("topic", "security-defense"), ("kind", "phone_call")], {"minsk_call", "kyiv_call"}),
            ([("kind", "phone_call"), ("initiator", "UA")], {"kyiv_call"}),
            ([("person", "Biden"), ("country", "DE")], {"berlin_video"}),
            ([("country", "BY"), ("country_role", "any"), ("q", "climate")], {"berlin_video"}),
            ([("topic", "greetings"), ("country", "BY")], set()),
            ([("person", "Lukashenko"), ("person", "Biden"), ("kind", "phone_call")], {"minsk_call", "kyiv_call"}),
            ([("country", "BY"), ("country", "US"), ("topic", "trade-economy"), ("topic", "climate-environment")],
             {"sochi_meeting", "beijing_visit", "berlin_video"}),
            ([("q", "supplies"), ("person", "Putin")], {"sochi_meeting"}),
            ([("q", "supplies"), ("person", "Biden")], set()),
        ],
    )
    def test_filter_table(self, world, params, expected):
        assert found(*world, params) == expected

    def test_person_id_finds_every_event_of_that_person_under_any_spelling(self, world):
        client, dataset = world
        lukashenko = dataset["minsk_call"]["participants"][0]["person_id"]
        biden = dataset["kyiv_call"]["participants"][1]["person_id"]
        assert found(client, dataset, [("person_id", lukashenko)]) == {"minsk_call", "sochi_meeting", "beijing_visit"}
        assert found(client, dataset, [("person_id", biden)]) == {"berlin_video", "kyiv_call"}
        assert found(client, dataset, [("person_id", lukashenko), ("person_id", biden)]) == {
            "minsk_call", "sochi_meeting", "beijing_visit", "berlin_video", "kyiv_call"}
        assert found(client, dataset, [("person_id", biden), ("kind", "video_call")]) == {"berlin_video"}

    def test_person_id_of_nobody_matches_nothing(self, world):
        assert found(*world, [("person_id", "987654321")]) == set()

    def test_three_spellings_of_one_name_are_one_person_with_three_aliases(self, world):
        client, dataset = world
        people = client.get("/v1/people", params={"q": "Lukashenko"}).json()["data"]
        assert len(people) == 1
        person = people[0]
        assert person["country"] == "BY"
        assert {"Aleksandr Lukashenko", "Alexander Lukashenko", "Александр Лукашенко"} <= set(person["aliases"])
        assert person["event_count"] == 3
        assert {p["person_id"] for label in ("minsk_call", "sochi_meeting", "beijing_visit")
                for p in dataset[label]["participants"] if p["country"] == "BY"} == {person["id"]}

    def test_same_name_in_another_country_is_another_person(self, client, auth):
        gb = make_event(client, auth, participants=[{"name": "John Smith", "country": "GB"},
                                                    {"name": "Pierre Dupont", "country": "FR"}], initiator=None)
        us = make_event(client, auth, participants=[{"name": "John Smith", "country": "US"},
                                                    {"name": "Pierre Dupont", "country": "FR"}], initiator=None)
        assert gb["participants"][0]["person_id"] != us["participants"][0]["person_id"]
        assert gb["participants"][1]["person_id"] == us["participants"][1]["person_id"]

    def test_q_finds_text_posted_later_as_another_source(self, client, auth, dataset):
        again = client.post("/v1/events", headers=auth, json={
            **DATASET["berlin_video"],
            "sources": [{"publisher": "Bundesregierung", "text": "The Chancellor spoke about hydrogen."}]})
        assert again.status_code == 200
        assert again.json()["id"] == dataset["berlin_video"]["id"]
        assert found(client, dataset, [("q", "hydrogen")]) == {"berlin_video"}


class TestAwkwardSearchText:
    @pytest.mark.parametrize("q", ['"', '""', "*", "sanc*", "NEAR(a b)", "a OR b", "-sanctions", "sanctions:",
                                   "' OR 1=1 --", "%", "_", "\\", "(", "^", "!!!", "Pompeo's", "x" * 500,
                                   "санкции", "制裁", "\u00e9"])
    def test_q_never_fails(self, world, q):
        client, _ = world
        response = client.get("/v1/events", params={"q": q})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("person", ["%", "_", "' OR 1=1 --", "...", "Lukashenko%", "习近平", "\\"])
    def test_person_never_fails_and_wildcards_are_not_wildcards(self, world, person):
        client, _ = world
        response = client.get("/v1/events", params={"person": person})
        assert response.status_code == 200, response.text
        assert len(response.json()["data"]) < len(DATASET)

    def test_q_words_are_terms_not_operators(self, world):
        assert found(*world, [("q", "sanctions OR climate")]) == set()
        assert found(*world, [("q", '"sanctions"')]) == {"minsk_call"}


class TestUpdatedSince:
    def test_events_created_or_changed_since_a_time(self, client, auth):
        old = make_event(client, auth, date="2020-01-01")
        untouched = make_event(client, auth, date="2020-01-02", participants=[{"name": "Ann Linde", "country": "SE"},
                                                                               {"name": "Joe Biden", "country": "US"}])
        time.sleep(0.02)
        cutoff = dt.datetime.now(dt.UTC)
        time.sleep(0.02)
        patched = client.patch(f"/v1/events/{old['id']}", json={"summary": "Corrected."}, headers=auth)
        assert patched.status_code == 200
        new = make_event(client, auth, date="2019-01-01", participants=[{"name": "Olaf Scholz", "country": "DE"},
                                                                       {"name": "Joe Biden", "country": "US"}])

        def since(value: str) -> set[str]:
            response = client.get("/v1/events", params={"updated_since": value})
            assert response.status_code == 200, response.text
            return {event["id"] for event in response.json()["data"]}

        assert since(cutoff.isoformat()) == {old["id"], new["id"]}
        assert since(cutoff.isoformat().replace("+00:00", "Z")) == {old["id"], new["id"]}
        # The same instant written in another zone.
        assert since(cutoff.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat()) == {old["id"], new["id"]}
        assert since("2000-01-01T00:00:00+02:00") == {old["id"], untouched["id"], new["id"]}
        # The bound is inclusive: a mirror that asks from the last updated_at it saw misses nothing.
        latest = client.get(f"/v1/events/{old['id']}").json()["updated_at"]
        assert old["id"] in since(latest)
        assert since((dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()) == set()


class TestSortAndLimit:
    def test_newest_first_by_default_and_oldest_first_on_request(self, client, dataset):
        newest_first = client.get("/v1/events").json()["data"]
        dates = [event["date"] for event in newest_first]
        assert dates == sorted(dates, reverse=True)
        assert client.get("/v1/events", params={"sort": "-date"}).json()["data"] == newest_first
        oldest_first = client.get("/v1/events", params={"sort": "date"}).json()["data"]
        assert [event["date"] for event in oldest_first] == sorted(dates)
        assert {e["id"] for e in oldest_first} == {e["id"] for e in newest_first}

    def test_page_shape(self, client, dataset):
        page = client.get("/v1/events").json()
        assert set(page) == {"data", "next_cursor"}
        assert page["next_cursor"] is None
        assert page["data"][0] == client.get(f"/v1/events/{page['data'][0]['id']}").json()

    def test_default_page_is_50_and_limit_goes_to_500(self, client, auth):
        lines = "\n".join(
            json.dumps(event_body(date=(dt.date(2020, 1, 1) + dt.timedelta(days=n)).isoformat()))
            for n in range(51)
        )
        loaded = client.post("/v1/events/bulk", content=lines,
                             headers={**auth, "Content-Type": "application/x-ndjson"})
        assert loaded.json()["created"] == 51
        default = client.get("/v1/events").json()
        assert len(default["data"]) == 50
        assert default["next_cursor"]
        assert len(client.get("/v1/events", params={"limit": 500}).json()["data"]) == 51
        assert len(client.get("/v1/events", params={"limit": 7}).json()["data"]) == 7

    @pytest.mark.parametrize("limit", ["501", "0", "-1", "1000000", "ten"])
    def test_limit_out_of_range_is_422(self, world, limit):
        client, _ = world
        response = client.get("/v1/events", params={"limit": limit})
        assert response.status_code == 422
        assert "limit" in [error["field"] for error in response.json()["errors"]]


class TestBadFilterValues:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"country": "Narnia"}, "country"),
            ({"country": ""}, "country"),
            ({"initiator": "Atlantis"}, "initiator"),
            ({"topic": "gossip"}, "topic"),
            ({"kind": "dinner"}, "kind"),
            ({"country_role": "host"}, "country_role"),
            ({"person_id": "abc"}, "person_id"),
            ({"person_id": "-3"}, "person_id"),
            ({"date_from": "24 October 2020"}, "date_from"),
            ({"date_to": "2020-13-01"}, "date_to"),
            ({"date_from": "2021-01-02", "date_to": "2021-01-01"}, "date_from"),
            ({"updated_since": "2020-10-24T10:00:00"}, "updated_since"),
            ({"updated_since": "2020-10-24"}, "updated_since"),
            ({"updated_since": "yesterday"}, "updated_since"),
            ({"sort": "name"}, "sort"),
            ({"format": "xml"}, "format"),
        ],
    )
    def test_unknown_values_are_a_422_naming_the_field(self, world, params, field):
        client, _ = world
        response = client.get("/v1/events", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 422
        fields = [error["field"] for error in problem["errors"]]
        assert any(name == field or name.startswith(field + ".") for name in fields), fields

    def test_every_bad_value_is_named_at_once(self, world):
        client, _ = world
        response = client.get("/v1/events", params=[("country", "Narnia"), ("country", "BY"),
                                                    ("initiator", "Mordor"), ("person_id", "x")])
        assert response.status_code == 422
        assert {"country", "initiator", "person_id"} <= {error["field"] for error in response.json()["errors"]}
