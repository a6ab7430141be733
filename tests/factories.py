"""Small builders for test data, through the public HTTP interface."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"

# Rows the tests write; the reference tables (kinds, topics, parties) stay.
DATA_TABLES = ["event_history", "event_deletion", "event_country", "event_topic", "event_participant", "readout",
               "event", "person_office", "person_alias", "person", "api_key"]


def empty_database(database: Database) -> None:
    """Remove every row the tests may have written."""
    with database.write_engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in DATA_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
        # A change made outside the service's sessions: tell its caches (app.services.cache).
        connection.execute(text("UPDATE data_version SET version = version + 1"))


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid Event-create body: a call between two presidents, changed by `overrides`."""
    body: dict[str, Any] = {
        "kind": "phone_call",
        "date": "2020-10-24",
        "duration_minutes": 30,
        "duration_approximate": True,
        "initiator": "US",
        "participants": [
            {"name": "Aleksandr Lukashenko", "title": "President", "country": "BY"},
            {"name": "Michael Pompeo", "title": "Secretary of State", "country": "US"},
        ],
        "topics": ["sovereignty", "security-defense"],
        "mentioned_countries": ["RU", "PL"],
        "organizations": ["CSTO"],
        "summary": "The two discussed the international situation.",
    }
    body.update(overrides)
    return body


def make_event(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/events", json=event_body(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


@contextmanager
def shared_world(database_url: str, **settings: Any) -> Iterator[dict[str, Any]]:
    """A client and database for a module's read-only tests to share: {"client", "database"}, plus
    whatever the module stores there (its dataset, once loaded)."""
    app_settings = Settings(database_url=database_url, pool_size=5, **settings)
    database = Database.from_settings(app_settings)
    with TestClient(create_app(app_settings)) as client:
        yield {"client": client, "database": database}
    database.dispose()


def emptied_with_writer(database: Database) -> dict[str, str]:
    """Empty the database and make a write key: answers the request headers that carry it."""
    from app.models.api_key import KeyScope
    from app.services import keys as key_service

    empty_database(database)
    with database.write_session() as session:
        _, key = key_service.create_key(session, name="analyst", scope=KeyScope.write)
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def new_postgres_database(server_url: str, *, prefix: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server of `server_url`, created for the block and
    dropped after it (its sessions ended first); answers its URL."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database=server.database or "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                               {"n": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def schema_drift(database_url: str) -> list:
    """What Alembic finds different between the database's schema and the models (the hand-written
    full-text structures aside): [] when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import app.models  # noqa: F401 - the tables, for the metadata
    from app.core.migrations import is_search_object

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, compare_to: not is_search_object(name),
            })
            drift = compare_metadata(context, SQLModel.metadata)
            if connection.dialect.name == "sqlite":
                # Alembic does not compare SQLite's table options: whether a table has a rowid, here.
                for table in SQLModel.metadata.sorted_tables:
                    sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                                     (table.name,)).scalar() or ""
                    with_rowid = "WITHOUT ROWID" not in sql.upper()
                    if with_rowid != table.dialect_options["sqlite"]["with_rowid"]:
                        drift.append(("sqlite_with_rowid", table.name, with_rowid))
            return drift
    finally:
        engine.dispose()
