"""A large load's full-text index of readout texts, built beside the load (SQLite).

SQLite indexes a readout's words as the readout is stored, in the thread that stores it: a sixth of
that thread's time in a large load, all of it SQLite tokenizing, stemming and merging. A database file takes
one writer at a time, so the index cannot be written in the same file by another thread meanwhile.
Instead, `readout_index_built_aside` has a thread index the stored readouts into an FTS5 table of the
same definition in a file of its own (`<database>-fulltext-build`), which SQLite lets it write while the
load writes the database: the load's thread skips the indexing (`app.services.sql`). When the load
ends, the words of readouts stored since the last pass are added under the database's write lock, and
the index's tables replace the database's, in one transaction.

The build indexes every readout of the database, not only the load's, so the index it replaces is
complete whatever else was written meanwhile (readouts are never changed or deleted). It is meant for
a load that is most of the database, like the date indexes it goes with (app.services.bulk). Event
summaries are not built aside: an event can be corrected or deleted while the load runs, and FTS5 found
its index corrupt when the trigger took out words of a summary that the index had never been given.

Killed before the swap, a load leaves its build file, unlocked; the database's index then lacks the
load's readouts. `restore_full_text` (run by `migrate`, `serve` and a large `ingest`) sees the file and
rebuilds the index from the readouts. A build file still locked belongs to a load that is running.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from sqlalchemy import URL
from sqlalchemy.orm import Session

from app.core.db import DATA_VERSION_BUMP, sqlite_file
from app.services.bulk import yield_to_storing
from app.services.sql import full_text_aside

try:
    import fcntl
except ImportError:  # not on POSIX: loads index their readouts themselves
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

INDEX = "readout_fts"
# FTS5 keeps an index in these tables of its own (the text stays in `readout`): copied whole, they are
# the index. Both tables are made from one definition by one SQLite library, so the format is the same.
_SHADOW_TABLES = ("data", "idx", "docsize", "config")
# How often the building thread looks for newly committed readouts, when it found none.
_POLL_SECONDS = 0.2


def build_path(database: str) -> Path:
    return Path(f"{database}-fulltext-build")


def _locked(handle: IO[bytes]) -> bool:
    """Lock a build file for this process; False when another process holds it (its load is running)."""
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def restore_full_text(url: URL) -> bool:
    """Rebuild the readout index if a load was killed while it built it aside; answers whether it did."""
    database = sqlite_file(url)
    return database is not None and fcntl is not None and _restore(database)


def _restore(database: str, *, timeout_seconds: float = 60) -> bool:
    path = build_path(database)
    if not path.exists():
        return False
    with path.open("ab") as handle:
        if not _locked(handle):
            return False
        log.warning("a load was stopped while it built the full-text index aside: rebuilding it")
        connection = sqlite3.connect(database, isolation_level=None, timeout=timeout_seconds)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(f"INSERT INTO {INDEX} ({INDEX}) VALUES ('rebuild')")
            connection.execute(DATA_VERSION_BUMP)
            connection.execute("COMMIT")
        finally:
            connection.close()
        path.unlink()
    return True


@contextmanager
def readout_index_built_aside(session: Session) -> Iterator[None]:
    """Index the readouts of a load beside it, and swap the index in when it ends, however it ends.
    Nothing changes on PostgreSQL, for a database in memory, or while another load builds aside."""
    database = sqlite_file(session.get_bind().url)
    if database is None or fcntl is None:
        yield
        return
    _restore(database)
    path = build_path(database)
    with path.open("ab") as lock:
        if not _locked(lock) or os.fstat(lock.fileno()).st_ino != _inode(path):
            yield  # another load is building aside (or just swapped its build in)
            return
        lock.truncate(0)  # a new build
        builder = _Builder(database, path)
        token = full_text_aside.set(frozenset({INDEX}))
        try:
            yield
        finally:
            full_text_aside.reset(token)
            session.rollback()  # nothing is pending, unless the load failed
            builder.swap_in()
        path.unlink()


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


class _Builder:
    """The thread that indexes committed readouts into the build file, pass after pass."""

    def __init__(self, database: str, path: Path) -> None:
        self._database = database
        self._path = path
        self._finishing = threading.Event()
        self._indexed = 0  # the highest readout id indexed
        self._failure: BaseException | None = None
        source = sqlite3.connect(database)
        try:
            self._definition = source.execute("SELECT sql FROM sqlite_master WHERE name = ?", (INDEX,)).fetchone()[0]
            self._settings = source.execute(f"SELECT k, v FROM {INDEX}_config WHERE k != 'version'").fetchall()
        finally:
            source.close()
        self._thread = threading.Thread(target=self._run, name="full-text-build", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        yield_to_storing()
        try:
            build = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            try:
                # A scratch file: no journal, no syncing; lost with the process, it is rebuilt from the readouts.
                build.execute("PRAGMA journal_mode = OFF")
                build.execute("PRAGMA synchronous = OFF")
                build.execute(self._definition)
                for key, value in self._settings:
                    build.execute(f"INSERT INTO {INDEX} ({INDEX}, rank) VALUES (?, ?)", (key, value))
                build.execute("ATTACH DATABASE ? AS source", (self._database,))
                while True:
                    finishing = self._finishing.is_set()
                    if not self._index_committed(build) and finishing:
                        return
                    if not finishing:
                        self._finishing.wait(_POLL_SECONDS)
            finally:
                build.close()
        except BaseException as error:  # noqa: BLE001 - reported by swap_in, which then rebuilds
            self._failure = error

    def _index_committed(self, build: sqlite3.Connection) -> bool:
        """Index the readouts committed since the last pass, in one transaction; answers whether there were any."""
        build.execute("BEGIN")
        try:
            highest = build.execute("SELECT coalesce(max(id), 0) FROM source.readout").fetchone()[0]
            if highest > self._indexed:
                build.execute(f"INSERT INTO main.{INDEX} (rowid, text) SELECT id, text FROM source.readout "
                              "WHERE id > ? AND id <= ?", (self._indexed, highest))
            build.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                build.execute("ROLLBACK")
            raise
        found, self._indexed = highest > self._indexed, max(highest, self._indexed)
        return found

    def swap_in(self) -> None:
        """Finish the build and make it the database's index, in one transaction under the write lock."""
        self._finishing.set()
        self._thread.join()
        connection = sqlite3.connect(self._database, isolation_level=None, timeout=600)
        try:
            connection.execute("BEGIN IMMEDIATE")
            if self._failure is not None:
                log.warning("the full-text index could not be built aside (%s): rebuilding it", self._failure)
                connection.execute(f"INSERT INTO {INDEX} ({INDEX}) VALUES ('rebuild')")
            else:
                connection.execute("ATTACH DATABASE ? AS build", (str(self._path),))
                # Readouts committed after the last pass: none can be meanwhile, under the write lock.
                connection.execute(f"INSERT INTO build.{INDEX} (rowid, text) SELECT id, text FROM main.readout "
                                   "WHERE id > ?", (self._indexed,))
                for table in (f"{INDEX}_{name}" for name in _SHADOW_TABLES):
                    connection.execute(f"DELETE FROM main.{table}")
                    connection.execute(f"INSERT INTO main.{table} SELECT * FROM build.{table}")
            connection.execute(DATA_VERSION_BUMP)
            connection.execute("COMMIT")
        finally:
            connection.close()
