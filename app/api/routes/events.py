"""/v1/events: create, bulk-load, query, export, read, correct, delete, and their history."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.convertors import StringConvertor, register_url_convertor

from app.api.deps import (
    EXPORT_MEDIA_TYPES,
    EventListQuery,
    ExportFormat,
    SessionDep,
    SettingsDep,
    WriterDep,
    WriteSessionDep,
    check_limit,
    json_body,
    json_request_body,
    require_read_key,
    resolve_filters,
)
from app.api.ndjson import NdjsonBody
from app.api.responses import event_response, page_response
from app.core.errors import problem_responses
from app.core.metrics import count_bulk_lines
from app.core.ratelimit import RATE_LIMITED
from app.models.event import (
    BulkResult,
    EventCreate,
    EventPage,
    EventPublic,
    EventUpdate,
    HistoryList,
)
from app.services import bulk as bulk_service
from app.services import events as event_service
from app.services import export as export_service
from app.services.filters import EventFilters, SortOrder

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


class EventIdConvertor(StringConvertor):
    """An event id in a path: anything but `bulk`, which is a resource of its own. Without this,
    `GET /v1/events/bulk` would look for an event called "bulk" (404) and a 405 there would
    advertise the methods of `/v1/events/{event_id}` in its Allow header."""

    regex = r"(?!bulk$)[^/]+"


register_url_convertor("event_id", EventIdConvertor())

_WRITE_ERRORS = {**problem_responses(400, 401, 403, 413, 422), **RATE_LIMITED}


def _export_format(request: Request, requested: ExportFormat | None) -> ExportFormat:
    asked = export_service.export_asked(requested.value if requested else None, request.headers.get("accept", ""))
    return ExportFormat(asked) if asked else ExportFormat.json


def _stream(request: Request, filters: EventFilters, sort: SortOrder, fmt: ExportFormat) -> StreamingResponse:
    database = request.app.state.database
    chunk_size = request.app.state.settings.export_chunk_size

    def body() -> Iterator[str]:
        # Its own session: the stream outlives the request's dependencies.
        with database.read_session() as session:
            events = event_service.iterate_events(session, filters=filters, sort=sort, chunk_size=chunk_size)
            lines = export_service.csv_lines(events) if fmt is ExportFormat.csv else export_service.ndjson_lines(events)
            yield from lines

    # The first piece (the first chunk's query) is made here, in the route: a database that cannot
    # be reached is then a 503 problem, rather than a 200 whose body breaks off.
    pieces = body()
    first = next(pieces, "")
    filename = f"events.{fmt.value}"
    return StreamingResponse(itertools.chain([first], pieces), media_type=EXPORT_MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get(
    "",
    response_model=EventPage,
    summary="Query events",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}},
                          "application/x-ndjson": {"schema": {"type": "string"}}},
              "description": "A page of events, or with `format=csv|ndjson` (or that Accept) every matching event."},
        **problem_responses(400, 422),
        **RATE_LIMITED,  # exports only
    },
)
def list_events(request: Request, session: SessionDep, settings: SettingsDep,
                query: Annotated[EventListQuery, Query()]) -> EventPage | Response:
    filters = resolve_filters(query)
    fmt = _export_format(request, query.format)
    if fmt is not ExportFormat.json:
        return _stream(request, filters, query.sort, fmt)
    limit = check_limit(query.limit, settings)
    data, next_cursor = event_service.list_events(session, filters=filters, sort=query.sort, limit=limit,
                                                  cursor=query.cursor)
    return page_response(data, next_cursor)


@router.post(
    "",
    response_model=EventPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create an event from structured fields",
    openapi_extra={"requestBody": json_request_body(EventCreate)},
    responses={200: {"model": EventPublic, "description": "The same event was stored already; it is answered "
                                                          "(with any new sources attached)."},
               **_WRITE_ERRORS, **problem_responses(415)},
)
def create_event(actor: WriterDep, body: Annotated[EventCreate, Depends(json_body(EventCreate))],
                 session: WriteSessionDep, response: Response) -> EventPublic:
    event, created = event_service.create_event(session, data=body, actor=actor)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/events/{event.id}"
    return event


@router.post(
    "/bulk",
    response_model=BulkResult,
    summary="Create many events from NDJSON",
    description="One Event-create object a line. Good lines are stored even when others are refused; the "
                "answer counts them and lists every refused line with its number and why.",
    # Not required: an empty body (an export of no events) loads nothing and says so.
    openapi_extra={"requestBody": {"required": False, "content": {
        "application/x-ndjson": {"schema": {"type": "string"}}}}},
    responses=_WRITE_ERRORS,
)
def bulk_create(actor: WriterDep,  # first: a request without a valid key is refused before its body is read
                lines: NdjsonBody, session: WriteSessionDep, settings: SettingsDep) -> BulkResult:
    result = bulk_service.load_lines(session, lines, actor=actor, batch_size=settings.bulk_batch_size,
                                     parse_processes=settings.bulk_parse_processes,
                                     sqlite_cache_mib=settings.sqlite_bulk_cache_mib)
    count_bulk_lines(result)
    return result


@router.get("/{event_id:event_id}", response_model=EventPublic, summary="One event", responses=problem_responses(404))
def read_event(event_id: str, session: SessionDep) -> Response:
    return event_response(event_service.get_event(session, event_id=event_id))


@router.patch(
    "/{event_id:event_id}",
    response_model=EventPublic,
    summary="Correct an event",
    description="Only the fields sent change; lists replace the stored list. The change is kept in the history.",
    openapi_extra={"requestBody": json_request_body(EventUpdate)},
    responses={**_WRITE_ERRORS, **problem_responses(404, 415)},
)
def update_event(event_id: str, actor: WriterDep, body: Annotated[EventUpdate, Depends(json_body(EventUpdate))],
                 session: WriteSessionDep) -> EventPublic:
    return event_service.update_event(session, event_id=event_id, data=body, actor=actor)


@router.delete(
    "/{event_id:event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an event",
    description="Its readouts stay retrievable; the deletion appears in /v1/deletions.",
    responses={**problem_responses(401, 403, 404, 422), **RATE_LIMITED},
)
def delete_event(event_id: str, session: WriteSessionDep, actor: WriterDep) -> Response:
    event_service.delete_event(session, event_id=event_id, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{event_id:event_id}/history", response_model=HistoryList, summary="Who changed what and when",
            responses=problem_responses(404))
def event_history(event_id: str, session: SessionDep) -> HistoryList:
    return HistoryList(data=event_service.event_history(session, event_id=event_id))
