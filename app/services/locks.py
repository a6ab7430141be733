"""Serialising writers that would otherwise race past each other's checks.

"Is this person (or this event) stored already? If not, store it" is a check-then-insert; two
concurrent transactions can both find nothing and both insert. On PostgreSQL a transaction-level
advisory lock on the thing's natural key makes the second wait for the first to commit, after
which its check sees the first one's row. SQLite needs nothing: its writers already run one at a
time (BEGIN IMMEDIATE, see app.core.db).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def lock_natural_keys(session: Session, *keys: str) -> None:
    """Hold an advisory lock for each key until the transaction ends (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Sorted, so that two transactions wanting overlapping keys take them in the same order.
    for key in sorted(set(keys)):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
