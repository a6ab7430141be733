"""The peer: Datasette serving a normalised SQLite database of the same events, with canned queries.

    .venv/bin/python bench/peer.py build --file bench/data/events-100000-s1.ndjson --out bench/data/peer-100000.db
    bench/.venv/bin/datasette serve bench/data/peer-100000.db -m bench/data/peer-metadata.json --port 8002 ...

`build` runs in the project's virtualenv only to fold names the way the service does
(app.reference.names), so that the peer's people are the service's people; Datasette itself runs from
the benchmark's own virtualenv (bench/.venv). Events keep their line number as id, which is the id
the service gives them when the file is loaded into an empty database, so the same question gets the
same 50 rows in the same order (date desc, id desc).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE countries_ref (code TEXT PRIMARY KEY);
CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, date TEXT NOT NULL, duration_minutes INTEGER,
    duration_approximate INTEGER NOT NULL, initiator TEXT, summary TEXT, publisher TEXT, published_at TEXT, text TEXT);
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
CREATE TABLE aliases (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id), alias TEXT NOT NULL);
CREATE TABLE participants (event_id INTEGER NOT NULL REFERENCES events(id), position INTEGER NOT NULL,
    person_id INTEGER REFERENCES people(id), name TEXT, title TEXT, country TEXT);
CREATE TABLE topics (event_id INTEGER NOT NULL REFERENCES events(id), topic TEXT NOT NULL, PRIMARY KEY (event_id, topic));
CREATE TABLE countries (event_id INTEGER NOT NULL REFERENCES events(id), country TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (event_id, country, role));
"""
INDEXES = """
CREATE INDEX events_date_id ON events (date, id);
CREATE INDEX participants_event ON participants (event_id);
CREATE INDEX participants_person_event ON participants (person_id, event_id);
CREATE INDEX topics_topic_event ON topics (topic, event_id);
CREATE INDEX countries_country_role_event ON countries (country, role, event_id);
CREATE INDEX aliases_alias ON aliases (alias);
CREATE INDEX aliases_person ON aliases (person_id);
CREATE VIRTUAL TABLE events_fts USING fts5(text, summary, content='events', content_rowid='id');
INSERT INTO events_fts(events_fts) VALUES ('rebuild');
ANALYZE;
"""

# What a page answers: the event's columns and its lists, as a Datasette user would write it.
COLUMNS = """e.id, e.kind, e.date, e.duration_minutes, e.duration_approximate, e.initiator, e.summary,
  (SELECT json_group_array(json_object('person_id', p.person_id, 'name', p.name, 'title', p.title,
      'country', p.country)) FROM participants p WHERE p.event_id = e.id) AS participants,
  (SELECT json_group_array(t.topic) FROM topics t WHERE t.event_id = e.id) AS topics,
  (SELECT json_group_array(c.country) FROM countries c WHERE c.event_id = e.id AND c.role = 'mentioned') AS mentioned,
  e.publisher, e.published_at"""
BY_COUNTRY = ("EXISTS (SELECT 1 FROM countries c WHERE c.event_id = e.id AND c.country = :country "
              "AND c.role = 'participant')")
BY_TOPIC = "EXISTS (SELECT 1 FROM topics t WHERE t.event_id = e.id AND t.topic = :topic)"
BY_PERSON = ("e.id IN (SELECT p.event_id FROM participants p WHERE p.person_id IN "
             "(SELECT a.person_id FROM aliases a WHERE a.alias LIKE '%' || :person || '%'))")
BY_TEXT = "e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH :q)"
DATES = "e.date >= :date_from AND e.date <= :date_to"
AFTER = "(e.date < :before_date OR (e.date = :before_date AND e.id < :before_id))"


def _page(condition: str, limit: int = 50) -> str:
    return f"SELECT {COLUMNS}\nFROM events e\nWHERE {condition}\nORDER BY e.date DESC, e.id DESC LIMIT {limit}"


CANNED = {
    "by_country": _page(BY_COUNTRY),
    "by_person": _page(BY_PERSON),
    "by_topic": _page(BY_TOPIC),
    "by_country_topic_dates": _page(f"{BY_COUNTRY} AND {BY_TOPIC} AND {DATES}"),
    "by_text": _page(BY_TEXT),
    "by_id": f"SELECT {COLUMNS}\nFROM events e WHERE e.id = :id",
    "by_country_after": _page(f"{BY_COUNTRY} AND {AFTER}"),
    "by_country_dates_all": _page(f"{BY_COUNTRY} AND {DATES}", limit=100_000),
    "pairs": ("SELECT a.country AS country_a, b.country AS country_b, count(DISTINCT a.event_id) AS n\n"
              "FROM countries a JOIN countries b ON b.event_id = a.event_id AND b.country > a.country\n"
              "WHERE a.role = 'participant' AND b.role = 'participant'\n"
              "GROUP BY a.country, b.country ORDER BY n DESC, a.country, b.country LIMIT 100"),
}


def metadata(db_name: str) -> dict:
    return {"title": "Readout peer", "databases": {db_name: {"queries": {
        name: {"sql": sql} for name, sql in CANNED.items()}}}}


def build(file: Path, out: Path) -> dict:
    from app.reference.names import name_key  # the service's folding: the same people

    started = time.monotonic()
    out.unlink(missing_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    connection = sqlite3.connect(tmp)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;" + SCHEMA)
    people: dict[tuple[str, str | None], int] = {}
    aliases: set[tuple[int, str]] = set()
    events, parts, topics, countries, new_people, new_aliases = [], [], [], [], [], []

    def flush() -> None:
        connection.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", events)
        connection.executemany("INSERT INTO people VALUES (?,?,?)", new_people)
        connection.executemany("INSERT INTO aliases (person_id, alias) VALUES (?,?)", new_aliases)
        connection.executemany("INSERT INTO participants VALUES (?,?,?,?,?,?)", parts)
        connection.executemany("INSERT OR IGNORE INTO topics VALUES (?,?)", topics)
        connection.executemany("INSERT OR IGNORE INTO countries VALUES (?,?,?)", countries)
        for rows in (events, parts, topics, countries, new_people, new_aliases):
            rows.clear()

    with file.open("rb") as handle:
        for event_id, line in enumerate(handle, start=1):
            body = json.loads(line)
            source = (body.get("sources") or [{}])[0]
            events.append((event_id, body["kind"], body["date"], body.get("duration_minutes"),
                           int(bool(body.get("duration_approximate"))), body.get("initiator"), body.get("summary"),
                           source.get("publisher"), source.get("published_at"), source.get("text")))
            for position, p in enumerate(body["participants"]):
                key = (name_key(p["name"]), p.get("country"))
                person_id = people.get(key)
                if person_id is None:
                    person_id = people[key] = len(people) + 1
                    new_people.append((person_id, p["name"], p.get("country")))
                if (person_id, p["name"]) not in aliases:
                    aliases.add((person_id, p["name"]))
                    new_aliases.append((person_id, p["name"]))
                parts.append((event_id, position, person_id, p["name"], p.get("title"), p.get("country")))
                if p.get("country"):
                    countries.append((event_id, p["country"], "participant"))
            topics += [(event_id, t) for t in body.get("topics", [])]
            if body.get("initiator"):
                countries.append((event_id, body["initiator"], "initiator"))
            countries += [(event_id, c, "mentioned") for c in body.get("mentioned_countries", []) + body.get("organizations", [])]
            if len(events) >= 20_000:
                flush()
    flush()
    connection.commit()
    connection.executescript(INDEXES)
    connection.commit()
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    tmp.replace(out)
    return {"file": str(out), "events": event_id, "people": len(people), "seconds": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--file", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("metadata")
    m.add_argument("--db-name", required=True)
    m.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "build":
        print(json.dumps(build(args.file, args.out)))
    else:
        args.out.write_text(json.dumps(metadata(args.db_name), indent=1))


if __name__ == "__main__":
    main()
