"""The application: settings, database, routers, error handlers. Nothing else."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from app.api.deps import clean_query_string
from app.api.response_cache import DataVersionReader, ResponseCacheMiddleware
from app.api.routes import (
    deletions,
    events,
    health,
    metrics,
    people,
    readouts,
    reference,
    stats,
)
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.errors import PROBLEM_MEDIA_TYPE, add_exception_handlers
from app.core.limits import BodyLimitMiddleware
from app.core.migrations import head_revision
from app.core.observability import ObservabilityMiddleware
from app.core.ratelimit import RateLimiter, RateLimitMiddleware
from app.extraction import warm_up
from app.models.event import EventCreate, EventUpdate
from app.models.readout import ReadoutCreate
from app.services import keys as key_service

DESCRIPTION = """
Structured diplomatic events (calls, meetings, visits, messages) extracted from governments'
press-service readouts, with the source text and evidence for every field.

Reads are open unless the operator requires a key. Every write needs an API key with write scope,
sent as `Authorization: Bearer <key>`; keys are made with `python -m app keys create`.
Errors are RFC 9457 problem details (`application/problem+json`).

Every answer carries an `X-Request-ID` (the one sent, when well formed), which problems repeat as
`request_id`: quote it when reporting an error. Where the operator turns rate limits on, writes and
exports answer `429` with `Retry-After` past their budget, and carry `RateLimit` headers.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database.from_settings(settings)
    versions = DataVersionReader(database, timeout_seconds=settings.pool_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Routes run in a thread pool. Many threads taking turns on the GIL and the database cost more
        # than they overlap: a small pool keeps a worker's throughput up under many connections.
        if settings.worker_threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # Build the extraction's reference indexes now rather than in the first readout's request.
        await run_in_threadpool(warm_up)
        # What start-up built (models, reference data, the extraction's indexes: ~150,000 objects) lives
        # as long as the process. Left to the cycle collector, each of its full passes walked them all
        # and held every request for ~65 ms; frozen, the passes see only what requests made since.
        gc.freeze()
        yield
        gc.unfreeze()  # for a process that goes on, such as the tests': what this app leaves can be freed
        await versions.close()
        database.dispose()

    app = FastAPIOffline(title="Readout", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                         dependencies=[Depends(clean_query_string)])
    app.state.settings = settings
    app.state.database = database
    app.state.migration_head = head_revision(settings)

    app.add_middleware(ResponseCacheMiddleware, versions=versions, max_bytes=settings.response_cache_bytes,
                       require_read_key=settings.require_read_key)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes,
                       path_limits={"/v1/events/bulk": settings.max_bulk_body_bytes})
    if settings.rate_limit_enabled:
        # Outside the body limit and the cache: a refused request costs neither a body nor a query.
        app.state.rate_limiter = RateLimiter.from_settings(settings)
        app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter, key_owner=_key_owner(database))
    # Outermost, so that its id, log line and metrics cover every answer, refusals included.
    app.add_middleware(ObservabilityMiddleware)
    add_exception_handlers(app)
    for module in (events, readouts, people, reference, stats, deletions, health, metrics):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    _document_problems(app)
    return app


def _key_owner(database: Database) -> Callable[[str], str | None]:
    """The name of a live key, for the rate limiter to count by (the routes check keys themselves)."""

    def owner(key: str) -> str | None:
        with database.read_session() as session:
            row = key_service.authenticate(session, key=key)
            return row.name if row is not None else None

    return owner


def _document_problems(app: FastAPI) -> None:
    """Error responses are documented as `application/problem+json`, as they are sent."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                # Every route refuses a query string that is not UTF-8 or holds NUL (clean_query_string).
                operation.setdefault("responses", {}).setdefault("422", {})
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
                    if status == "422":
                        # FastAPI's own 422 (HTTPValidationError) is never sent: every 422 is a problem.
                        response["description"] = "The request is not valid"
                        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        # Bodies read by hand (a readout as JSON or text/plain; events, read after the key check) are
        # described by their model.
        for model in (ReadoutCreate, EventCreate, EventUpdate):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, nested in definition.pop("$defs", {}).items():
                components.setdefault(name, nested)
            components.setdefault(model.__name__, definition)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
