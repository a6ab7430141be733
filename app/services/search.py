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
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.models import Event, Readout

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
# Probing costs about this many collected matches per event it checks (measured on SQLite at
# 100k and 1M events); see _frequent.
_PROBE_COST = 2_000
# Tests set this to force one path; None: decide by the numbers.
_FREQUENT: int | None = None

# The SQLite FTS5 tables made by the migrations; described here (outside the models' metadata)
# only so that queries can name them.
_fts = MetaData()
readout_fts = Table("readout_fts", _fts, Column("rowid", Integer), Column("text", Text))
event_fts = Table("event_fts", _fts, Column("rowid", Integer), Column("summary", Text))


def search_terms(q: str) -> list[str]:
    """The words of a query, each matched as a whole term; operators and punctuation are ignored."""
    return _WORD.findall(q)[:MAX_TERMS]


def _frequent(session: Session, in_text: ColumnElement[bool]) -> bool:
    """Whether probing events in page order beats collecting every match.

    Collecting costs about `m` (the matches); probing about 51 / density = 51 * n / m checks (n
    events), each worth ~_PROBE_COST / 51 collected matches. Probing wins when m * m > _PROBE_COST * n,
    i.e. from m = sqrt(_PROBE_COST * n) matches on, which is as far as the matches are counted.
    """
    threshold = _FREQUENT
    if threshold is None:
        events = session.scalar(select(func.max(Event.id))) or 0
        threshold = max(1_000, int((_PROBE_COST * events) ** 0.5))
    sample = select(readout_fts.c.rowid).where(in_text).limit(threshold).subquery()
    return (session.scalar(select(func.count()).select_from(sample)) or 0) >= threshold


def matches_text(session: Session, q: str, *, event_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A condition on the event whose id is `event_id`: its summary or one of its readouts contains
    every word of `q`."""
    terms = search_terms(q)
    if not terms:
        return event_id.is_(None)  # nothing searchable in the query: nothing matches
    if session.get_bind().dialect.name == "sqlite":
        # Each word quoted: FTS5 then reads it as a plain term, never as query syntax.
        fts_query = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        in_text = readout_fts.c.text.op("MATCH")(fts_query)
        in_summary = event_fts.c.summary.op("MATCH")(fts_query)
        if _frequent(session, in_text):
            # Many matches: collecting and sorting them all costs more than probing, event by event
            # in page order, whether this one matches (FTS5 seeks a rowid within a term's doclist).
            return or_(
                exists().where(Readout.event_id == event_id, readout_fts.c.rowid == Readout.id, in_text),
                exists().where(event_fts.c.rowid == event_id, in_summary),
            )
        # Few matches: the list of matching events is small; it is built once and looked up.
        in_readouts = select(Readout.event_id).join(readout_fts, readout_fts.c.rowid == Readout.id).where(in_text)
        return or_(event_id.in_(in_readouts), event_id.in_(select(event_fts.c.rowid).where(in_summary)))
    query = func.plainto_tsquery("english", " ".join(terms))
    readout_vector = func.to_tsvector("english", func.coalesce(Readout.text, ""))
    summary_vector = func.to_tsvector("english", func.coalesce(Event.summary, ""))
    return or_(
        event_id.in_(select(Readout.event_id).where(readout_vector.op("@@")(query))),
        event_id.in_(select(Event.id).where(summary_vector.op("@@")(query))),
    )
