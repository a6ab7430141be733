"""One family of errors, rendered as RFC 9457 problem details by one family of handlers.

Services and dependencies raise `ProblemError` subclasses carrying their status; routes never
build error bodies. FastAPI's own validation errors, Starlette's routing errors (404, 405), body
limits and unhandled exceptions are rendered in the same shape.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from app.core.metrics import count_problem
from app.core.observability import REQUEST_ID_HEADER, current_request_id

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://readout.dev/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the bad field, e.g. `participants.0.country`.")
    location: str = Field(description="Where the field was sent: `body`, `query`, `path` or `header`.")
    pointer: str | None = Field(default=None, description="JSON Pointer into the body, for body fields.")
    detail: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = Field(default=None, description="The request's `X-Request-ID`: quote it when "
                                                              "reporting a problem, it is on the server's log lines.")


class ProblemError(Exception):
    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None,
                 errors: list[FieldError] | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers
        self.errors = errors
        self.extensions = extensions

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [error.model_dump(exclude_none=True) for error in self.errors]
        body.update(self.extensions)
        return body


class BadRequestError(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class InvalidCursorError(ProblemError):
    status, slug, title = 400, "invalid-cursor", "Invalid cursor"


class UnauthorizedError(ProblemError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="readout"'})


class ForbiddenError(ProblemError):
    status, slug, title = 403, "forbidden", "The API key lacks the scope for this request"


class NotFoundError(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowedError(ProblemError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class NotAcceptableError(ProblemError):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class ConflictError(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLargeError(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaTypeError(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationProblem(ProblemError):
    status, slug, title = 422, "validation-error", "The request is not valid"


class TooManyRequestsError(ProblemError):
    status, slug, title = 429, "too-many-requests", "Too many requests"


class NotImplementedProblem(ProblemError):
    status, slug, title = 501, "not-implemented", "Not implemented"


class ServiceUnavailableError(ProblemError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


class NotReadyError(ServiceUnavailableError):
    slug, title = "not-ready", "Not ready"


def field_error(field: str, detail: str, *, location: str = "query", type: str = "value_error") -> FieldError:
    pointer = "#/" + field.replace(".", "/") if location == "body" else None
    return FieldError(field=field, location=location, pointer=pointer, detail=detail, type=type)


def invalid(field: str, detail: str, *, location: str = "query") -> ValidationProblem:
    """A 422 naming one bad field."""
    return ValidationProblem(detail, errors=[field_error(field, detail, location=location)])


def errors_from_pydantic(errors: list[dict[str, Any]], *, default_location: str = "body") -> list[FieldError]:
    """FastAPI/pydantic error dicts as FieldErrors. The submitted value is not echoed back."""
    converted = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = default_location
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            location, loc = loc[0], loc[1:]
        field = ".".join(loc) or location
        converted.append(field_error(field, str(error.get("msg", "invalid value")), location=location,
                                     type=str(error.get("type", "value_error"))))
    return converted


def errors_summary(errors: list[FieldError]) -> str:
    """The detail line of a refusal with field errors: the first few fields and why."""
    return "; ".join(f"{e.field}: {e.detail}" for e in errors[:5])


def validation_problem(pydantic_errors: list[dict[str, Any]]) -> ValidationProblem:
    """A 422 from pydantic's (or FastAPI's) errors, naming each field; the values are not echoed."""
    errors = errors_from_pydantic(pydantic_errors)
    return ValidationProblem(errors_summary(errors), errors=errors)


def problem_response(error: ProblemError, request: Request | None = None) -> JSONResponse:
    body = error.to_problem(instance=_instance(request) if request else None)
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    count_problem(error.status, error.slug)
    return JSONResponse(
        jsonable_encoder(body),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers,
    )


def _instance(request: Request) -> str:
    """The request's path as sent, percent-encoded as a URI reference is: what a client put in a
    path comes back as data, never as markup."""
    raw = request.scope.get("raw_path")
    return quote(raw.decode("latin-1") if raw else request.url.path, safe="/%")


_STATUS_ERRORS: dict[int, type[ProblemError]] = {
    cls.status: cls
    for cls in (BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, MethodNotAllowedError,
                NotAcceptableError, ConflictError, PayloadTooLargeError, UnsupportedMediaTypeError,
                ValidationProblem, TooManyRequestsError, NotImplementedProblem, ServiceUnavailableError)
}


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(list(exc.errors())), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on the path; a path served by
            # several routes (GET and POST /v1/events) allows all of theirs.
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        cls = _STATUS_ERRORS.get(exc.status_code)
        if cls is None:
            error = ProblemError(str(exc.detail), headers=exc.headers)
            error.status, error.title, error.slug = exc.status_code, str(exc.detail), "http-error"
        else:
            detail = None if exc.detail in {cls.title, "Not Found", "Method Not Allowed"} else str(exc.detail)
            error = cls(detail)
            error.headers = {**(error.headers or {}), **(exc.headers or {})} or None
        return problem_response(error, request)

    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(ServiceUnavailableError("The database is not reachable; try again shortly.",
                                                        headers={"Retry-After": "5"}), request)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return await _database_unavailable(request, exc)
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        response = problem_response(ProblemError("An unexpected error occurred; it has been logged."), request)
        # This handler answers from outside every middleware (Starlette's ServerErrorMiddleware), so
        # the request id middleware never sees this answer: it carries the id itself.
        request_id = current_request_id()
        if request_id is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _allowed_methods(request: Request) -> list[str]:
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    routes = list(request.app.router.routes)
    while routes:
        route = routes.pop()
        included = getattr(route, "original_router", None)  # FastAPI wraps included routers
        if included is not None:
            routes += included.routes
        elif getattr(route, "methods", None) and route.matches(scope)[0] is not Match.NONE:
            methods |= set(route.methods)
    return sorted(methods)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem bodies for the given statuses."""
    descriptions = {cls.status: cls.title for cls in _STATUS_ERRORS.values()}
    descriptions[500] = "Internal server error"
    return {status: {"model": Problem, "description": descriptions.get(status, "Error")} for status in statuses}
