"""Full-text search over readout texts and event summaries, in each database's own engine."""

from __future__ import annotations

import re

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.models import Event, Readout

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16

# The SQLite FTS5 tables made by the migrations; described here (outside the models' metadata)
# only so that queries can name them.
_fts = MetaData()
readout_fts = Table("readout_fts", _fts, Column("rowid", Integer), Column("text", Text))
event_fts = Table("event_fts", _fts, Column("rowid", Integer), Column("summary", Text))


def search_terms(q: str) -> list[str]:
    """The words of a query, each matched as a whole term; operators and punctuation are ignored."""
    return _WORD.findall(q)[:MAX_TERMS]


def matches_text(session: Session, q: str, *, event_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A condition on the event whose id is `event_id`: its summary or one of its readouts contains
    every word of `q`."""
    terms = search_terms(q)
    if not terms:
        return event_id.is_(None)  # nothing searchable in the query: nothing matches
    if session.get_bind().dialect.name == "sqlite":
        # Each word quoted: FTS5 then reads it as a plain term, never as query syntax.
        fts_query = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        in_readouts = (select(Readout.event_id).join(readout_fts, readout_fts.c.rowid == Readout.id)
                       .where(readout_fts.c.text.op("MATCH")(fts_query)))
        in_summaries = select(event_fts.c.rowid).where(event_fts.c.summary.op("MATCH")(fts_query))
        return or_(event_id.in_(in_readouts), event_id.in_(in_summaries))
    query = func.plainto_tsquery("english", " ".join(terms))
    readout_vector = func.to_tsvector("english", func.coalesce(Readout.text, ""))
    summary_vector = func.to_tsvector("english", func.coalesce(Event.summary, ""))
    return or_(
        event_id.in_(select(Readout.event_id).where(readout_vector.op("@@")(query))),
        event_id.in_(select(Event.id).where(summary_vector.op("@@")(query))),
    )
