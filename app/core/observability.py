"""Request ids, structured logs and request metrics, in one pure ASGI middleware.

Every request gets an id: a well-formed incoming `X-Request-ID` (a proxy's or a client's, so one id
follows the request across services) or a new one. It is answered in `X-Request-ID`, carried by a
context variable into every log line emitted while the request is handled (threads of the pool
included: they run in a copy of the request's context) and into problem bodies (app.core.errors).

The middleware writes the one access line per request (`serve` turns uvicorn's own off) and feeds
the request metrics (app.core.metrics). Its work per request is constant and small: a scan of the
headers, one regex match only when an id is sent, a few dictionary look-ups, and the log line only
when a handler takes INFO records.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import HttpMetrics

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_HEADER = b"x-request-id"
# Ids from outside go into headers and logs: printable ASCII without spaces or quotes, bounded.
# UUIDs, ULIDs, W3C trace ids and most proxies' ids fit.
_WELL_FORMED_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

access_logger = logging.getLogger("app.access")

UNMATCHED_ROUTE = "<unmatched>"


def current_request_id() -> str | None:
    return request_id_var.get()


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = HttpMetrics()
        # Paths answered without the router saying which route took them (the response cache answers
        # before routing; /openapi.json and the docs' assets are not API routes): their templates
        # as seen on earlier requests, and the app's fixed paths and mounts.
        self._seen_templates: dict[str, str] = {}
        self._fixed_paths: frozenset[str] | None = None
        self._mounts: tuple[str, ...] = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for name, value in scope["headers"]:
            if name == _REQUEST_ID_HEADER:
                if _WELL_FORMED_ID.fullmatch(value):
                    request_id = value.decode("ascii")
                break
        if request_id is None:
            request_id = os.urandom(16).hex()  # 128 random bits, as a UUID has, at a quarter of uuid4's cost
        # Not reset at the end: the handler of unhandled errors runs outside this middleware (in
        # Starlette's ServerErrorMiddleware) and must still see the id. Each request runs in a task
        # of its own, so the value never outlives it.
        request_id_var.set(request_id)
        id_header = (_REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # an exception before the answer started ends as a 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = self._route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            if access_logger.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_logger.info(
                    "%s %s %d %.1fms", scope["method"], scope["path"], status, seconds * 1000,
                    extra={"method": scope["method"], "path": scope["path"], "route": route, "status": status,
                           "duration_ms": round(seconds * 1000, 2), "client": client[0] if client else None})

    def _route_template(self, scope: Scope) -> str:
        path = scope["path"]
        route = scope.get("route")
        if route is not None:
            template = getattr(route, "path_format", None) or route.path  # without `:convertor` parts
            if len(self._seen_templates) > 10_000:  # ids in paths: keep the memory bounded
                self._seen_templates.clear()
            self._seen_templates[path] = template
            return template
        template = self._seen_templates.get(path)
        if template is not None:
            return template
        if self._fixed_paths is None:
            self._learn_paths(scope["app"])
        if path in self._fixed_paths:  # type: ignore[operator]
            return path
        for mount in self._mounts:
            if path.startswith(mount):
                return mount + "{path}"
        return UNMATCHED_ROUTE

    def _learn_paths(self, app: Any) -> None:
        routes = getattr(app, "routes", [])
        self._fixed_paths = frozenset(r.path for r in routes if "{" not in getattr(r, "path", "{"))
        self._mounts = tuple(r.path + "/" for r in routes if hasattr(r, "routes") and getattr(r, "path", ""))


# --- logging -----------------------------------------------------------------------------------------

class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Attributes that the access line (or any `extra=`) may add to a record, written when present.
_EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "client")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for field in _EXTRA_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a terminal: `time level logger [request id, or - outside requests] message`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of `serve` (given to uvicorn, which applies it in every worker):
    everything to stderr through one handler, uvicorn's access log off (ours replaces it)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": log_format, "filters": ["request_id"]}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }
