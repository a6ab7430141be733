"""Responses written straight from documents the services built.

The hot read paths (a page of events, one event) answer JSON serialised once from plain dicts in
the Event shape, instead of building a pydantic model per event and validating it again on the way
out; their `response_model` still documents the shape, and the tests hold them to it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from app.services.export import json_default


class DocumentResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=json_default).encode("utf-8")
