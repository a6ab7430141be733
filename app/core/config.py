"""All configuration in one place: environment variables (or a `.env` file) read once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./readout.db",
        description="SQLAlchemy URL. PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    # Optional: a PostgreSQL read replica for queries; writes (and the reads inside writes) use
    # DATABASE_URL. Reads through a replica may lag a write by the replica's delay.
    read_database_url: str | None = None
    # Reads are open by default; an operator may require a key (any scope) for them too.
    require_read_key: bool = False

    max_body_bytes: int = 1024 * 1024
    max_bulk_body_bytes: int = 64 * 1024 * 1024
    default_page_size: int = 50
    max_page_size: int = 500
    # Rows fetched per round trip when streaming an export.
    export_chunk_size: int = 1000
    # Lines committed together by the bulk endpoint and the ingest command (fewer commits, fewer
    # WAL checkpoints; a batch that fails in the database is retried line by line).
    bulk_batch_size: int = 2000

    # Threads per worker process that run routes at once; 0 keeps the server's default (40). Fewer
    # threads contend less for the GIL: 1 doubled a read-heavy worker's throughput at 16 connections
    # (bench: country=BY 47 -> 99 requests/s), but with SQLite, concurrent writers then time out
    # (503) in tests/api/test_readouts.py's concurrency test: not for write-heavy use until that is solved.
    worker_threads: int = 0
    # Bytes of repeated GET answers kept per worker process while the data have not changed
    # (app.api.response_cache); 0 turns the cache off.
    response_cache_bytes: int = 64 * 1024 * 1024
    sqlite_busy_timeout_ms: int = 5000
    pool_size: int = 10
    # How long a request may wait for a database connection before answering 503.
    pool_timeout_seconds: float = 5.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
