"""/v1/deletions: the events removed since a time, for mirrors to sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import SessionDep, SettingsDep, check_limit, require_read_key
from app.core.errors import problem_responses
from app.models.event import DeletionPage
from app.models.fields import PAGE_SIZE_MAX, Timestamp
from app.services import events as event_service

router = APIRouter(prefix="/v1/deletions", tags=["events"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


class DeletionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Timestamp | None = Field(default=None, description="RFC 3339 timestamp with a zone.")
    limit: int = Field(default=500, ge=1, le=PAGE_SIZE_MAX)
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")


@router.get("", response_model=DeletionPage, summary="Events deleted since a time",
            responses=problem_responses(400, 422))
def list_deletions(session: SessionDep, settings: SettingsDep,
                   query: Annotated[DeletionQuery, Query()]) -> DeletionPage:
    data, next_cursor = event_service.list_deletions(session, since=query.since,
                                                     limit=check_limit(query.limit, settings), cursor=query.cursor)
    return DeletionPage(data=data, next_cursor=next_cursor)
