"""/v1/countries and /v1/topics: the reference lists, with event counts."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from app.api.deps import SessionDep, require_read_key
from app.core.errors import problem_responses
from app.models.reference import CountryList, TopicList
from app.services import stats as stats_service

router = APIRouter(prefix="/v1", tags=["reference"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


@router.get("/countries", response_model=CountryList, summary="Countries and organisations",
            description="Every ISO 3166-1 country and curated international organisation, with the number of "
                        "events in which it took part.",
            responses=problem_responses(422))
def list_countries(session: SessionDep, kind: Literal["country", "organization"] | None = None) -> CountryList:
    return CountryList(data=stats_service.countries(session, kind=kind))


@router.get("/topics", response_model=TopicList, summary="Topics of the taxonomy, with event counts")
def list_topics(session: SessionDep) -> TopicList:
    return TopicList(data=stats_service.topics(session))
