"""POST /v1/events and GET /v1/events/{id}."""

from __future__ import annotations

import pytest
from factories import event_body, make_event


class TestCreateEvent:
    def test_created_event_is_answered_and_readable(self, client, auth):
        response = client.post("/v1/events", json=event_body(), headers=auth)
        assert response.status_code == 201
        event = response.json()
        assert response.headers["location"] == f"/v1/events/{event['id']}"
        assert event["kind"] == "phone_call"
        assert event["date"] == "2020-10-24"
        assert event["initiator"] == "US"
        assert [p["country"] for p in event["participants"]] == ["BY", "US"]
        assert all(p["person_id"] for p in event["participants"])
        assert event["codes"] == {"cameo": "041", "plover": "CONSULT", "plover_mode": "phone"}
        assert sorted(event["topics"]) == ["security-defense", "sovereignty"]
        assert event["mentioned_countries"] == ["PL", "RU"]
        assert event["organizations"] == ["CSTO"]
        assert event["created_at"].endswith("Z") or event["created_at"].endswith("+00:00")
        assert client.get(f"/v1/events/{event['id']}").json() == event

    def test_country_names_and_alpha3_codes_are_stored_as_alpha2(self, client, auth):
        event = make_event(client, auth, initiator="United States of America", mentioned_countries=["Russia", "POL"],
                           participants=[{"name": "A B", "country": "blr"}, {"name": "C D", "country": "U.S."}])
        assert event["initiator"] == "US"
        assert event["mentioned_countries"] == ["PL", "RU"]
        assert [p["country"] for p in event["participants"]] == ["BY", "US"]

    def test_organisation_officials_take_the_acronym_as_country(self, client, auth):
        event = make_event(client, auth, participants=[
            {"name": "António Guterres", "title": "Secretary-General", "country": "United Nations"},
            {"name": "Aleksandr Lukashenko", "title": "President", "country": "BY"}], initiator=None)
        assert event["participants"][0]["country"] == "UN"

    def test_unnamed_participant_with_title_and_country(self, client, auth):
        event = make_event(client, auth, participants=[
            {"title": "Prime Minister", "country": "GB"}, {"name": "Narendra Modi", "country": "IN"}])
        assert event["participants"][0] == {"person_id": None, "name": None, "title": "Prime Minister",
                                            "country": "GB"}

    def test_one_person_listed_in_two_spellings_is_one_participant(self, client, auth):
        event = make_event(client, auth, participants=[
            {"name": "Aleksandr Lukashenko", "title": "President", "country": "BY"},
            {"name": "Александр Лукашенко", "title": "President", "country": "BY"},
            {"name": "Vladimir Putin", "title": "President", "country": "RU"}])
        assert [p["name"] for p in event["participants"]] == ["Aleksandr Lukashenko", "Vladimir Putin"]

    def test_same_event_posted_again_answers_the_stored_one(self, client, auth):
        first = make_event(client, auth)
        again = client.post("/v1/events", json=event_body(), headers=auth)
        assert again.status_code == 200
        assert again.json()["id"] == first["id"]
        assert len(client.get("/v1/events").json()["data"]) == 1

    def test_sources_are_stored_as_readouts(self, client, auth):
        event = make_event(client, auth, sources=[{"publisher": "Press service", "url": "https://example.org/a",
                                                   "published_at": "2020-10-24", "text": "The leaders spoke."}])
        source = event["sources"][0]
        readout = client.get(f"/v1/readouts/{source['readout_id']}").json()
        assert readout["text"] == "The leaders spoke."
        assert readout["event_id"] == event["id"]
        assert readout["publisher"] == "Press service"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"kind": "dinner"}, "kind"),
            ({"date": "24 October"}, "date"),
            ({"date": None}, "date"),
            ({"participants": []}, "participants"),
            ({"participants": [{"title": "President"}]}, "participants.0"),
            ({"participants": [{"name": "A B", "country": "Narnia"}]}, "participants.0.country"),
            ({"topics": ["gossip"]}, "topics.0"),
            ({"mentioned_countries": ["Atlantis"]}, "mentioned_countries.0"),
            ({"organizations": ["SPECTRE"]}, "organizations.0"),
            ({"initiator": "XX"}, "initiator"),
            ({"duration_minutes": -5}, "duration_minutes"),
            ({"summary": "nul \u0000 byte"}, "summary"),
            ({"id": "42"}, "id"),
            ({"sources": [{"url": "javascript:alert(1)"}]}, "sources.0.url"),
        ],
    )
    def test_invalid_fields_are_named_in_a_422_problem_and_nothing_is_stored(self, client, auth, change, field):
        response = client.post("/v1/events", json=event_body(**change), headers=auth)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 422
        assert field in [error["field"] for error in problem["errors"]]
        assert client.get("/v1/events").json()["data"] == []

    def test_malformed_json_is_a_422_problem(self, client, auth):
        response = client.post("/v1/events", content=b'{"kind": ', headers={**auth, "Content-Type": "application/json"})
        assert response.status_code == 422
        assert response.json()["errors"]


class TestReadEvent:
    @pytest.mark.parametrize("event_id", ["999999", "abc", "0", "-1", "1e3", "99999999999999999999999"])
    def test_unknown_or_malformed_id_is_404(self, client, event_id):
        response = client.get(f"/v1/events/{event_id}")
        assert response.status_code == 404
        assert response.json()["title"] == "Not found"
