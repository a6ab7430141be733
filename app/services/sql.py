"""Set-based statement helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert

T = TypeVar("T")

# Values per IN list or per statement: far below every database's bound-parameter limit.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def insert_returning_ids(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in one statement (or a few) and answer their new ids in the order of `rows`."""
    if connection.dialect.name == "sqlite":
        # SQLAlchemy can promise the order on SQLite only by inserting row by row. Within one
        # multi-row INSERT, SQLite hands out increasing ids in the order of the VALUES (and this
        # transaction is the only writer), so sorting the returned ids restores it.
        return sorted(connection.execute(insert(table).returning(table.c.id), rows).scalars())
    return list(connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                   rows).scalars())
