"""Aggregates over the events that match a filter: a timeline and who talks to whom."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from app.models import Event, EventCountry, EventTopic, PartyRow, TopicRow
from app.models.event import CountryRole
from app.models.reference import CountryPublic, TopicPublic
from app.services.cache import cached
from app.services.filters import EventFilters, filtered_event_ids


class Interval(StrEnum):
    week = "week"
    month = "month"
    year = "year"


class TimelineBucket(BaseModel):
    period: str
    start: dt.date
    count: int


class Timeline(BaseModel):
    interval: Interval
    data: list[TimelineBucket]


class PairCount(BaseModel):
    countries: list[str]
    count: int


class PairList(BaseModel):
    data: list[PairCount]


def _period_start(session: Session, interval: Interval):  # noqa: ANN202
    if session.get_bind().dialect.name == "sqlite":
        modifiers = {Interval.year: ["start of year"], Interval.month: ["start of month"],
                     # 'weekday 0' moves to the coming Sunday (or stays), six days back is that week's Monday.
                     Interval.week: ["weekday 0", "-6 days"]}[interval]
        return func.date(Event.date, *modifiers)
    return cast(func.date_trunc(interval.value, Event.date), Date)


def _label(start: dt.date, interval: Interval) -> str:
    if interval is Interval.year:
        return f"{start.year:04d}"
    if interval is Interval.month:
        return f"{start.year:04d}-{start.month:02d}"
    year, week, _ = start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _key(name: str, filters: EventFilters | None = None, **extra: object) -> str:
    return repr((name, filters.fingerprint() if filters else None, sorted(extra.items())))


def timeline(session: Session, *, filters: EventFilters, interval: Interval) -> Timeline:
    return cached(session, _key("timeline", filters, interval=interval),
                  lambda: _timeline(session, filters=filters, interval=interval))


def _timeline(session: Session, *, filters: EventFilters, interval: Interval) -> Timeline:
    start = _period_start(session, interval).label("start")
    rows = session.execute(
        select(start, func.count().label("count"))
        .where(Event.id.in_(filtered_event_ids(session, filters)))
        .group_by(literal_column("start"))
        .order_by(literal_column("start"))
    ).all()
    buckets = []
    for row in rows:
        day = row.start if isinstance(row.start, dt.date) else dt.date.fromisoformat(row.start)
        buckets.append(TimelineBucket(period=_label(day, interval), start=day, count=row.count))
    return Timeline(interval=interval, data=buckets)


def pairs(session: Session, *, filters: EventFilters, limit: int) -> PairList:
    return cached(session, _key("pairs", filters, limit=limit), lambda: _pairs(session, filters=filters, limit=limit))


def _pairs(session: Session, *, filters: EventFilters, limit: int) -> PairList:
    first, second = aliased(EventCountry), aliased(EventCountry)
    count = func.count(func.distinct(first.event_id)).label("count")
    rows = session.execute(
        select(first.country, second.country, count)
        .join(second, (second.event_id == first.event_id) & (second.country > first.country))
        .where(
            first.role == CountryRole.participant,
            second.role == CountryRole.participant,
            first.event_id.in_(filtered_event_ids(session, filters)),
        )
        .group_by(first.country, second.country)
        .order_by(count.desc(), first.country, second.country)
        .limit(limit)
    ).all()
    return PairList(data=[PairCount(countries=[a, b], count=n) for a, b, n in rows])


def countries(session: Session, *, kind: str | None) -> list[CountryPublic]:
    counts = cached(session, _key("country-counts"), lambda: dict(session.execute(
        select(EventCountry.country, func.count())
        .where(EventCountry.role == CountryRole.participant)
        .group_by(EventCountry.country)
    ).all()))
    statement = select(PartyRow).order_by(PartyRow.kind, PartyRow.code)
    if kind:
        statement = statement.where(PartyRow.kind == kind)
    return [CountryPublic(code=p.code, alpha3=p.alpha3, name=p.name, kind=p.kind, event_count=counts.get(p.code, 0))
            for p in session.scalars(statement)]


def topics(session: Session) -> list[TopicPublic]:
    counts = cached(session, _key("topic-counts"), lambda: dict(
        session.execute(select(EventTopic.topic, func.count()).group_by(EventTopic.topic)).all()))
    return [TopicPublic(slug=t.slug, description=t.description, event_count=counts.get(t.slug, 0))
            for t in session.scalars(select(TopicRow).order_by(TopicRow.slug))]
