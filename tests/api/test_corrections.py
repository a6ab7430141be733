"""PATCH /v1/events/{id}, GET /v1/events/{id}/history, DELETE /v1/events/{id} and GET /v1/deletions."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from factories import (
    emptied_with_writer,
    event_body,
    make_event,
    shared_world,
)

from app.models.api_key import KeyScope
from app.services import keys as key_service

VOLATILE = {"updated_at"}


def patch(client, auth, event_id: str, body: dict[str, Any]):  # noqa: ANN001, ANN201
    return client.patch(f"/v1/events/{event_id}", json=body, headers=auth)


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url) as state:
        state.update({"event": None, "auth": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """(client, auth, event) for the refusals: one event stored once, which they must leave as it is."""
    client, event = _world_state["client"], _world_state["event"]
    if event is None or client.get(f"/v1/events/{event['id']}").json() != event:
        writer = emptied_with_writer(_world_state["database"])
        _world_state["auth"] = writer
        event = _world_state["event"] = make_event(client, _world_state["auth"])
    return client, _world_state["auth"], event


class TestPatchRefusals:
    @pytest.mark.parametrize("field", ["kind", "date", "participants", "duration_approximate", "topics",
                                       "mentioned_countries", "organizations"])
    def test_null_is_refused_for_fields_an_event_cannot_be_without(self, world, field):
        client, auth, event = world
        response = patch(client, auth, event["id"], {field: None})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get(f"/v1/events/{event['id']}").json() == event

    @pytest.mark.parametrize("field", ["kind", "date", "participants"])
    def test_null_for_a_required_field_names_that_field(self, world, field):
        client, auth, event = world
        response = patch(client, auth, event["id"], {field: None})
        assert field in _fields(response.json())

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"colour": "red"}, "colour"),
            ({"id": "5"}, "id"),
            ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
            ({"kind": "dinner"}, "kind"),
            ({"date": "yesterday"}, "date"),
            ({"duration_minutes": -1}, "duration_minutes"),
            ({"initiator": "Narnia"}, "initiator"),
            ({"topics": ["gossip"]}, "topics.0"),
            ({"mentioned_countries": ["Atlantis"]}, "mentioned_countries.0"),
            ({"organizations": ["SPECTRE"]}, "organizations.0"),
            ({"participants": []}, "participants"),
            ({"participants": [{"name": "A B", "country": "Narnia"}]}, "participants.0.country"),
            ({"participants": [{"person_id": "987654321"}]}, "participants.0.person_id"),
            ({"summary": "nul \u0000"}, "summary"),
        ],
    )
    def test_bad_fields_are_a_422_naming_them_and_nothing_changes(self, world, change, field):
        client, auth, event = world
        response = patch(client, auth, event["id"], {"summary": "Should not be stored.", **change})
        assert response.status_code == 422
        assert field in _fields(response.json())
        assert client.get(f"/v1/events/{event['id']}").json() == event
        assert [h["action"] for h in client.get(f"/v1/events/{event['id']}/history").json()["data"]] == ["create"]

    @pytest.mark.parametrize("body", [b"[]", b"null", b'"summary"', b"{", b""])
    def test_a_body_that_is_not_an_object_is_422(self, world, body):
        client, auth, event = world
        response = client.patch(f"/v1/events/{event['id']}", content=body,
                                headers={**auth, "Content-Type": "application/json"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")

    @pytest.mark.parametrize("event_id", ["999999", "abc", "0"])
    def test_unknown_event_is_404(self, world, event_id):
        client, auth, _ = world
        response = patch(client, auth, event_id, {"summary": "x"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


class TestPatchEvent:
    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"summary": "Corrected summary."}, {"summary": "Corrected summary."}),
            ({"kind": "video_call"}, {"kind": "video_call",
                                      "codes": {"cameo": "041", "plover": "CONSULT", "plover_mode": "phone"}}),
            ({"kind": "visit"}, {"kind": "visit", "codes": {"cameo": "042", "plover": "CONSULT",
                                                            "plover_mode": "visit"}}),
            ({"date": "2020-10-23"}, {"date": "2020-10-23"}),
            ({"duration_minutes": 45}, {"duration_minutes": 45}),
            ({"duration_approximate": False}, {"duration_approximate": False}),
            ({"initiator": "Belarus"}, {"initiator": "BY"}),
            ({"initiator": "NATO"}, {"initiator": "NATO"}),
            ({"topics": ["greetings"]}, {"topics": ["greetings"]}),
            ({"topics": []}, {"topics": []}),
            ({"mentioned_countries": ["DEU", "France"]}, {"mentioned_countries": ["DE", "FR"]}),
            ({"mentioned_countries": []}, {"mentioned_countries": []}),
            ({"organizations": ["EU"]}, {"organizations": ["EU"]}),
            ({"organizations": []}, {"organizations": []}),
            # null is a value for the fields that may be unknown
            ({"duration_minutes": None}, {"duration_minutes": None}),
            ({"initiator": None}, {"initiator": None}),
            ({"summary": None}, {"summary": None}),
            ({"summary": "Both.", "initiator": None, "date": "2019-01-01"},
             {"summary": "Both.", "initiator": None, "date": "2019-01-01"}),
        ],
    )
    def test_only_the_sent_fields_change(self, client, auth, change, expected):
        event = make_event(client, auth)
        response = patch(client, auth, event["id"], change)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert {k: v for k, v in updated.items() if k not in VOLATILE} == \
            {k: v for k, v in {**event, **expected}.items() if k not in VOLATILE}
        assert updated["created_at"] == event["created_at"]
        assert updated["updated_at"] > event["updated_at"]
        assert client.get(f"/v1/events/{event['id']}").json() == updated

    def test_participants_are_replaced(self, client, auth):
        event = make_event(client, auth)
        response = patch(client, auth, event["id"], {"participants": [
            {"name": "Alexander Lukashenko", "title": "President", "country": "BY"},
            {"name": "Antony Blinken", "title": "Secretary of State", "country": "US"}]})
        assert response.status_code == 200
        participants = response.json()["participants"]
        assert [(p["name"], p["country"]) for p in participants] == [("Alexander Lukashenko", "BY"),
                                                                     ("Antony Blinken", "US")]
        # Lukashenko is matched to the known person; Pompeo is gone from the event.
        assert participants[0]["person_id"] == event["participants"][0]["person_id"]
        assert client.get("/v1/events", params={"person": "Pompeo"}).json()["data"] == []
        assert [e["id"] for e in client.get("/v1/events", params={"person": "Blinken"}).json()["data"]] == [event["id"]]

    def test_participants_by_person_id(self, client, auth):
        other = make_event(client, auth, date="2021-01-01", participants=[
            {"name": "Vladimir Putin", "title": "President", "country": "RU"},
            {"name": "Alexander Lukashenko", "title": "President", "country": "BY"}])
        putin = other["participants"][0]["person_id"]
        event = make_event(client, auth)
        response = patch(client, auth, event["id"], {"participants": [
            {"person_id": putin, "title": "President"}, event["participants"][0] | {"person_id": None}]})
        assert response.status_code == 200, response.text
        first = response.json()["participants"][0]
        assert (first["person_id"], first["name"], first["country"]) == (putin, "Vladimir Putin", "RU")
        assert {e["id"] for e in client.get("/v1/events", params={"person": "Putin"}).json()["data"]} == \
            {event["id"], other["id"]}

    def test_corrections_change_what_the_filters_find(self, client, auth):
        event = make_event(client, auth)
        patch(client, auth, event["id"], {"mentioned_countries": ["UA"], "topics": ["energy"], "initiator": "BY"})

        def ids(**params: str) -> list[str]:
            return [e["id"] for e in client.get("/v1/events", params=params).json()["data"]]

        assert ids(country="UA", country_role="mentioned") == [event["id"]]
        assert ids(country="RU", country_role="mentioned") == []
        assert ids(topic="energy") == [event["id"]]
        assert ids(topic="sovereignty") == []
        assert ids(initiator="BY") == [event["id"]]
        assert ids(country="US", country_role="initiator") == []

    def test_an_empty_patch_changes_nothing(self, client, auth):
        event = make_event(client, auth)
        response = patch(client, auth, event["id"], {})
        assert response.status_code == 200
        assert {k: v for k, v in response.json().items() if k not in VOLATILE} == \
            {k: v for k, v in event.items() if k not in VOLATILE}


class TestHistory:
    def test_create_and_updates_with_actor_and_values(self, client, auth):
        event = make_event(client, auth)
        patch(client, auth, event["id"], {"summary": "First fix."})
        patch(client, auth, event["id"], {"duration_minutes": None, "topics": ["greetings"]})
        response = client.get(f"/v1/events/{event['id']}/history")
        assert response.status_code == 200
        entries = response.json()["data"]
        assert [(e["action"], e["actor"]) for e in entries] == [("create", "analyst"), ("update", "analyst"),
                                                                 ("update", "analyst")]
        assert all(e["event_id"] == event["id"] for e in entries)
        assert entries[1]["changes"] == {"summary": {"from": event["summary"], "to": "First fix."}}
        assert entries[2]["changes"] == {
            "duration_minutes": {"from": 30, "to": None},
            "topics": {"from": event["topics"], "to": ["greetings"]},
        }
        times = [dt.datetime.fromisoformat(e["changed_at"]) for e in entries]
        assert all(t.tzinfo is not None for t in times)
        assert times == sorted(times)

    def test_the_actor_is_the_name_of_the_key_used(self, client, auth, database):
        with database.write_session() as session:
            _, other = key_service.create_key(session, name="second-analyst", scope=KeyScope.write)
        event = make_event(client, auth)
        patch(client, {"Authorization": f"Bearer {other}"}, event["id"], {"summary": "By someone else."})
        entries = client.get(f"/v1/events/{event['id']}/history").json()["data"]
        assert [e["actor"] for e in entries] == ["analyst", "second-analyst"]

    def test_a_patch_that_changes_nothing_records_no_change(self, client, auth):
        event = make_event(client, auth)
        patch(client, auth, event["id"], {"summary": event["summary"], "kind": event["kind"]})
        entries = client.get(f"/v1/events/{event['id']}/history").json()["data"]
        assert [e["action"] for e in entries] == ["create"]

    def test_history_of_an_unknown_event_is_404(self, client):
        assert client.get("/v1/events/999999/history").status_code == 404
        assert client.get("/v1/events/abc/history").status_code == 404


class TestDeleteEvent:
    def test_deleted_event_is_gone_and_its_readouts_stay(self, client, auth):
        event = make_event(client, auth, sources=[{"publisher": "Press", "url": "https://example.org/r",
                                                   "published_at": "2020-10-24", "text": "The leaders spoke."}])
        other = make_event(client, auth, date="2020-10-25")
        readout_id = event["sources"][0]["readout_id"]
        response = client.delete(f"/v1/events/{event['id']}", headers=auth)
        assert response.status_code == 204
        assert response.content == b""
        assert client.get(f"/v1/events/{event['id']}").status_code == 404
        assert [e["id"] for e in client.get("/v1/events").json()["data"]] == [other["id"]]
        readout = client.get(f"/v1/readouts/{readout_id}")
        assert readout.status_code == 200
        assert readout.json()["text"] == "The leaders spoke."
        assert readout.json()["event_id"] is None
        assert client.get("/v1/events", params={"q": "leaders"}).json()["data"] == []

    def test_deleting_twice_or_correcting_afterwards_is_404(self, client, auth):
        event = make_event(client, auth)
        assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 204
        assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 404
        assert patch(client, auth, event["id"], {"summary": "x"}).status_code == 404

    def test_a_deleted_id_is_never_given_again(self, client, auth):
        event = make_event(client, auth)
        client.delete(f"/v1/events/{event['id']}", headers=auth)
        again = make_event(client, auth)
        assert again["id"] != event["id"]
        assert client.get(f"/v1/events/{event['id']}").status_code == 404

    @pytest.mark.parametrize("event_id", ["999999", "abc", "-1"])
    def test_unknown_event_is_404(self, client, auth, event_id):
        response = client.delete(f"/v1/events/{event_id}", headers=auth)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")

    def test_people_counts_follow_deletions(self, client, auth):
        event = make_event(client, auth)
        make_event(client, auth, date="2020-10-25")
        client.delete(f"/v1/events/{event['id']}", headers=auth)
        [person] = client.get("/v1/people", params={"q": "Pompeo"}).json()["data"]
        assert person["event_count"] == 1


class TestDeletions:
    def _deletions(self, client, **params: str) -> list[str]:  # noqa: ANN001
        response = client.get("/v1/deletions", params=params)
        assert response.status_code == 200, response.text
        entries = response.json()["data"]
        assert all(dt.datetime.fromisoformat(e["deleted_at"]).tzinfo is not None for e in entries)
        return [e["id"] for e in entries]

    def test_deletions_since_a_time(self, client, auth):
        first = make_event(client, auth, date="2020-01-01")
        second = make_event(client, auth, date="2020-01-02")
        kept = make_event(client, auth, date="2020-01-03")
        before = dt.datetime.now(dt.UTC)
        time.sleep(0.01)
        client.delete(f"/v1/events/{first['id']}", headers=auth)
        time.sleep(0.02)
        middle = dt.datetime.now(dt.UTC)
        time.sleep(0.02)
        client.delete(f"/v1/events/{second['id']}", headers=auth)
        assert self._deletions(client) == [first["id"], second["id"]]
        assert self._deletions(client, since=before.isoformat()) == [first["id"], second["id"]]
        assert self._deletions(client, since=middle.isoformat()) == [second["id"]]
        assert self._deletions(client, since=middle.astimezone(dt.timezone(dt.timedelta(hours=-7))).isoformat()) == \
            [second["id"]]
        assert self._deletions(client, since=(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()) == []
        assert kept["id"] not in self._deletions(client)

    def test_since_is_inclusive(self, client, auth):
        event = make_event(client, auth)
        client.delete(f"/v1/events/{event['id']}", headers=auth)
        [entry] = client.get("/v1/deletions").json()["data"]
        assert self._deletions(client, since=entry["deleted_at"]) == [event["id"]]

    def test_no_deletions(self, client, auth):
        make_event(client, auth)
        assert client.get("/v1/deletions").json() == {"data": [], "next_cursor": None}

    @pytest.mark.parametrize("since", ["2020-01-01T00:00:00", "2020-01-01", "soon"])
    def test_since_must_be_a_timestamp_with_a_zone(self, client, since):
        response = client.get("/v1/deletions", params={"since": since})
        assert response.status_code == 422
        assert "since" in _fields(response.json())

    def test_a_deletion_mirrors_can_replay(self, client, auth):
        """A mirror syncing with updated_since and deletions ends up with what the service has."""
        events = [make_event(client, auth, date=f"2020-02-{d:02d}") for d in range(1, 6)]
        mirror = {e["id"]: e for e in client.get("/v1/events").json()["data"]}
        sync_from = dt.datetime.now(dt.UTC)
        time.sleep(0.01)
        client.delete(f"/v1/events/{events[0]['id']}", headers=auth)
        patch(client, auth, events[1]["id"], {"summary": "Changed."})
        added = make_event(client, auth, **event_body(date="2020-03-01"))
        since = sync_from.isoformat()
        for e in client.get("/v1/events", params={"updated_since": since}).json()["data"]:
            mirror[e["id"]] = e
        for gone in self._deletions(client, since=since):
            mirror.pop(gone, None)
        assert mirror == {e["id"]: e for e in client.get("/v1/events").json()["data"]}
        assert added["id"] in mirror
