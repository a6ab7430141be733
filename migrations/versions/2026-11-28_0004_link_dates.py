"""Link tables carry their event's date, so each filter's index walks matching events in date order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:38:44.849990
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import app.models.base  # noqa: F401

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (table, old index and its columns, new index and its columns)
_LINKS = [
    ("event_country", "ix_event_country_country_role_event_id", ["country", "role", "event_id"],
     "ix_event_country_country_role_event_date_event_id", ["country", "role", "event_date", "event_id"]),
    ("event_participant", "ix_event_participant_person_id_event_id", ["person_id", "event_id"],
     "ix_event_participant_person_id_event_date_event_id", ["person_id", "event_date", "event_id"]),
    ("event_topic", "ix_event_topic_topic_event_id", ["topic", "event_id"],
     "ix_event_topic_topic_event_date_event_id", ["topic", "event_date", "event_id"]),
]


def upgrade() -> None:
    for table, old_index, _, new_index, new_columns in _LINKS:
        op.add_column(table, sa.Column("event_date", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET event_date = (SELECT event.date FROM event WHERE event.id = {table}.event_id)")
        # Batch mode rebuilds these link tables on SQLite to make the column NOT NULL (they have no
        # triggers to lose); PostgreSQL alters in place.
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("event_date", existing_type=sa.Date(), nullable=False)
            batch_op.drop_index(old_index)
            batch_op.create_index(new_index, new_columns, unique=False)


def downgrade() -> None:
    for table, old_index, old_columns, new_index, _ in reversed(_LINKS):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(new_index)
            batch_op.create_index(old_index, old_columns, unique=False)
            batch_op.drop_column("event_date")
