"""Running Alembic from the application (the `migrate` command, `serve`, readiness, the tests)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, pool, text

from app.core.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Names of the hand-written full-text search structures, which the models do not describe.
SEARCH_OBJECT_PREFIXES = ("readout_fts", "event_fts", "ix_readout_search", "ix_event_search")


def is_search_object(name: str | None) -> bool:
    return bool(name) and name.startswith(SEARCH_OBJECT_PREFIXES)


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = settings.database_url
    return config


# Any constant: replicas starting together on one PostgreSQL take turns to migrate.
_MIGRATION_LOCK_ID = 0x5EAD0_07


def upgrade_to_head(settings: Settings, *, then: Callable[[], None] | None = None) -> None:
    """Migrate to the latest revision, then run `then` (seeding the reference data) under the same
    lock: replicas starting together on a new PostgreSQL database would otherwise both seed it, and
    every office-holder would be stored twice. (SQLite writers take turns on the database's lock.)"""
    config = alembic_config(settings)
    if settings.is_sqlite:
        command.upgrade(config, "head")
        engine = create_engine(settings.database_url, poolclass=pool.NullPool)
        try:
            restore_missing_indexes(engine)
        finally:
            engine.dispose()
        if then is not None:
            then()
        return
    engine = create_engine(settings.database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
                restore_missing_indexes(engine)
                if then is not None:
                    then()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
                connection.commit()
    finally:
        engine.dispose()


def restore_missing_indexes(engine: Engine) -> None:
    """Build any index of the models that the database lacks. A large `ingest` drops some while it
    loads (app.services.bulk.date_indexes_deferred); killed meanwhile, it could not build them."""
    with engine.begin() as connection:
        build_missing_indexes(connection)


def build_missing_indexes(connection: Connection) -> None:
    """Build, in the connection's transaction, every index of the models that the database lacks."""
    from sqlmodel import SQLModel

    import app.models  # noqa: F401 - the tables, for the metadata

    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite may sort in helper threads while it builds an index.
        connection.exec_driver_sql(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            index.create(connection, checkfirst=True)
    if sqlite:
        connection.exec_driver_sql("PRAGMA threads = 0")


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
