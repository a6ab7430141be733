"""/v1/people: the people who take part in events, with their aliases and titles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import SessionDep, SettingsDep, check_limit, require_read_key
from app.core.errors import invalid, problem_responses
from app.models.fields import PAGE_SIZE_MAX
from app.models.person import PersonPage, PersonPublic
from app.reference.countries import resolve_country
from app.reference.organizations import resolve_organization
from app.services import people as people_service

router = APIRouter(prefix="/v1/people", tags=["people"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


class PeopleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=200, description="Name, surname or alias, in any spelling.")
    country: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=50, ge=1, le=PAGE_SIZE_MAX)
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")


@router.get("", response_model=PersonPage, summary="Find people", responses=problem_responses(400, 422))
def list_people(session: SessionDep, settings: SettingsDep, query: Annotated[PeopleQuery, Query()]) -> PersonPage:
    country = None
    if query.country:
        country = resolve_country(query.country) or resolve_organization(query.country)
        if country is None:
            raise invalid("country", "not a known country or organisation")
    data, next_cursor = people_service.list_people(session, q=query.q, country=country,
                                                   limit=check_limit(query.limit, settings), cursor=query.cursor)
    return PersonPage(data=data, next_cursor=next_cursor)


@router.get("/{person_id}", response_model=PersonPublic, summary="One person", responses=problem_responses(404))
def read_person(person_id: str, session: SessionDep) -> PersonPublic:
    return people_service.get_person(session, person_id=person_id)
