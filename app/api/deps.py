"""Dependencies shared by the routes: sessions, settings, API keys, the event filters."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import parse_qsl

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.core.config import Settings
from app.core.errors import (
    ForbiddenError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    ValidationProblem,
    field_error,
    invalid,
    validation_problem,
)
from app.models import ApiKey
from app.models.api_key import KeyScope
from app.models.fields import PAGE_SIZE_MAX, IsoDate, Timestamp
from app.reference.countries import resolve_country
from app.reference.organizations import resolve_organization
from app.reference.taxonomy import EventKind, Topic
from app.services import keys as key_service
from app.services.filters import CountryRoleFilter, EventFilters, SortOrder
from app.services.ids import parse_id

# The dependencies are `async def` although the database is not: each plain `def` dependency costs
# a trip to the thread pool and back on every request. Creating a session does no I/O (it
# connects when first used, in the route's thread); closing it hands the connection back to the pool.


_PARAMETER_NAME = re.compile(r"[a-z_]{1,40}")


async def clean_query_string(request: Request) -> None:
    """Every query string is UTF-8 text without NUL (applied to every route by app.main). Starlette
    reads invalid UTF-8 as replacement characters, a filter for something nobody sent; and
    PostgreSQL refuses NUL in text, so it must not get that far."""
    raw = request.scope.get("query_string", b"")
    if not raw:
        return
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise invalid("query", "the query string is not valid UTF-8") from None
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise invalid(name if _PARAMETER_NAME.fullmatch(name) else "query", "must not contain NUL characters")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.database.read_session() as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.database.write_session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_read_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def _bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise UnauthorizedError("send the key as `Authorization: Bearer <key>`")
    return key.strip()


def _authenticate(request: Request, *, primary: bool = False) -> ApiKey | None:
    key = _bearer_key(request)
    if key is None:
        return None
    database = request.app.state.database
    # Writes check keys on the primary: a key just made (or revoked) may not be on a replica yet.
    with database.write_session() if primary else database.read_session() as session:
        row = key_service.authenticate(session, key=key)
    if row is None:
        raise UnauthorizedError("the API key is not valid (unknown, malformed or revoked)")
    return row


# Declared so that the OpenAPI gives every write its `bearer` security (and /docs a way to send a key);
# the header itself is read and the key checked by `_authenticate`.
_BEARER = HTTPBearer(scheme_name="apiKey", auto_error=False,
                     description="An API key with write scope, made with `python -m app keys create`.")


async def require_write_key(request: Request,
                            _: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None) -> str:
    """The name of the write-scoped key sent with the request: who made the change."""
    row = await run_in_threadpool(lambda: _authenticate(request, primary=True))
    if row is None:
        raise UnauthorizedError("this request changes data and needs an API key with write scope")
    if row.scope != KeyScope.write:
        raise ForbiddenError(f"the key {row.name!r} is read-only; writes need a key with write scope")
    return row.name


async def require_read_key(request: Request) -> None:
    """Reads are open unless the operator requires a key (of any scope) for them."""
    if request.app.state.settings.require_read_key:
        if await run_in_threadpool(_authenticate, request) is None:
            raise UnauthorizedError("this service requires an API key for reads")


WriterDep = Annotated[str, Depends(require_write_key)]

BodyModel = TypeVar("BodyModel", bound=BaseModel)


def json_body(model: type[BodyModel]) -> Callable[[Request], Awaitable[BodyModel]]:
    """A dependency reading the JSON body as `model`. FastAPI reads and parses a declared body before
    any dependency runs; read here, after `WriterDep` in the route's parameters, a request without a
    valid write key is refused (401/403) before its body is read, and a refusal never depends on it.
    The route documents the body with `openapi_extra` (see `json_request_body`)."""

    async def read(request: Request) -> BodyModel:
        media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaTypeError("send the body as application/json")
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as error:
            raise validation_problem(list(error.errors())) from None

    return read


def json_request_body(model: type[BaseModel]) -> dict[str, object]:
    """The OpenAPI `requestBody` of a route reading `json_body(model)` (app.main adds the model's schema)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


class EventQuery(BaseModel):
    """The filters of GET /v1/events. Repeat a parameter for OR; different parameters AND."""

    model_config = ConfigDict(extra="forbid")

    country: list[str] = Field(default=[], description="Alpha-2, alpha-3 or English name; repeatable.",
                               max_length=50)
    country_role: CountryRoleFilter = CountryRoleFilter.participant
    person: list[str] = Field(default=[], description="Name, surname or alias, in any spelling; repeatable.",
                              max_length=20)
    person_id: list[str] = Field(default=[], max_length=50)
    topic: list[Topic] = Field(default=[], max_length=30)
    kind: list[EventKind] = Field(default=[], max_length=10)
    initiator: list[str] = Field(default=[], max_length=50)
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    q: str | None = Field(default=None, max_length=500, description="Words that the readout text or summary contains.")
    updated_since: Timestamp | None = Field(
        default=None, description="RFC 3339 timestamp with a zone: events created or changed since then.")


class PageQuery(BaseModel):
    sort: SortOrder = SortOrder.date_desc
    limit: int = Field(default=50, ge=1, le=PAGE_SIZE_MAX, description="Page size (default 50, at most 500).")
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")
    format: ExportFormat | None = Field(default=None, description="`csv` or `ndjson` stream every matching event.")


class EventListQuery(EventQuery, PageQuery):
    pass


def _codes(values: list[str], *, field: str, allow_organizations: bool) -> tuple[list[str], list]:
    codes, errors = [], []
    for position, value in enumerate(values, start=1):
        code = resolve_country(value) or (resolve_organization(value) if allow_organizations else None)
        if code is None:
            # Which value, not the value: problems never repeat what was sent.
            errors.append(field_error(field, f"value {position} is not a known country or organisation"))
        else:
            codes.append(code)
    return list(dict.fromkeys(codes)), errors


def resolve_filters(query: EventQuery) -> EventFilters:
    """The query's values resolved; every unknown value is named in one 422."""
    countries, errors = _codes(query.country, field="country", allow_organizations=True)
    initiators, initiator_errors = _codes(query.initiator, field="initiator", allow_organizations=True)
    errors += initiator_errors
    person_ids = []
    for position, value in enumerate(query.person_id, start=1):
        try:
            person_ids.append(parse_id(value, error=ValidationProblem()))
        except ValidationProblem:
            errors.append(field_error("person_id", f"value {position} is not a person id"))
    if query.date_from and query.date_to and query.date_from > query.date_to:
        errors.append(field_error("date_from", "date_from is after date_to"))
    if errors:
        raise ValidationProblem("; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
    return EventFilters(
        countries=countries,
        country_role=query.country_role,
        persons=[p for p in (p.strip() for p in query.person) if p],
        person_ids=person_ids,
        topics=[t.value for t in query.topic],
        kinds=[k.value for k in query.kind],
        initiators=initiators,
        date_from=query.date_from,
        date_to=query.date_to,
        q=query.q.strip() if query.q and query.q.strip() else None,
        updated_since=query.updated_since.astimezone(dt.UTC) if query.updated_since else None,
    )


def check_limit(limit: int, settings: Settings) -> int:
    if limit > settings.max_page_size:
        raise ValidationProblem(
            f"limit: at most {settings.max_page_size}",
            errors=[field_error("limit", f"must be at most {settings.max_page_size}", type="less_than_equal")],
        )
    return limit


async def event_filters(query: Annotated[EventQuery, Query()]) -> EventFilters:
    return resolve_filters(query)


EventFiltersDep = Annotated[EventFilters, Depends(event_filters)]
EXPORT_MEDIA_TYPES = {ExportFormat.csv: "text/csv; charset=utf-8", ExportFormat.ndjson: "application/x-ndjson"}
