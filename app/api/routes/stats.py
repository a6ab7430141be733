"""/v1/stats: aggregates over the events a filter matches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from app.api.deps import EventQuery, SessionDep, require_read_key, resolve_filters
from app.core.errors import problem_responses
from app.services import stats as stats_service
from app.services.stats import Interval, PairList, Timeline

router = APIRouter(prefix="/v1/stats", tags=["stats"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


class TimelineQuery(EventQuery):
    interval: Interval = Interval.month


class PairsQuery(EventQuery):
    limit: int = Field(default=100, ge=1, le=1000)


@router.get("/timeline", response_model=Timeline, summary="Event counts per week, month or year",
            responses=problem_responses(422))
def timeline(session: SessionDep, query: Annotated[TimelineQuery, Query()]) -> Timeline:
    return stats_service.timeline(session, filters=resolve_filters(query), interval=query.interval)


@router.get("/pairs", response_model=PairList, summary="Who talks to whom",
            description="Counts of events per pair of participant countries (or organisations).",
            responses=problem_responses(422))
def pairs(session: SessionDep, query: Annotated[PairsQuery, Query()]) -> PairList:
    return stats_service.pairs(session, filters=resolve_filters(query), limit=query.limit)
