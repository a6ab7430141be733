"""/healthz and /readyz."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import PROBLEM_MEDIA_TYPE, NotReadyError, problem_response
from app.core.migrations import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers (the database is not consulted)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers and its schema is at the latest migration",
            responses={503: {"description": "Not ready", "content": {PROBLEM_MEDIA_TYPE: {}}}})
def readyz(request: Request) -> JSONResponse:
    database, head = request.app.state.database, request.app.state.migration_head
    try:
        with database.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(database.read_engine)
    except SQLAlchemyError:
        return _not_ready(request, "the database is not reachable")
    if revision != head:
        return _not_ready(request, f"the database schema is at {revision or 'nothing'}, the service expects {head}")
    return JSONResponse({"status": "ready", "database": database.read_engine.dialect.name, "revision": revision})


def _not_ready(request: Request, detail: str) -> JSONResponse:
    # Answered, not raised: readiness failing is this route's normal answer, not an error to handle.
    return problem_response(NotReadyError(detail, headers={"Retry-After": "5"}), request)
