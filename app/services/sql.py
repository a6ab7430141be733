"""Set-based statement helpers shared by the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Connection, Dialect, Table, insert

from app.core.db import note_change

T = TypeVar("T")

# Values per IN list or per statement: far below every database's bound-parameter limit.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _marker(dialect: Dialect) -> str:
    """The driver's placeholder for one parameter in plain SQL."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def select_in(connection: Connection, statement: str, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """The rows of `statement`, whose one `IN ({})` takes `values`, a chunk at a time. Plain SQL: a load
    asks this a few dozen times a batch, where building the Core statement cost more than answering it."""
    marker = _marker(connection.dialect)
    for chunk in chunks(values):
        yield from connection.exec_driver_sql(statement.format(", ".join([marker] * len(chunk))), tuple(chunk))


def insert_returning_ids(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one statement (or a few) and answer their new ids in the order of `rows`."""
    if connection.dialect.name == "sqlite":
        # SQLAlchemy can promise the order on SQLite only by inserting row by row. Within one
        # multi-row INSERT, SQLite hands out increasing ids in the order of the VALUES (and this
        # transaction is the only writer), so sorting the returned ids restores it.
        return sorted(connection.execute(insert(table).returning(table.c.id), rows).scalars())
    return list(connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                   rows).scalars())


# --- bulk inserts of plain tuples -------------------------------------------------------------------
#
# A bulk load writes a dozen rows per event. SQLAlchemy's Core insert builds and processes a dict of
# parameters per row, which cost more than SQLite's work on them; these helpers hand the driver
# tuples, converted by the columns' own bind processors (so the stored values are the same).


def _bind_processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _bind_processors(dialect: Dialect, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    return [_bind_processor(dialect, table.c[name]) for name in columns]


def _statement(dialect: Dialect, table: Table, columns: Sequence[str]) -> str:
    marker = _marker(dialect)
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join([marker] * len(columns))})")


def _driver_rows(dialect: Dialect, table: Table, columns: Sequence[str],
                 rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """`rows` as the driver takes them: each value converted by its column's bind processor, as a
    Core insert would, a column at a time (dates and timestamps repeat: each distinct one once)."""
    processors = _bind_processors(dialect, table, columns)
    if not any(processors):
        return rows
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, process in enumerate(processors):
        if process is None:
            continue
        if isinstance(table.c[columns[index]].type, JSON):
            # Lists and dicts are not hashable: each distinct object is converted once.
            distinct = {id(value): value for value in values[index] if value is not None}
            by_object = {key: process(value) for key, value in distinct.items()}
            values[index] = [None if value is None else by_object[id(value)] for value in values[index]]
        else:
            converted = {value: process(value) for value in set(values[index]) if value is not None}
            values[index] = list(map(converted.get, values[index]))
    return list(zip(*values, strict=True))


class DriverValues:
    """One column's bind processor, remembering what it made: a batch of events has a few thousand
    distinct dates among tens of thousands of link rows, and rows built with the driver's values
    already (`insert_rows(..., as_driver_takes=True)`) skip converting them again, column by column."""

    def __init__(self, dialect: Dialect, column: Column[Any]) -> None:
        self._process = _bind_processor(dialect, column)
        self._made: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        if self._process is None or value is None:
            return value
        made = self._made.get(value)
        if made is None:
            made = self._made[value] = self._process(value)
        return made

    def once(self, value: Any) -> Any:
        """A value that is not hashable (JSON) or comes once."""
        return value if self._process is None or value is None else self._process(value)


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                as_driver_takes: bool = False) -> None:
    """Insert `rows` (tuples of values for `columns`) with one executemany. With `as_driver_takes`, the
    values have been through their columns' bind processors (DriverValues) already."""
    if not rows:
        return
    dialect = connection.dialect
    if not as_driver_takes:
        rows = _driver_rows(dialect, table, columns, rows)
    if dialect.name == "postgresql" and len(rows) >= _COPY_FROM_ROWS:
        _copy_rows(connection, table, columns, rows)
        return
    with _full_text_deferred(connection, table, len(rows)):
        connection.exec_driver_sql(_statement(dialect, table, columns), rows)


# PostgreSQL takes many rows faster by COPY than by as many INSERTs, even pipelined.
_COPY_FROM_ROWS = 50


def _copy_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    note_change(connection)  # app.core.db counts the changes that SQLAlchemy's statements make
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows_returning_ids(connection: Connection, table: Table, columns: Sequence[str],
                              rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert `rows` and answer their new ids in the order of `rows`."""
    if not rows:
        return []
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return insert_returning_ids(connection, table, [dict(zip(columns, row, strict=True)) for row in rows])
    # This transaction is SQLite's only writer (BEGIN IMMEDIATE) and the ids of these tables only
    # grow (AUTOINCREMENT): the rows above the highest id before the insert are these, in order.
    highest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
    insert_rows(connection, table, columns, rows)
    ids = list(connection.exec_driver_sql(f"SELECT id FROM {table.name} WHERE id > ? ORDER BY id",
                                          (highest,)).scalars())
    assert len(ids) == len(rows), "another writer inserted into the same table"
    return ids


# SQLite's full-text indexes (FTS5 over the tables' own columns, migration 0001) follow inserts
# through a row trigger. Run row by row, FTS5 writes each row's terms out on its own (the trigger
# runs in a statement savepoint, at which FTS5 flushes what it holds): inserting a readout was three
# times slower than indexing the batch's new rows with one INSERT ... SELECT. For batches, the
# trigger is set aside inside the transaction (DDL is transactional in SQLite: no other connection
# ever sees it missing) and put back, from its stored definition, before the transaction goes on.
_FULL_TEXT = {"readout": ("readout_fts", "text"), "event": ("event_fts", "summary")}
_FULL_TEXT_BATCH = 50

# Full-text indexes that a large load has another thread build (app.services.full_text): this thread's
# batches leave them out.
full_text_aside: ContextVar[frozenset[str]] = ContextVar("full_text_aside", default=frozenset())


@contextmanager
def _full_text_deferred(connection: Connection, table: Table, count: int) -> Iterator[None]:
    search = _FULL_TEXT.get(table.name)
    if connection.dialect.name != "sqlite" or search is None or count < _FULL_TEXT_BATCH:
        yield
        return
    index, column = search
    trigger = f"{index}_insert"
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)).scalar()
    if definition is None:
        yield
        return
    highest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
    connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
    yield
    if index not in full_text_aside.get():
        connection.exec_driver_sql(f"INSERT INTO {index} (rowid, {column}) "
                                   f"SELECT id, {column} FROM {table.name} WHERE id > ?", (highest,))
    connection.exec_driver_sql(definition)
