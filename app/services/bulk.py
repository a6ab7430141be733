"""Many events at once from NDJSON: every line is stored, reported as a duplicate, or refused with why.

Lines are parsed and validated a batch at a time (`parse_batch`: no database) and stored a batch at
a time. Parsing costs about as much as storing, and a SQLite database takes writes from one process
only: with `parse_processes`, later batches are parsed in other processes while one is stored.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any, NamedTuple

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.db import sqlite_file
from app.core.errors import ProblemError, errors_from_pydantic, errors_summary
from app.core.migrations import build_missing_indexes
from app.models.event import BulkLineError, BulkResult, EventCreate
from app.services.events import CreateOutcome, NewEvent, create_events_uncommitted
from app.services.people import PersonResolver

Line = tuple[int, bytes | str]

# Fields of an exported Event that a create does not take: an export can be loaded back as it is.
_READ_ONLY_EVENT_FIELDS = ("id", "codes", "discrepancies", "created_at", "updated_at")


def _as_create(document: Any) -> Any:
    """A line's document without what an export has and a create does not take; changed in place (a
    document is parsed for this alone), and only where it has such fields, as most lines do not."""
    if not isinstance(document, dict):
        return document
    for name in _READ_ONLY_EVENT_FIELDS:
        document.pop(name, None)
    participants = document.get("participants")
    if isinstance(participants, list):
        for participant in participants:
            # Person ids belong to the database that exported them; here people are matched by name.
            if isinstance(participant, dict) and participant.get("name") and "person_id" in participant:
                del participant["person_id"]
    sources = document.get("sources")
    if isinstance(sources, list):
        for source in sources:
            if isinstance(source, dict):
                source.pop("readout_id", None)
    return document


def parse_line(line: str | bytes) -> EventCreate:
    """One NDJSON line as an EventCreate; raises ValueError, ValidationError or RecursionError."""
    return EventCreate.model_validate(_as_create(orjson.loads(line)))


@dataclass
class ParsedBatch:
    """A batch of lines, parsed: the events to store by line number, and the lines refused."""

    received: int = 0  # lines that are not blank
    events: list[tuple[int, NewEvent]] = field(default_factory=list)
    refusals: list[BulkLineError] = field(default_factory=list)


def parse_batch(lines: list[Line]) -> ParsedBatch:
    parsed = ParsedBatch()
    with _cycle_collector_paused():
        for number, raw in lines:
            if not raw.strip():
                continue
            parsed.received += 1
            try:
                # Decoded first, so that bytes that are not UTF-8 are reported as such.
                data = parse_line(raw.decode() if isinstance(raw, bytes) else raw)
                parsed.events.append((number, NewEvent.of(data)))
            except (ValueError, ValidationError, RecursionError) as error:
                parsed.refusals.append(_refusal(number, error))
    return parsed


def _refusal(number: int, error: Exception) -> BulkLineError:
    if isinstance(error, ValidationError):
        field_errors = errors_from_pydantic(list(error.errors()))
        return BulkLineError(line=number, detail=errors_summary(field_errors),
                             errors=[e.model_dump(exclude_none=True) for e in field_errors])
    if isinstance(error, ProblemError):
        errors = [e.model_dump(exclude_none=True) for e in error.errors or []]
        return BulkLineError(line=number, detail=error.detail or error.title, errors=errors)
    if isinstance(error, UnicodeDecodeError):
        return BulkLineError(line=number, detail="the line is not valid UTF-8")
    if isinstance(error, RecursionError):
        return BulkLineError(line=number, detail="the line is nested too deeply")
    if isinstance(error, json.JSONDecodeError):
        return BulkLineError(line=number, detail=f"not a JSON object: {error.msg} at column {error.colno}")
    return BulkLineError(line=number, detail="the line could not be stored")


def load_lines(session: Session, lines: Iterable[Line], *, actor: str, batch_size: int,
               parse_processes: int = 0, sqlite_cache_mib: int = 0) -> BulkResult:
    """Store events from numbered NDJSON lines, `batch_size` lines to a transaction.

    Lines are validated one by one (a bad line is refused alone) and stored a batch at a time in a
    few set-based statements. Should a batch fail in the database nonetheless, it is stored again
    line by line, each in a savepoint, so that only the failing lines are refused. The answer is the
    same whether lines are parsed here or in `parse_processes` other processes. On SQLite, the
    connection's page cache grows to `sqlite_cache_mib` while the load runs, and the write-ahead log
    is copied into the database by another thread (`_WalCheckpointer`).
    """
    tally = _Tally()
    # Kept from batch to batch: the people one batch found or added are known to the next without a
    # query. Not past a batch that failed, whose rollback took back the people it added.
    people = PersonResolver(session)
    with _cycle_collector_paused(), _batch_connections(session, sqlite_cache_mib) as batches:
        for parsed in _parsed(_batches(lines, batch_size), parse_processes):
            tally.received += parsed.received
            tally.errors += parsed.refusals
            if parsed.events:
                batches.begin()
                if not _store_batch(session, parsed.events, tally, actor=actor, people=people):
                    people = PersonResolver(session)
                batches.stored()
    return tally.result()


@dataclass
class _Tally:
    """What a load did so far. Counted here rather than on the BulkResult, whose every assignment pydantic
    checks: a million lines spent seconds on it."""

    received: int = 0
    created_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    errors: list[BulkLineError] = field(default_factory=list)

    def result(self) -> BulkResult:
        self.errors.sort(key=lambda error: error.line)
        return BulkResult(received=self.received, created=len(self.created_ids), duplicates=len(self.duplicate_ids),
                          refused=len(self.errors), created_ids=self.created_ids, duplicate_ids=self.duplicate_ids,
                          errors=self.errors)


class _Batches(NamedTuple):
    """What a load tells its connections: a batch begins, a batch is committed."""

    begin: Callable[[], None]
    stored: Callable[[], None]


@contextmanager
def _batch_connections(session: Session, sqlite_cache_mib: int) -> Iterator[_Batches]:
    """Tune the connection of each batch, and untune it once the load is over.

    SQLite: a larger page cache. A batch touches pages all over the indexes; with the default 2 MiB,
    loading a million events read and wrote the same pages again and again (tens of GB) at a quarter
    of the speed. And the write-ahead log is copied into the database (checkpointed) by a thread of its
    own after each batch, instead of by the commit of every few batches (`_WalCheckpointer`).
    PostgreSQL: no prepared statements. psycopg prepares a statement run five times on a connection,
    and PostgreSQL may then keep a generic plan made while the tables were small: the lookups of a load
    (IN lists of 500 hashes) scanned the whole readout table, batch after batch. (Forcing custom plans
    instead would also replan the foreign key checks, row after row.)
    """
    dialect = session.get_bind().dialect.name
    sqlite_defaults: dict[str, Any] = {}  # the pragmas changed, and their values before
    prepared_from: dict[Any, int | None] = {}  # psycopg connections and their own threshold
    begun = 0  # batches
    checkpointer: _WalCheckpointer | None = None

    def begin() -> None:
        nonlocal begun, checkpointer
        if checkpointer is not None and begun % _WalCheckpointer.REWIND_EVERY == 0:
            checkpointer.wait()
        begun += 1
        connection = session.connection()
        if dialect == "postgresql":
            driver_connection = connection.connection.driver_connection
            prepared_from.setdefault(driver_connection, driver_connection.prepare_threshold)
            driver_connection.prepare_threshold = None
        elif dialect == "sqlite":
            if begun == 1:
                database = sqlite_file(session.get_bind().url)
                if database and connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal":
                    checkpointer = _WalCheckpointer(database)
            wanted = {"wal_autocheckpoint": 0} if checkpointer is not None else {}
            if sqlite_cache_mib > 0:
                wanted["cache_size"] = -1024 * sqlite_cache_mib
            for pragma, value in wanted.items():
                if pragma not in sqlite_defaults:
                    sqlite_defaults[pragma] = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
                connection.exec_driver_sql(f"PRAGMA {pragma} = {int(value)}")

    def stored() -> None:
        if checkpointer is not None:
            checkpointer.copy_log()

    try:
        yield _Batches(begin, stored)
    finally:
        for driver_connection, threshold in prepared_from.items():
            driver_connection.prepare_threshold = threshold
        if checkpointer is not None:
            checkpointer.close()
        if sqlite_defaults:
            # Outside any transaction, on the connection the load used last (the write engine's pool
            # hands out the connection returned last): its cache shrinks back and frees its pages, and
            # its commits checkpoint again. A failure here must not fail a load that is stored, nor hide
            # why one failed.
            with suppress(SQLAlchemyError, sqlite3.Error):
                session.rollback()  # nothing is pending by now, unless the load failed
                connection = session.get_bind().raw_connection()
                try:
                    for pragma, value in sqlite_defaults.items():
                        connection.cursor().execute(f"PRAGMA {pragma} = {int(value)}")
                finally:
                    connection.close()


class _WalCheckpointer:
    """Copies SQLite's write-ahead log into the database, on a thread and connection of its own.

    By default the commit that finds the log past 1,000 pages copies it, in the loading thread: 8% of
    that thread's time in a load of 300,000 events. Here the copy of a batch runs beside the next batch,
    whose Python work and SQLite's (which releases the GIL) overlap. The log rewinds to its beginning
    only when a transaction begins with all of it copied, so every `REWIND_EVERY` batches the load waits
    for the copy before it begins a batch (`wait`); otherwise the log would grow with the whole load.
    """

    REWIND_EVERY = 4

    def __init__(self, path: str) -> None:
        self._path = path
        self._changed = threading.Condition()
        self._requested = self._copied = 0  # copies asked for, and the last one done
        self._closing = self._gone = False
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def copy_log(self) -> None:
        with self._changed:
            self._requested += 1
            self._changed.notify_all()

    def wait(self) -> None:
        """Until the copy asked for last is done."""
        with self._changed:
            asked = self._requested
            self._changed.wait_for(lambda: self._copied >= asked or self._gone)

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._requested += 1
            self._changed.notify_all()
        self._thread.join()

    def _run(self) -> None:
        connection = None
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            while True:
                with self._changed:
                    self._changed.wait_for(lambda: self._requested > self._copied)
                    asked, closing = self._requested, self._closing
                # PASSIVE: copies what no reader still needs, and never waits for readers or writers.
                with suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                with self._changed:
                    self._copied = asked
                    self._changed.notify_all()
                if closing:
                    return
        except sqlite3.Error:
            pass  # no copies then: the loading connection's restored setting catches up after the load
        finally:
            with self._changed:
                self._gone = True
                self._changed.notify_all()
            if connection is not None:
                connection.close()


# Indexes that order events by date for queries and that a load never reads. Batches of events with
# dates all over the archive insert into them at random places: past a few hundred thousand events,
# every batch rewrote most of their pages (a million events: 468 s with them, 258 s without).
# Built once at the end, by sorting, they cost 28 s at a million.
DATE_INDEXES = ("ix_event_date_id", "ix_event_country_country_role_event_date_event_id",
                "ix_event_participant_person_id_event_date_event_id", "ix_event_topic_topic_event_date_event_id")


@contextmanager
def date_indexes_deferred(session: Session) -> Iterator[None]:
    """Drop the date-ordered indexes for a large load on SQLite, and build them when it ends, however
    it ends. Meanwhile queries by date, person, country or topic scan: meant for a load that is most of
    the database, such as a first `ingest` of an archive. Should the process be killed meanwhile, the
    next `migrate` or `serve` builds them (app.core.migrations.restore_missing_indexes)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    connection = session.connection()
    for name in DATE_INDEXES:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    session.commit()
    try:
        yield
    finally:
        session.rollback()  # nothing is pending, unless the load failed
        build_missing_indexes(session.connection())
        session.commit()


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch


# Fewer lines than this parse faster here than a parsing process starts (the first time) or than
# the lines and their events cross between processes.
PARALLEL_FROM_LINES = 2000

# A batch planned for parsing: its pieces, each with the future of its parsing elsewhere (None: here).
_Plan = list[tuple[list[Line], Future[ParsedBatch] | None]]


def _parsed(batches: Iterator[list[Line]], processes: int) -> Iterator[ParsedBatch]:
    """The batches parsed, in order.

    With other processes, each batch is parsed in two halves there, a few batches ahead of the one
    being stored (no more: memory stays flat); the first half of the first batch is parsed here,
    while they start or parse its other half, so that even a load of one batch gains.
    """
    head: list[list[Line]] = []
    while sum(map(len, head)) < PARALLEL_FROM_LINES and (batch := next(batches, None)) is not None:
        head.append(batch)
    batches = chain(head, batches)
    if processes < 1 or sum(map(len, head)) < PARALLEL_FROM_LINES:
        yield from map(parse_batch, batches)
        return
    pool = _parser_pool(processes)

    def plan(batch: list[Line], *, first: bool = False) -> _Plan:
        middle = (len(batch) + 1) // 2
        halves = [half for half in (batch[:middle], batch[middle:]) if half]
        return [(half, None if first and index == 0 else _submit(pool, half)) for index, half in enumerate(halves)]

    ahead: deque[_Plan] = deque([plan(next(batches), first=True)])
    ahead.extend(plan(batch) for batch in islice(batches, processes))
    try:
        while ahead:
            pieces = ahead.popleft()
            if (following := next(batches, None)) is not None:
                ahead.append(plan(following))
            yield _joined([parse_batch(piece) if future is None else _result(piece, future)
                           for piece, future in pieces])
    finally:
        for pieces in ahead:
            for _, future in pieces:
                if future is not None:
                    future.cancel()


def _joined(parts: list[ParsedBatch]) -> ParsedBatch:
    return ParsedBatch(received=sum(part.received for part in parts),
                       events=[event for part in parts for event in part.events],
                       refusals=[refusal for part in parts for refusal in part.refusals])


def _submit(pool: ProcessPoolExecutor, batch: list[Line]) -> Future[ParsedBatch]:
    try:
        return pool.submit(_parse_elsewhere, batch)
    except BrokenProcessPool:
        return _parsed_here(batch)


def _result(batch: list[Line], future: Future[ParsedBatch]) -> ParsedBatch:
    try:
        return future.result()
    except BrokenProcessPool:
        return _parsed_here(batch).result()


def _parsed_here(batch: list[Line]) -> Future[ParsedBatch]:
    """A parsing process died (killed, out of memory): the load goes on parsing in this one, and the
    next load starts new processes."""
    _discard_parser_pool()
    future: Future[ParsedBatch] = Future()
    future.set_result(parse_batch(batch))
    return future


# Python's cycle collector, paused while loads run. A batch makes hundreds of thousands of short-lived
# tuples and lists; the collections they set off took a fifth of the loader's time, and reference
# counting frees them anyway. Cycles made meanwhile wait for the end of the last running load.
_paused_loads = 0
_collector_was_enabled = False
_collector_lock = threading.Lock()


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    global _paused_loads, _collector_was_enabled
    with _collector_lock:
        if _paused_loads == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _paused_loads += 1
    try:
        yield
    finally:
        with _collector_lock:
            _paused_loads -= 1
            if _paused_loads == 0 and _collector_was_enabled:
                gc.enable()


# The parsing processes of this process, started by the first load that needs them and kept for the
# next ones (starting one takes about a second: it imports the models and the reference data).
_pool: tuple[int, ProcessPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _parser_pool(processes: int) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != processes:
            if _pool is not None:
                _pool[1].shutdown(wait=False)
            # Spawned, not forked: the server that asks may be running threads.
            _pool = (processes, ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                                    initializer=_start_parsing, initargs=(os.getpid(),)))
        return _pool[1]


def _start_parsing(parent: int) -> None:
    """In a new parsing process: exit once the process that started it is gone (killed, that one cannot
    say so, and its parsing processes would otherwise stay, waiting for work, for good), and leave
    cycles to `_parse_elsewhere`."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()
    yield_to_storing()
    # What the imports made lives as long as the process: no collection needs to walk it again.
    gc.freeze()
    gc.disable()


def yield_to_storing(niceness: int = 5) -> None:
    """Lower the calling thread's scheduling priority (Linux, where a thread has one of its own).

    The thread that stores batches is a load's critical path: the rest (parsing ahead, indexing
    aside) has time to spare, but on a machine with as many busy threads as cores it took CPU from the
    storing thread, which then waited, runnable, for a core: 10.6 s of a 300,000-event load on two
    cores without this, 5.9 s with it (the load's time moved within the runs' noise, 79-81 s).
    """
    if sys.platform != "linux":
        return
    with suppress(OSError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness)


def _parse_elsewhere(lines: list[Line]) -> ParsedBatch:
    """parse_batch in a parsing process. Its answer is pickled once this returns, and the collections
    that pickling set off walked the whole batch, again and again: a sixth of the process's time. So
    the collector is off there (`_start_parsing`), and what cycles the last batch left are collected
    here, between batches."""
    gc.collect()
    return parse_batch(lines)


def _discard_parser_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool[1].shutdown(wait=False, cancel_futures=True)
        _pool = None


def _count(tally: _Tally, number: int, outcome: CreateOutcome | ProblemError) -> None:
    if isinstance(outcome, ProblemError):
        tally.errors.append(_refusal(number, outcome))
    elif outcome.created:
        tally.created_ids.append(str(outcome.event_id))
    else:
        tally.duplicate_ids.append(str(outcome.event_id))


def _store_batch(session: Session, batch: list[tuple[int, NewEvent]], tally: _Tally, *, actor: str,
                 people: PersonResolver) -> bool:
    """Store a batch in one transaction, or else line by line; answers whether it went in whole."""
    try:
        outcomes = create_events_uncommitted(session, [data for _, data in batch], actor=actor, resolver=people)
        session.commit()
    except (IntegrityError, ProblemError):
        session.rollback()
        _store_one_by_one(session, batch, tally, actor=actor)
        return False
    for (number, _), outcome in zip(batch, outcomes, strict=True):
        _count(tally, number, outcome)
    return True


def _store_one_by_one(session: Session, batch: list[tuple[int, NewEvent]], tally: _Tally, *,
                      actor: str) -> None:
    for number, data in batch:
        savepoint = session.begin_nested()
        try:
            outcome = create_events_uncommitted(session, [data], actor=actor)[0]
            savepoint.commit()
        except (IntegrityError, ProblemError) as error:
            savepoint.rollback()
            outcome = error if isinstance(error, ProblemError) else ProblemError("the line could not be stored")
        _count(tally, number, outcome)
    session.commit()
