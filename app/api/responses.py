"""Responses written straight from documents the services built.

The hot read paths (a page of events, one event) answer the JSON text the database wrote for each
event (app.services.documents), joined, instead of building a pydantic model per event and
validating it again on the way out; their `response_model` still documents the shape, and the
tests hold them to it.
"""

from __future__ import annotations

import json

from starlette.responses import Response


def event_response(document: str) -> Response:
    """One event from its JSON text."""
    return Response(document.encode("utf-8"), media_type="application/json")


def page_response(documents: list[str], next_cursor: str | None) -> Response:
    """A page of events from their JSON texts."""
    body = '{"data":[' + ",".join(documents) + '],"next_cursor":' + json.dumps(next_cursor) + "}"
    return Response(body.encode("utf-8"), media_type="application/json")
