"""All configuration in one place: environment variables (or a `.env` file) read once."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

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
    # WAL checkpoints; a batch that fails in the database is retried line by line). 10,000 rather
    # than 2,000 took a quarter off the CPU time of a SQLite load: each commit writes out the index
    # and full-text pages the batch touched, and fewer, larger batches touch each page fewer times.
    bulk_batch_size: int = 10_000
    # Processes that parse and validate the lines of a bulk load ahead of the batch being stored
    # (parsing costs about what storing does); 0 parses in the loading process itself.
    bulk_parse_processes: int = Field(default=1, ge=0)
    # SQLite page cache of a bulk load's connection while it loads (the connections' default is 2 MiB).
    # A batch touches pages all over the indexes; with the default cache, a load of a million events
    # read and wrote the same pages again and again (tens of GB of I/O) and ran at a quarter of the speed.
    sqlite_bulk_cache_mib: int = Field(default=256, ge=0)
    # An `ingest` of at least this many lines, and of no fewer than the events already stored, builds
    # SQLite's date-ordered indexes once at the end instead of inserting into them line after line
    # (app.services.bulk.date_indexes_deferred). 0 never does.
    bulk_defer_indexes_from_lines: int = Field(default=50_000, ge=0)

    # Threads per worker process that run routes at once; 0 keeps the server's default (40). Fewer
    # threads contend less for the GIL: when a page cost ~14 ms of Python, 1 doubled a worker's
    # throughput at 16 connections; at ~4 ms (database-written documents) 0, 2 and 8 measured the same.
    # Safe for writers too: no write transaction is left open across a trip to the thread pool
    # (app.core.db; tests/hardening/test_concurrency.py runs a server with 1).
    worker_threads: int = 0
    # Bytes of repeated GET answers kept per worker process while the data have not changed
    # (app.api.response_cache); 0 turns the cache off.
    response_cache_bytes: int = 64 * 1024 * 1024
    sqlite_busy_timeout_ms: int = 5000
    # PostgreSQL's counterpart: how long a statement waits for a lock (a table held by maintenance or
    # a migration, another writer's row or advisory lock) before its request answers 503. Without
    # it such a request hangs for as long as the lock is held.
    postgres_lock_timeout_ms: int = 5000
    pool_size: int = 10
    # How long a request may wait for a database connection before answering 503.
    pool_timeout_seconds: float = 5.0

    # Rate limits (app.core.ratelimit), per API key when a valid key is sent, else per client address,
    # on writes and on exports; a token bucket per process. Off by default for local use.
    rate_limit_enabled: bool = False
    rate_limit_writes_per_minute: int = Field(default=60, ge=1)
    rate_limit_write_burst: int = Field(default=30, ge=1, description="Writes allowed at once after a pause.")
    rate_limit_exports_per_minute: int = Field(default=6, ge=1)
    rate_limit_export_burst: int = Field(default=3, ge=1, description="Exports allowed at once after a pause.")

    # Logs of `serve`: one JSON object a line on stderr (for collectors), or text for a terminal.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Set by `serve --workers N` (N > 1) for prometheus_client's multiprocess mode, so that /metrics
    # adds up every worker; the environment variable has this name because prometheus_client reads it.
    prometheus_multiproc_dir: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
