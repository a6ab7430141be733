"""The migrations: they build the schema the models describe, on SQLite and PostgreSQL, and reverse."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from factories import schema_drift
from sqlalchemy import create_engine, inspect, text

import app.models  # noqa: F401
from app.core.config import Settings
from app.core.migrations import alembic_config


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> str:  # noqa: ANN001
    """A database with nothing in it: a new SQLite file, or a new schema on the PostgreSQL server."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_test"))
    engine.dispose()
    return database_url + ("&" if "?" in database_url else "?") + "options=-csearch_path%3Dmigration_test"


def test_one_head():
    script = ScriptDirectory.from_config(alembic_config(Settings()))
    assert len(script.get_heads()) == 1


def test_upgrade_builds_what_the_models_describe(empty_database_url):
    command.upgrade(alembic_config(Settings(database_url=empty_database_url)), "head")
    assert schema_drift(empty_database_url) == []


def test_drift_is_detected(empty_database_url):
    """The drift check itself can fail: a column the models lack is reported."""
    command.upgrade(alembic_config(Settings(database_url=empty_database_url)), "head")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE person ADD COLUMN nickname VARCHAR(20)"))
    engine.dispose()
    assert any(change[0] == "remove_column" for change in schema_drift(empty_database_url))


def test_downgrade_to_base_and_up_again(empty_database_url):
    config = alembic_config(Settings(database_url=empty_database_url))
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    command.upgrade(config, "head")
    assert schema_drift(empty_database_url) == []


def test_link_rows_survive_losing_and_regaining_the_rowid(empty_database_url):
    """Migration 0007 rebuilds the topic and country link tables on SQLite: their rows stay."""
    config = alembic_config(Settings(database_url=empty_database_url))
    command.upgrade(config, "0006")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO event_kind VALUES ('meeting', 'A meeting')"))
        connection.execute(text("INSERT INTO topic VALUES ('sanctions', 'Sanctions'), "
                                "('security-defense', 'Security and defence')"))
        connection.execute(text("INSERT INTO party (code, kind, name) VALUES ('BY', 'country', 'Belarus'), "
                                "('US', 'country', 'United States')"))
        connection.execute(text(
            "INSERT INTO event (id, kind, date, duration_approximate, discrepancies, created_at, updated_at) "
            "VALUES (7, 'meeting', '2020-10-24', false, '[]', '2020-10-24 00:00:00', '2020-10-24 00:00:00')"))
        connection.execute(text("INSERT INTO event_topic VALUES (7, 'sanctions', '2020-10-24'), "
                                "(7, 'security-defense', '2020-10-24')"))
        connection.execute(text("INSERT INTO event_country VALUES (7, 'BY', 'participant', '2020-10-24'), "
                                "(7, 'US', 'mentioned', '2020-10-24')"))
    linked = "SELECT (SELECT count(*) FROM event_topic), (SELECT count(*) FROM event_country)"
    for revision in ("head", "0006", "head"):
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
        with engine.connect() as connection:
            assert tuple(connection.execute(text(linked)).one()) == (2, 2)
    engine.dispose()
    assert schema_drift(empty_database_url) == []
