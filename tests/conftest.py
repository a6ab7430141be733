"""Test fixtures: a migrated database per test session, emptied before every test.

SQLite by default (a file in a temporary folder). Set READOUT_TEST_DATABASE_URL to a PostgreSQL
server URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the same tests there:
the suite creates a database of its own on that server and drops it at the end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from factories import empty_database, new_postgres_database
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.db import Database
from app.core.migrations import upgrade_to_head
from app.main import create_app
from app.models.api_key import KeyScope
from app.services import keys as key_service
from app.services.reference import seed_reference_data

TEST_DATABASE_URL = os.environ.get("READOUT_TEST_DATABASE_URL", "").strip()

# Hypothesis (property tests, schema fuzzing) keeps caches under ./.hypothesis unless told otherwise:
# the tests write nothing into the repository. (Their example database is off: `database=None`.)
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "readout-hypothesis"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'readout-test.db'}"
        return
    with new_postgres_database(TEST_DATABASE_URL, prefix="readout_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database_url(database_url: str) -> str:
    settings = Settings(database_url=database_url)
    upgrade_to_head(settings)
    database = Database.from_settings(settings)
    seed_reference_data(database.write_engine)
    database.dispose()
    return database_url


@pytest.fixture
def settings(migrated_database_url: str) -> Settings:
    return Settings(database_url=migrated_database_url, pool_size=5)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    empty_database(database)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, database: Database):  # noqa: ANN201
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app) as test_client:
        yield test_client


def _key(database: Database, name: str, scope: KeyScope) -> str:
    with database.write_session() as session:
        _, key = key_service.create_key(session, name=name, scope=scope)
    return key


@pytest.fixture
def write_key(database: Database) -> str:
    return _key(database, "analyst", KeyScope.write)


@pytest.fixture
def read_key(database: Database) -> str:
    return _key(database, "dashboard", KeyScope.read)


@pytest.fixture
def auth(write_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {write_key}"}


@pytest.fixture
def is_postgres(settings: Settings) -> bool:
    return not settings.is_sqlite
