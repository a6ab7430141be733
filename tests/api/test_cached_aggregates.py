"""Aggregates are cached between requests; every committed change must show in the next answer."""

from __future__ import annotations

from factories import make_event


def _pairs(client) -> dict[tuple[str, ...], int]:  # noqa: ANN001
    return {tuple(p["countries"]): p["count"] for p in client.get("/v1/stats/pairs").json()["data"]}


def test_pairs_timeline_and_counts_follow_every_write(client, auth):
    assert _pairs(client) == {}
    first = make_event(client, auth)
    assert _pairs(client) == {("BY", "US"): 1}
    make_event(client, auth, date="2021-02-02")
    assert _pairs(client) == {("BY", "US"): 2}
    client.patch(f"/v1/events/{first['id']}", headers=auth, json={"participants": [
        {"name": "Aleksandr Lukashenko", "country": "BY"}, {"name": "Vladimir Putin", "country": "RU"}]})
    assert _pairs(client) == {("BY", "US"): 1, ("BY", "RU"): 1}
    timeline = client.get("/v1/stats/timeline", params={"interval": "year"}).json()["data"]
    assert [(b["period"], b["count"]) for b in timeline] == [("2020", 1), ("2021", 1)]
    assert client.delete(f"/v1/events/{first['id']}", headers=auth).status_code == 204
    assert _pairs(client) == {("BY", "US"): 1}
    topics = {t["slug"]: t["event_count"] for t in client.get("/v1/topics").json()["data"]}
    assert topics["sovereignty"] == 1
    countries = {c["code"]: c["event_count"] for c in client.get("/v1/countries").json()["data"]}
    assert countries["BY"] == 1 and countries["RU"] == 0


def test_bulk_loads_and_readouts_invalidate_too(client, auth):
    assert _pairs(client) == {}
    lines = b'{"kind": "meeting", "date": "2022-01-01", "participants": [{"name": "A B", "country": "FR"}, ' \
            b'{"name": "C D", "country": "DE"}]}\n'
    assert client.post("/v1/events/bulk", content=lines, headers=auth).json()["created"] == 1
    assert _pairs(client) == {("DE", "FR"): 1}


def test_a_deletion_shows_at_once(client, auth):
    event = make_event(client, auth)
    assert _pairs(client) == {("BY", "US"): 1}
    assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 204
    assert _pairs(client) == {}
