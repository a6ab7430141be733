"""Events whose every part can be checked from the rest, for tests that look for half-written or
mixed-up events in what concurrent or interrupted writes leave behind."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx

# Each pair of sides comes with its own topics and mentioned country: an event showing the sides of
# one pair with the topics of another is two versions of that event mixed up.
PAIRS = [
    ({"name": "Olaf Scholz", "title": "Chancellor", "country": "DE"},
     {"name": "Emmanuel Macron", "title": "President", "country": "FR"}, ["energy", "trade-economy"], "PL"),
    ({"name": "Fumio Kishida", "title": "Prime Minister", "country": "JP"},
     {"name": "Anthony Albanese", "title": "Prime Minister", "country": "AU"}, ["security-defense", "trade-economy"], "CN"),
    ({"name": "Cyril Ramaphosa", "title": "President", "country": "ZA"},
     {"name": "Narendra Modi", "title": "Prime Minister", "country": "IN"}, ["energy", "health"], "BR"),
    ({"name": "Kassym-Jomart Tokayev", "title": "President", "country": "KZ"},
     {"name": "Shavkat Mirziyoyev", "title": "President", "country": "UZ"}, ["regional-conflict", "trade-economy"], "KG"),
]
KINDS = ["phone_call", "meeting", "video_call"]
TOPICS_OF = {frozenset(p["country"] for p in pair[:2]): sorted(pair[2]) for pair in PAIRS}
MENTIONED_OF = {frozenset(p["country"] for p in pair[:2]): [pair[3]] for pair in PAIRS}


def checkable_event(number: int, *, pair: int | None = None) -> dict[str, Any]:
    """Event `number`, on its own day, between the sides of pair `number % 4` (or of `pair`: then
    another event of that day), with a source text of its own. The same arguments twice are the
    same event (a duplicate)."""
    pair = number % len(PAIRS) if pair is None else pair
    first, second, topics, mentioned = PAIRS[pair]
    sides = f"{first['name']} and {second['name']}"
    return {
        "kind": KINDS[number % len(KINDS)],
        "date": (dt.date(1990, 1, 1) + dt.timedelta(days=number)).isoformat(),
        "participants": [first, second],
        "topics": topics,
        "mentioned_countries": [mentioned],
        "summary": f"Event {number} of the checkable set, between {sides}.",
        "sources": [{"publisher": "Checkable press office", "text": f"Readout of checkable event {number}: {sides}."}],
    }


def version(pair: int) -> dict[str, Any]:
    """A correction moving an event to another pair of sides, with that pair's topics and mention."""
    first, second, topics, mentioned = PAIRS[pair]
    return {"participants": [first, second], "topics": topics, "mentioned_countries": [mentioned]}


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(event) + "\n" for event in events).encode()


def assert_whole(event: dict[str, Any]) -> None:
    """The event shows one consistent version of itself: both sides, and their topics and mention."""
    sides = frozenset(p["country"] for p in event["participants"])
    assert len(event["participants"]) == 2 and sides in TOPICS_OF, f"half or mixed event: {event}"
    assert event["topics"] == TOPICS_OF[sides], f"mixed event: {event}"
    assert event["mentioned_countries"] == MENTIONED_OF[sides], f"mixed event: {event}"
    assert event["sources"], f"event without its source: {event}"


def assert_page(page: dict[str, Any], *, limit: int, sort: str = "-date", checkable: bool = True) -> None:
    """A well-formed page: the envelope, at most `limit` events (whole ones, if `checkable`), ordered,
    none twice."""
    assert set(page) == {"data", "next_cursor"}
    events = page["data"]
    assert len(events) <= limit
    keys = [(event["date"], int(event["id"])) for event in events]
    assert keys == sorted(keys, reverse=sort == "-date"), "page out of order"
    assert len(set(keys)) == len(keys), "an event twice in one page"
    for event in events if checkable else ():
        assert_whole(event)


def walk(client: httpx.Client, *, limit: int = 50, checkable: bool = True, **params: Any) -> Iterator[dict[str, Any]]:
    """Every event of GET /v1/events, page after page, each page checked."""
    cursor = None
    while True:
        response = client.get("/v1/events", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert_page(page, limit=limit, sort=params.get("sort", "-date"), checkable=checkable)
        yield from page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


def all_events(client: httpx.Client, *, checkable: bool = True, **params: Any) -> list[dict[str, Any]]:
    events = list(walk(client, limit=500, checkable=checkable, **params))
    assert len({event["id"] for event in events}) == len(events), "an event twice in one walk"
    return events
