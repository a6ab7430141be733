"""Reference rows (kinds, topics, countries, organisations), kept in step with app.reference.

Run after every migration: new topics, countries from a pycountry upgrade or newly curated
organisations are added; nothing is removed, since stored events may point at it.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import (
    EventKindRow,
    PartyRow,
    Person,
    PersonAlias,
    PersonOffice,
    TopicRow,
)
from app.models.base import utcnow
from app.reference.countries import all_countries
from app.reference.names import name_key
from app.reference.office_holders import people
from app.reference.organizations import ORGANIZATIONS
from app.reference.taxonomy import KIND_DESCRIPTIONS, TOPIC_DESCRIPTIONS
from app.services.people import alias_key
from app.services.sql import insert_returning_ids


def reference_rows() -> dict[type, list[dict[str, str | None]]]:
    return {
        EventKindRow: [{"slug": slug, "description": text} for slug, text in KIND_DESCRIPTIONS.items()],
        TopicRow: [{"slug": slug, "description": text} for slug, text in TOPIC_DESCRIPTIONS.items()],
        PartyRow: [
            *({"code": c.code, "kind": "country", "alpha3": c.alpha3, "name": c.name}
              for c in all_countries().values()),
            *({"code": o.code, "kind": "organization", "alpha3": None, "name": o.name} for o in ORGANIZATIONS),
        ],
    }


def sync_reference_data(engine: Engine) -> int:
    """Insert the reference rows that are missing; answers how many were added."""
    added = 0
    with engine.begin() as connection:
        dialect = connection.dialect.name
        for table_model, rows in reference_rows().items():
            table = table_model.__table__
            key = next(iter(table.primary_key.columns))
            present = set(connection.scalars(select(key)))
            missing = [row for row in rows if row[key.name] not in present]
            if not missing:
                continue
            # Another replica may be syncing at the same moment: conflicting rows are skipped.
            if dialect == "postgresql":
                statement = postgresql.insert(table).on_conflict_do_nothing()
            elif dialect == "sqlite":
                statement = sqlite.insert(table).on_conflict_do_nothing()
            else:
                statement = insert(table)
            connection.execute(statement, missing)
            added += len(missing)
    return added


def sync_office_holders(engine: Engine) -> int:
    """Seed the people store from the office-holders table: people, their spellings and offices.

    Idempotent and set-based: what is stored is read once, and only what is missing is added, in a
    few statements. A person already known by any spelling (within the same country) gains the
    table's spellings and offices rather than a twin. On a new database this writes thousands of
    rows while holding the write lock (SQLite) that starting replicas and requests wait for: the
    table is read and its names folded before the transaction begins.
    """
    entries = [(name, country, [(spelling, alias_key(spelling)) for spelling in (name, *spellings)], terms)
               for name, country, spellings, terms in people()]
    with Session(engine) as session:
        person_by_key: dict[tuple[str, str | None], int] = {}
        for key, country, person_id in session.execute(
            select(PersonAlias.alias_key, Person.country, Person.id).join(Person, Person.id == PersonAlias.person_id)
        ):
            person_by_key.setdefault((key, country), person_id)
        aliases = {tuple(row) for row in session.execute(select(PersonAlias.person_id, PersonAlias.alias))}
        offices = {tuple(row) for row in session.execute(
            select(PersonOffice.person_id, PersonOffice.office, PersonOffice.country, PersonOffice.start_date)
        )}
        known_parties = set(session.scalars(select(PartyRow.code)))
        # People to create are numbered -1, -2, ... until the insert gives them their ids.
        new_people: list[dict[str, object]] = []
        entry_people: list[int] = []
        for name, country, spellings, _ in entries:
            if country not in known_parties:
                raise ValueError(f"office-holder {name!r} serves {country!r}, which is no known country or organisation")
            person_id = next((person_by_key[(k, country)] for _, k in spellings if (k, country) in person_by_key), None)
            if person_id is None:
                new_people.append({"name": name, "name_key": name_key(name), "country": country, "created_at": utcnow()})
                person_id = -len(new_people)
            entry_people.append(person_id)
            for _, key in spellings:
                person_by_key.setdefault((key, country), person_id)
        connection = session.connection()
        new_ids = insert_returning_ids(connection, Person.__table__, new_people) if new_people else []
        alias_rows, office_rows = [], []
        for (_, _, spellings, terms), person_id in zip(entries, entry_people, strict=True):
            person_id = new_ids[-person_id - 1] if person_id < 0 else person_id
            for spelling, key in spellings:
                if (person_id, spelling) not in aliases and key.strip():
                    alias_rows.append({"person_id": person_id, "alias": spelling, "alias_key": key})
                    aliases.add((person_id, spelling))
            for term in terms:
                if (person_id, term.office, term.country, term.start) not in offices:
                    office_rows.append({"person_id": person_id, "country": term.country, "office": term.office,
                                        "title": term.title, "start_date": term.start, "end_date": term.end})
                    offices.add((person_id, term.office, term.country, term.start))
        for table, rows in ((PersonAlias.__table__, alias_rows), (PersonOffice.__table__, office_rows)):
            if rows:
                connection.execute(insert(table), rows)
        session.commit()
    return len(office_rows)


def seed_reference_data(engine: Engine) -> None:
    """Everything `migrate` adds after the schema: reference rows, then the office-holders."""
    sync_reference_data(engine)
    sync_office_holders(engine)
