"""Engines and sessions.

Commit policy, for the whole project: the service function that writes owns its transaction and
calls `session.commit()` itself before the route returns, so a failed commit can never turn into a
2xx. The session dependency only closes the session (rolling back anything left uncommitted).

SQLite allows one writer at a time. A transaction that reads and then writes would fail with
SQLITE_BUSY (ignoring busy_timeout) if another writer got in between, so write requests use a
second engine whose transactions start with BEGIN IMMEDIATE: writers queue on the busy timeout
instead. Reads use plain deferred transactions and never block in WAL mode.

So a write service builds its answer BEFORE it commits, and leaves no transaction open when it
returns: a read after the commit would begin another (IMMEDIATE) transaction, and the session is
only closed once FastAPI has validated the answer, on a further trip to the thread pool. With a
small pool (WORKER_THREADS=1) that trip waits behind a writer which waits for the lock the first
one still holds, until busy_timeout: every concurrent writer then failed with 503.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings


def _configure_sqlite(engine: Engine, *, settings: Settings, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # Take transaction control away from the sqlite3 module so that "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql(begin)


def sqlite_file(url: URL) -> str | None:
    """The file of a SQLite database; None for another database or one in memory, which have none for a
    second connection or thread to open."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database


def make_engine(settings: Settings, *, immediate: bool = False, url: str | None = None) -> Engine:
    url = url or settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
            pool_size=settings.pool_size,
            pool_timeout=settings.pool_timeout_seconds,
            # The connection returned last is handed out next: one writer's transactions (a bulk load's
            # batches) run on one connection and find the pages it cached (app.services.bulk).
            pool_use_lifo=True,
        )
        _configure_sqlite(engine, settings=settings, immediate=immediate)
        return engine
    return create_engine(
        url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_timeout=settings.pool_timeout_seconds,
        # A dropped connection (database restarted) is noticed and replaced instead of failing a request.
        pool_pre_ping=True,
        connect_args={"connect_timeout": 3, "options": f"-c lock_timeout={int(settings.postgres_lock_timeout_ms)}"},
    )


@dataclass
class Database:
    """The engines of one database: reads (from a replica when one is configured) and writes (the
    same engine as reads, except on SQLite, whose writers begin IMMEDIATE)."""

    read_engine: Engine
    write_engine: Engine

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if settings.read_database_url:
            return cls(read_engine=make_engine(settings, url=settings.read_database_url),
                       write_engine=make_engine(settings, immediate=settings.is_sqlite))
        read_engine = make_engine(settings)
        write_engine = make_engine(settings, immediate=True) if settings.is_sqlite else read_engine
        return cls(read_engine=read_engine, write_engine=write_engine)

    def __post_init__(self) -> None:
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)
        _count_changes(self.write_engine, self._write_sessions)

    def read_session(self) -> Session:
        return self._read_sessions()

    def write_session(self) -> Session:
        return self._write_sessions()

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


_WRITES = ("INSERT", "UPDATE", "DELETE")
DATA_VERSION_BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def note_change(connection: Connection) -> None:
    """Count a change written past SQLAlchemy's statements (a PostgreSQL COPY) at the next commit."""
    connection.info["data_changed"] = True


def _count_changes(engine: Engine, sessions: sessionmaker) -> None:
    """Every committed write session that changed data bumps `data_version` in the same transaction,
    which is what lets cached aggregates (app.services.cache) know they are stale, in any replica."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(connection, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip()[:6].upper() in _WRITES and not statement.startswith(DATA_VERSION_BUMP):
            note_change(connection)

    @event.listens_for(sessions, "before_commit")
    def _bump(session: Session) -> None:
        session.flush()  # pending ORM changes are written at commit: write them now, to be seen
        connection = session.connection()
        if connection.info.pop("data_changed", False):
            connection.execute(text(DATA_VERSION_BUMP))
