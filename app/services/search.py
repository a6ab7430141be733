"""Full-text search over readout texts and event summaries, in each database's own engine."""

from __future__ import annotations

import re

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased

from app.models import Event, Readout

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
# Probing costs about this many collected matches per event it checks (measured on SQLite at
# 100k and 1M events); see _frequent.
_PROBE_COST = 2_000
# On PostgreSQL, checking an event tokenizes its readout: dearer than SQLite's seek (see _frequent_postgresql).
_PROBE_COST_POSTGRESQL = 300
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


def _probe_threshold(session: Session, probe_cost: int) -> int:
    """The matches from which probing wins: sqrt(probe_cost * events) (see _frequent), or what a test set."""
    if _FREQUENT is not None:
        return _FREQUENT
    events = session.scalar(select(func.max(Event.id))) or 0
    return max(1_000, int((probe_cost * events) ** 0.5))


def _frequent(session: Session, in_text: ColumnElement[bool]) -> bool:
    """Whether probing events in page order beats collecting every match.

    Collecting costs about `m` (the matches); probing about 51 / density = 51 * n / m checks (n
    events), each worth ~_PROBE_COST / 51 collected matches. Probing wins when m * m > _PROBE_COST * n,
    i.e. from m = sqrt(_PROBE_COST * n) matches on, which is as far as the matches are counted.
    """
    threshold = _probe_threshold(session, _PROBE_COST)
    sample = select(readout_fts.c.rowid).where(in_text).limit(threshold).subquery()
    return (session.scalar(select(func.count()).select_from(sample)) or 0) >= threshold


def _frequent_postgresql(session: Session, matching: Select[tuple[int]]) -> bool:
    """Whether probing events in page order beats collecting every match, on PostgreSQL: the same
    reckoning as `_frequent`, with the planner's estimate of the matches (from the statistics of the
    GIN index's expression), since counting them reads them."""
    threshold = _probe_threshold(session, _PROBE_COST_POSTGRESQL)
    compiled = matching.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"]) >= threshold


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
    # Written as literals, not parameters: the expressions must be those of the GIN indexes (migration
    # 0001) in a generic plan too, or PostgreSQL tokenizes every text.
    config, empty = literal_column("'english'::regconfig"), literal_column("''")
    query = func.plainto_tsquery(config, " ".join(terms))
    in_text = func.to_tsvector(config, func.coalesce(Readout.text, empty)).op("@@")(query)
    summarised = aliased(Event)  # not the event of the outer query, which may be this very table
    in_summary = func.to_tsvector(config, func.coalesce(summarised.summary, empty)).op("@@")(query)
    if _frequent_postgresql(session, select(Readout.id).where(in_text)):
        # Collecting a frequent term's matches reads every matching readout (97,000 of a million for
        # "CSTO": seconds); an event in page order is one in ten to match, and checking it costs one
        # readout's tokens. Written as scalar subqueries of the event: an EXISTS, PostgreSQL may turn
        # back into collecting the matches (a hashed subplan), and did.
        in_readouts = select(func.bool_or(in_text)).where(Readout.event_id == event_id).scalar_subquery()
        in_own_summary = select(in_summary).where(summarised.id == event_id).scalar_subquery()
        return or_(func.coalesce(in_readouts, false()), func.coalesce(in_own_summary, false()))
    # One list of matching events, which the planner joins; with two lists ORed it guessed that most
    # events match, and filtered the whole date index through them.
    return event_id.in_(union(select(Readout.event_id).where(in_text), select(summarised.id).where(in_summary)))
