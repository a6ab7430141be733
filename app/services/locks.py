"""Serialising writers that would otherwise race past each other's checks.

"Is this person (or this event, this readout) stored already? If not, store it" is a
check-then-insert; two concurrent transactions can both find nothing and both insert. On
PostgreSQL a transaction-level advisory lock on the thing's natural key makes the second wait for
the first to commit, after which its check sees the first one's row. SQLite needs nothing: its
writers already run one at a time (BEGIN IMMEDIATE, see app.core.db).

Every write transaction takes all its locks in ONE call, before it reads: taken in one sorted
order, two transactions cannot each hold a lock the other waits for. Keys are hashed into a fixed
number of buckets per kind of thing, so a bulk batch of thousands of rows holds a few dozen
locks (PostgreSQL's lock table is small), at the price of now and then serialising two writers
of unrelated rows that share a bucket.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

BUCKETS = 64


def _bucket(key: str) -> int:
    kind, _, rest = key.partition(":")
    # crc32, not hash(): the same key must land in the same bucket in every process.
    return (zlib.crc32(kind.encode()) % 1024) * BUCKETS + zlib.crc32(rest.encode()) % BUCKETS


def lock_natural_keys(session: Session, keys: Iterable[str]) -> None:
    """Hold the advisory locks of these keys until the transaction ends (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for bucket in sorted({_bucket(key) for key in keys}):
        session.execute(select(func.pg_advisory_xact_lock(bucket)))
