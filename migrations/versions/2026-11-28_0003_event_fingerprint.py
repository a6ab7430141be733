"""Event fingerprint: kind, date and participants hashed, so a repeated event is found by one lookup.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:29:54.688968
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import app.models.base  # noqa: F401

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs, not batch mode: rebuilding `event` on SQLite would drop its full-text triggers.
    op.add_column('event', sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index('ix_event_fingerprint', 'event', ['fingerprint'], unique=False)
    _backfill()


def _fingerprint(kind: str, date: str, participants: list[tuple]) -> str:
    # A frozen copy of app.services.events.fingerprint as it was at this revision.
    parts = sorted({f"p{person_id}" if person_id is not None else f"u{(title or '').casefold()}|{country or ''}"
                    for person_id, title, country in participants})
    return hashlib.sha256(f"{kind}|{date}|{','.join(parts)}".encode()).hexdigest()


def _backfill() -> None:
    connection = op.get_bind()
    participants: dict[int, list[tuple]] = {}
    for event_id, person_id, title, country in connection.execute(
            sa.text("SELECT event_id, person_id, title, country FROM event_participant")):
        participants.setdefault(event_id, []).append((person_id, title, country))
    for event_id, kind, date in connection.execute(sa.text("SELECT id, kind, date FROM event")).all():
        connection.execute(sa.text("UPDATE event SET fingerprint = :f WHERE id = :id"),
                           {"f": _fingerprint(kind, str(date), participants.get(event_id, [])), "id": event_id})


def downgrade() -> None:
    op.drop_index('ix_event_fingerprint', table_name='event')
    op.execute("ALTER TABLE event DROP COLUMN fingerprint")
