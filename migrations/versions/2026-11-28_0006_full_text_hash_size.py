"""SQLite full-text indexes hold up to 64 MiB of new terms in memory before writing them out.

FTS5 writes a transaction's new terms to a new segment whenever they pass its hash size (1 MiB by
default), and merges segments as they pile up. A bulk batch of 10,000 readouts (about 15 MB of text)
wrote dozens of small segments and merged them again and again: a fifth of the time of loading
300,000 events. At 64 MiB a batch writes one segment. The memory is only held by a transaction that
writes that much text. PostgreSQL has no such setting (its GIN index has its own pending list).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = ("readout_fts", "event_fts")
_HASH_SIZE = 64 * 1024 * 1024
_DEFAULT_HASH_SIZE = 1024 * 1024


def _set_hash_size(size: int) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for index in _INDEXES:
        # FTS5's own configuration statement, kept in the index's config table.
        op.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('hashsize', {size})")


def upgrade() -> None:
    _set_hash_size(_HASH_SIZE)


def downgrade() -> None:
    _set_hash_size(_DEFAULT_HASH_SIZE)
