"""Repeated GETs are answered from kept bytes while the data have not changed, and never after."""

from __future__ import annotations

import json

import pytest
from factories import event_body, make_event
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

PAGE = "/v1/events?country=BY"


def test_a_repeated_query_answers_the_same_bytes_with_an_etag(client, auth):
    make_event(client, auth)
    first = client.get(PAGE)
    second = client.get(PAGE)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('W/"')
    assert second.headers["content-type"] == "application/json"


def test_if_none_match_answers_304_without_a_body(client, auth):
    make_event(client, auth)
    etag = client.get(PAGE).headers["etag"]
    again = client.get(PAGE, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(PAGE, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("write", ["create", "patch", "delete", "bulk", "readout"])
def test_every_kind_of_write_shows_in_the_next_answer(client, auth, write):
    event = make_event(client, auth)
    before = client.get(PAGE)
    client.get(f"/v1/events/{event['id']}")  # kept too
    if write == "create":
        make_event(client, auth, date="2021-01-01")
    elif write == "patch":
        client.patch(f"/v1/events/{event['id']}", headers=auth, json={"summary": "Changed."}).raise_for_status()
    elif write == "delete":
        assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 204
    elif write == "bulk":
        line = json.dumps(event_body(date="2022-02-02")).encode()
        assert client.post("/v1/events/bulk", content=line, headers=auth).json()["created"] == 1
    else:
        text = ("Belarus President Aleksandr Lukashenko and U.S. Secretary of State Michael Pompeo had a "
                "telephone conversation on 3 March 2023. They discussed sanctions.")
        assert client.post("/v1/readouts", json={"text": text}, headers=auth).status_code == 201
    after = client.get(PAGE)
    assert after.headers["etag"] != before.headers["etag"]
    expected = {"create": 2, "patch": 1, "delete": 0, "bulk": 2, "readout": 2}[write]
    assert len(after.json()["data"]) == expected
    if write == "patch":
        assert after.json()["data"][0]["summary"] == "Changed."
        assert client.get(f"/v1/events/{event['id']}").json()["summary"] == "Changed."
    if write == "delete":
        assert client.get(f"/v1/events/{event['id']}").status_code == 404
    # The old validator no longer matches: the client gets the new answer, not a 304.
    assert client.get(PAGE, headers={"If-None-Match": before.headers["etag"]}).status_code == 200


def test_a_write_through_another_server_process_shows_at_once(settings, client, auth):
    make_event(client, auth)
    assert len(client.get(PAGE).json()["data"]) == 1
    with TestClient(create_app(settings)) as other_server:
        make_event(other_server, auth, date="2021-05-05")
    assert len(client.get(PAGE).json()["data"]) == 2


def test_errors_are_not_kept(client, auth):
    make_event(client, auth)
    refused = client.get("/v1/events?country=Atlantis")
    assert refused.status_code == 422 and "etag" not in refused.headers
    # The same URL asking for another representation is another answer.
    as_ndjson = client.get(PAGE, headers={"Accept": "application/x-ndjson"})
    assert as_ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert client.get(PAGE).headers["content-type"] == "application/json"


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_an_export_is_streamed_then_answered_whole_until_the_next_write(client, auth, fmt):
    make_event(client, auth)
    url = f"{PAGE}&format={fmt}"
    first = client.get(url)
    assert first.status_code == 200 and "etag" not in first.headers  # streamed as computed
    again = client.get(url)
    assert again.content == first.content
    assert again.headers["etag"] and int(again.headers["content-length"]) == len(first.content)
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["content-disposition"] == first.headers["content-disposition"]
    make_event(client, auth, date="2021-03-03")
    after = client.get(url)
    assert after.content != first.content and "2021-03-03" in after.text


def test_an_export_over_the_size_limit_is_not_kept(settings, database, write_key):
    small = Settings(**{**settings.model_dump(), "response_cache_bytes": 8 * 1024, "export_chunk_size": 2})
    with TestClient(create_app(small)) as client:
        auth = {"Authorization": f"Bearer {write_key}"}
        for day in range(1, 21):
            make_event(client, auth, date=f"2020-02-{day:02d}", summary="x" * 400)
        export = client.get(PAGE + "&format=ndjson")
        assert len(export.content) > 1024 and len(export.text.splitlines()) == 20
        again = client.get(PAGE + "&format=ndjson")
        assert "etag" not in again.headers and again.content == export.content


def test_with_reads_behind_a_key_every_request_is_checked(settings, database, write_key):
    closed = Settings(**{**settings.model_dump(), "require_read_key": True})
    with TestClient(create_app(closed)) as client:
        auth = {"Authorization": f"Bearer {write_key}"}
        make_event(client, auth)
        assert client.get(PAGE, headers=auth).status_code == 200
        assert client.get(PAGE).status_code == 401
        assert client.get(PAGE, headers={"Authorization": "Bearer rdk_wrong_key"}).status_code == 401


def test_the_cache_can_be_turned_off(settings, database, write_key):
    off = Settings(**{**settings.model_dump(), "response_cache_bytes": 0})
    with TestClient(create_app(off)) as client:
        make_event(client, {"Authorization": f"Bearer {write_key}"})
        assert "etag" not in client.get(PAGE).headers
        assert len(client.get(PAGE).json()["data"]) == 1


def test_a_small_budget_keeps_answering_correctly(settings, database, write_key):
    tiny = Settings(**{**settings.model_dump(), "response_cache_bytes": 8 * 1024})
    with TestClient(create_app(tiny)) as client:
        auth = {"Authorization": f"Bearer {write_key}"}
        ids = [make_event(client, auth, date=f"2020-01-{day:02d}")["id"] for day in range(1, 9)]
        for _ in range(2):  # the second round finds some evicted, some kept: all right
            for event_id in ids:
                assert client.get(f"/v1/events/{event_id}").json()["id"] == event_id
            assert len(client.get(PAGE).json()["data"]) == 8
