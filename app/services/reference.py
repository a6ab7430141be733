"""Reference rows (kinds, topics, countries, organisations), kept in step with app.reference.

Run after every migration: new topics, countries from a pycountry upgrade or newly curated
organisations are added; nothing is removed, since stored events may point at it.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from app.models import EventKindRow, PartyRow, TopicRow
from app.reference.countries import all_countries
from app.reference.organizations import ORGANIZATIONS
from app.reference.taxonomy import KIND_DESCRIPTIONS, TOPIC_DESCRIPTIONS


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
