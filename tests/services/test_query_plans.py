"""The optimised query plans answer exactly what the straightforward query would.

Pages are found through per-filter (key, date, id) indexes, the most selective filter driving, and
multi-value filters merged from per-value runs (app.services.filters). Here random filter
combinations over generated events are answered through the API, walking every page, and compared
with a plain scan of all events filtered in Python.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
from factories import shared_world

from app.core.config import Settings  # noqa: F401  (documented settings of the world below)
from app.models.api_key import KeyScope
from app.reference.names import name_key, name_tokens
from app.services import keys as key_service

COUNTRIES = ["BY", "RU", "US", "CN", "FR", "DE", "KZ", "PL"]
TOPICS = ["sanctions", "energy", "security-defense", "trade-economy", "health"]
KINDS = ["phone_call", "meeting", "visit"]
PEOPLE = [("Aleksandr Lukashenko", "BY"), ("Alexander Lukashenko", "BY"), ("Vladimir Putin", "RU"),
          ("Joe Biden", "US"), ("Xi Jinping", "CN"), ("Emmanuel Macron", "FR"), ("Olaf Scholz", "DE"),
          ("Kassym-Jomart Tokayev", "KZ"), ("Andrzej Duda", "PL"), ("Rare Person", "PL")]


def _events(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for number in range(count * 2):
        if len(events) == count:
            break
        # A few dates only, so that many events share a date and the id breaks ties.
        date = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 60) * 30)
        people = rng.sample(PEOPLE[:-1], rng.randint(2, 3)) if rng.random() > 0.02 else [PEOPLE[-1], PEOPLE[0]]
        kind = rng.choice(KINDS)
        # One line, one event: a repeat of kind, date and people would merge into an earlier event.
        identity = (kind, date, frozenset(name_key(name) for name, _ in people))
        if identity in seen:
            continue
        seen.add(identity)
        events.append({
            "kind": kind, "date": date.isoformat(),
            "initiator": rng.choice([None, people[0][1]]),
            "participants": [{"name": name, "country": country, "title": "President"} for name, country in people],
            "topics": rng.sample(TOPICS, rng.randint(1, 3)),
            "mentioned_countries": rng.sample(COUNTRIES, rng.randint(0, 2)),
            "summary": rng.choice(["talks on gas transit", "a call about trade", "greetings"]),
        })
        # The readout says what the summary says (so `q` finds an event through either), in its own words.
        events[-1]["sources"] = [{"text": f"Readout number {number}: {events[-1]['summary']}."}]
    return events


@pytest.fixture(scope="module")
def world(migrated_database_url):  # noqa: ANN001, ANN201
    from factories import empty_database

    with shared_world(migrated_database_url, max_page_size=500) as state:
        empty_database(state["database"])
        with state["database"].write_session() as session:
            _, key = key_service.create_key(session, name="loader", scope=KeyScope.write)
        lines = "\n".join(json.dumps(event) for event in _events(400, seed=7))
        loaded = state["client"].post("/v1/events/bulk", content=lines, headers={"Authorization": f"Bearer {key}"})
        assert loaded.json()["refused"] == 0, loaded.text
        everything = [json.loads(line) for line in
                      state["client"].get("/v1/events", params={"format": "ndjson"}).text.splitlines()]
        yield state["client"], everything


def _roles(event: dict[str, Any], role: str) -> set[str]:
    participants = {p["country"] for p in event["participants"]}
    initiator = {event["initiator"]} if event["initiator"] else set()
    mentioned = set(event["mentioned_countries"])
    return {"participant": participants, "initiator": initiator, "mentioned": mentioned,
            "any": participants | initiator | mentioned}[role]


def _expected(events: list[dict[str, Any]], params: dict[str, Any]) -> list[str]:
    def keep(event: dict[str, Any]) -> bool:
        role = params.get("country_role", "participant")
        if "country" in params and not _roles(event, role) & set(params["country"]):
            return False
        if "topic" in params and not set(event["topics"]) & set(params["topic"]):
            return False
        if "kind" in params and event["kind"] not in params["kind"]:
            return False
        if "person" in params:
            wanted = name_tokens(params["person"])
            if not any(set(wanted) <= set(name_tokens(p["name"])) for p in event["participants"]):
                return False
        if "date_from" in params and event["date"] < params["date_from"]:
            return False
        return not ("date_to" in params and event["date"] > params["date_to"])

    ascending = params.get("sort") == "date"
    kept = sorted((e for e in events if keep(e)), key=lambda e: (e["date"], int(e["id"])), reverse=not ascending)
    return [e["id"] for e in kept]


def _walk(client, params: dict[str, Any], limit: int) -> list[str]:  # noqa: ANN001
    ids, cursor = [], None
    while True:
        page = client.get("/v1/events", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        ids += [event["id"] for event in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def _random_filters(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if rng.random() < 0.6:
        params["country"] = rng.sample(COUNTRIES, rng.choice([1, 1, 2, 3]))
        params["country_role"] = rng.choice(["participant", "participant", "initiator", "mentioned", "any"])
    if rng.random() < 0.4:
        params["topic"] = rng.sample(TOPICS, rng.choice([1, 2]))
    if rng.random() < 0.3:
        params["kind"] = rng.sample(KINDS, rng.choice([1, 2]))
    if rng.random() < 0.3:
        params["person"] = rng.choice(["Lukashenko", "Lukashenka", "Putin", "Rare Person", "Xi Jinping", "Nobody"])
    if rng.random() < 0.4:
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 1800))
        params["date_from"] = start.isoformat()
        if rng.random() < 0.7:
            params["date_to"] = (start + dt.timedelta(days=rng.randrange(0, 900))).isoformat()
    if rng.random() < 0.3:
        params["sort"] = "date"
    return params


@pytest.mark.parametrize("seed", range(60))
def test_random_filters_answer_what_a_full_scan_answers(world, seed):
    client, everything = world
    rng = random.Random(seed)
    params = _random_filters(rng)
    assert _walk(client, params, limit=rng.choice([1, 7, 50, 500])) == _expected(everything, params), params


@pytest.mark.parametrize("frequent_from", [1, 10**9, None])
@pytest.mark.parametrize("word", ["gas", "trade", "greetings", "absent"])
def test_text_search_answers_the_same_whether_matches_are_probed_or_collected(
        world, monkeypatch, frequent_from, word, is_postgres):
    """`q` is answered by probing events in page order when a term is frequent and by collecting the
    matches when it is rare, on SQLite and on PostgreSQL (app.services.search); both must give the
    full scan's answer."""
    monkeypatch.setattr("app.services.search._FREQUENT", frequent_from)
    client, everything = world
    expected = [e["id"] for e in sorted((e for e in everything if word in (e["summary"] or "").split()),
                                        key=lambda e: (e["date"], int(e["id"])), reverse=True)]
    for params in ({"q": word}, {"q": word, "country": ["BY"]}):
        wanted = expected if "country" not in params else [
            i for i in expected if "BY" in {p["country"] for p in next(e for e in everything if e["id"] == i)["participants"]}]
        assert _walk(client, params, limit=13) == wanted, params
