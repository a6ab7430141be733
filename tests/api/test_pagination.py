"""Keyset pagination of GET /v1/events (and the other paged lists): cursors walk every row exactly once."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from factories import emptied_with_writer, event_body, shared_world

# Dates with ties, so that the order within one date matters too.
DATES = [dt.date(2020, 1, 1) + dt.timedelta(days=(n * 7) % 11) for n in range(23)]


def _surname(n: int) -> str:
    """One of 40 surnames that the service's name folding keeps apart (digits would be ignored)."""
    return "BDFGL"[n % 5] + "o" + "mnprstvz"[n // 5 % 8] + "a"


def _participants(n: int, *, country: str = "FR") -> list[dict[str, str]]:
    other = {"name": "Joe Biden", "country": "US"} if n % 3 else {"name": "Olaf Scholz", "country": "DE"}
    return [{"name": f"Zebulon {_surname(n)}", "title": "Minister", "country": country}, {**other, "title": "Leader"}]


def bulk_load(client, auth, bodies: list[dict[str, Any]]) -> list[str]:  # noqa: ANN001
    response = client.post("/v1/events/bulk", content="\n".join(json.dumps(b) for b in bodies),
                           headers={**auth, "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(bodies), response.text
    return response.json()["created_ids"]


def _bodies() -> list[dict[str, Any]]:
    return [event_body(date=d.isoformat(), participants=_participants(n)) for n, d in enumerate(DATES)]


@pytest.fixture
def stored(client, auth) -> list[str]:
    return bulk_load(client, auth, _bodies())


@pytest.fixture(scope="module")
def _world_state(migrated_database_url):  # noqa: ANN001, ANN202
    with shared_world(migrated_database_url) as state:
        state.update({"ids": None})
        yield state


@pytest.fixture
def world(_world_state):  # noqa: ANN001, ANN201
    """(client, ids): the events stored once for the read-only tests; stored again if a test emptied the database."""
    client, ids = _world_state["client"], _world_state["ids"]
    if ids is None or client.get(f"/v1/events/{ids[0]}").status_code != 200:
        writer = emptied_with_writer(_world_state["database"])
        ids = _world_state["ids"] = bulk_load(client, writer, _bodies())
    return client, ids


def walk(client, params: dict[str, Any], *, between_pages=None) -> list[dict[str, Any]]:  # noqa: ANN001
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        response = client.get("/v1/events", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["data"]) <= int(params.get("limit", 50))
        seen += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert page["data"], "a page with a next cursor must not be empty"
        if between_pages:
            between_pages()
    raise AssertionError("the cursors never ended")


class TestCursorWalk:
    @pytest.mark.parametrize("limit", [1, 2, 5, 7, 22, 23, 24, 500])
    @pytest.mark.parametrize("sort", ["-date", "date"])
    def test_every_event_exactly_once_in_order(self, world, limit, sort):
        client, stored = world
        events = walk(client, {"limit": limit, "sort": sort})
        ids = [e["id"] for e in events]
        assert len(ids) == len(set(ids)) == len(stored)
        assert set(ids) == set(stored)
        dates = [e["date"] for e in events]
        assert dates == sorted(dates, reverse=(sort == "-date"))
        # Pages joined are the single big page.
        assert ids == [e["id"] for e in client.get("/v1/events", params={"limit": 500, "sort": sort}).json()["data"]]

    @pytest.mark.parametrize("limit", [1, 3, 4])
    def test_walk_with_filters(self, world, limit):
        client, stored = world
        params = {"limit": limit, "country": "DE", "date_from": "2020-01-03"}
        expected = {e["id"] for e in client.get("/v1/events", params={**params, "limit": 500}).json()["data"]}
        assert 0 < len(expected) < len(stored)
        ids = [e["id"] for e in walk(client, params)]
        assert len(ids) == len(set(ids))
        assert set(ids) == expected

    def test_last_page_has_no_cursor(self, world):
        client, stored = world
        assert client.get("/v1/events", params={"limit": len(stored)}).json()["next_cursor"] is None
        assert client.get("/v1/events", params={"limit": len(stored) - 1}).json()["next_cursor"]

class TestBadCursors:
    def _cursor(self, client, **params) -> str:  # noqa: ANN001, ANN003
        cursor = client.get("/v1/events", params={"limit": 2, **params}).json()["next_cursor"]
        assert cursor
        return cursor

    @pytest.mark.parametrize(
        ("made_with", "reused_with"),
        [
            ({}, {"country": "DE"}),
            ({"country": "DE"}, {"country": "US"}),
            ({"country": "DE"}, {}),
            ({}, {"sort": "date"}),
            ({"kind": "phone_call"}, {"kind": "visit"}),
            ({}, {"q": "situation"}),
            ({}, {"date_from": "2020-01-02"}),
            ({}, {"person": "Biden"}),
            ({}, {"country": "US", "country_role": "any"}),
        ],
    )
    def test_cursor_reused_with_other_filters_is_400(self, world, made_with, reused_with):
        client, stored = world
        cursor = self._cursor(client, **made_with)
        response = client.get("/v1/events", params={"limit": 2, **reused_with, "cursor": cursor})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 400

    def test_cursor_reused_with_same_filters_and_another_limit_works(self, world):
        client, stored = world
        cursor = self._cursor(client, country="US")
        response = client.get("/v1/events", params={"limit": 10, "country": "US", "cursor": cursor})
        assert response.status_code == 200

    @staticmethod
    def _forged(real: str) -> list[str]:
        """The cursor is opaque; if it happens to be base64 JSON, positions of the wrong type are forged into it."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
            key, position = next((k, v) for k, v in payload.items() if isinstance(v, dict))
        except (ValueError, StopIteration, AttributeError):
            return []

        def forge(value: Any) -> str:
            raw = json.dumps({**payload, key: {k: value for k in position}}).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        return [forge("not-a-date"), forge(None), forge({"$gt": 1}), forge([1, 2])]

    def test_garbage_and_forged_cursors_are_400(self, world):
        client, stored = world
        real = self._cursor(client)
        cursors = [
            "garbage",
            "!!!!",
            "eyJmb28iOiAiYmFyIn0",  # {"foo": "bar"}
            base64.urlsafe_b64encode(b"[1, 2, 3]").decode(),
            base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
            real[:-6],
            real[: len(real) // 2],
            "x" * 100,
        ]
        cursors += self._forged(real)
        for cursor in cursors:
            response = client.get("/v1/events", params={"limit": 2, "cursor": cursor})
            assert response.status_code == 400, (cursor, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")

    def test_forged_cursors_are_built(self, world):
        client, _ = world
        # Guards the test above: when the cursor is base64 JSON, forged positions are among the cursors tried.
        real = self._cursor(client)
        try:
            json.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
        except ValueError:
            pytest.skip("the cursor is not base64 JSON")
        assert len(self._forged(real)) == 4

    def test_overlong_garbage_cursor_is_400(self, world):
        client, _ = world
        response = client.get("/v1/events", params={"cursor": "A" * 2000})
        assert response.status_code == 400, response.text

    def test_cursor_of_another_list_is_400(self, world):
        client, stored = world
        people = client.get("/v1/people", params={"limit": 1}).json()
        assert people["next_cursor"]
        response = client.get("/v1/events", params={"limit": 2, "cursor": people["next_cursor"]})
        assert response.status_code == 400


class TestOtherLists:
    @staticmethod
    def _walk_people(client, **params: Any) -> list[str]:  # noqa: ANN001
        ids, cursor = [], None
        for _ in range(1000):
            response = client.get("/v1/people", params={**params, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            page = response.json()
            ids += [p["id"] for p in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(ids) == len(set(ids)), "a person was served twice"
        return ids

    def test_people_pages_walk_every_person_once(self, world):
        client, _ = world
        ministers = self._walk_people(client, q="Zebulon", limit=4)
        assert len(ministers) == len(DATES)
        assert set(ministers) == set(self._walk_people(client, q="Zebulon", limit=500))
        everyone = self._walk_people(client, limit=7)
        assert set(ministers) < set(everyone)
        assert set(everyone) == set(self._walk_people(client, limit=100))

    def test_deletion_pages_walk_every_deletion_once(self, client, auth, stored):
        for event_id in stored[:7]:
            assert client.delete(f"/v1/events/{event_id}", headers=auth).status_code == 204
        ids, cursor = [], None
        while True:
            response = client.get("/v1/deletions", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200
            page = response.json()
            ids += [d["id"] for d in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(ids) == sorted(stored[:7])


class TestWalkWhileWriting:
    def test_empty_result(self, client):
        assert client.get("/v1/events").json() == {"data": [], "next_cursor": None}

    @pytest.mark.parametrize("sort", ["-date", "date"])
    def test_inserts_between_pages_do_not_repeat_or_hide_existing_events(self, client, auth, stored, sort):
        counter = iter(range(1000))

        def insert() -> None:
            n = next(counter)
            # Newer, older and equal dates than the ones being walked, so new rows land on every side.
            day = [dt.date(2021, 1, 1), dt.date(2019, 1, 1), DATES[n % len(DATES)]][n % 3]
            response = client.post("/v1/events", headers=auth,
                                   json=event_body(date=day.isoformat(), participants=_participants(n, country="IT")))
            assert response.status_code == 201

        events = walk(client, {"limit": 4, "sort": sort}, between_pages=insert)
        ids = [e["id"] for e in events]
        assert len(ids) == len(set(ids)), "an event was served twice"
        assert set(stored) <= set(ids), "an event stored before the walk was skipped"

    def test_deletes_between_pages_do_not_skip_other_events(self, client, auth, stored):
        deleted: list[str] = []
        served: list[str] = []

        def delete_one() -> None:
            # Alternately an event already served and one still ahead of the cursor.
            pool = [i for i in stored if i not in deleted and ((i in served) == (len(deleted) % 2 == 0))]
            if pool:
                assert client.delete(f"/v1/events/{pool[0]}", headers=auth).status_code == 204
                deleted.append(pool[0])

        cursor, pages = None, 0
        while True:
            page = client.get("/v1/events", params={"limit": 5, **({"cursor": cursor} if cursor else {})}).json()
            served += [e["id"] for e in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None or pages > 100:
                break
            pages += 1
            delete_one()
        assert len(served) == len(set(served))
        assert len(deleted) > 2
        # Whatever was still stored when the walk ended was served; nothing was served twice.
        assert set(stored) - set(deleted) <= set(served) <= set(stored)
