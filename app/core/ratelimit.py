"""Rate limits on writes and exports, per API key or per client address.

Writes (POST, PUT, PATCH, DELETE) and exports (GET /v1/events asking for CSV or NDJSON) are the
requests that cost the database the most; reads are not limited. Each API key has its own budget,
and requests without a valid key share their client address's: a key counts only once it is known
to be valid (looked up in the database once a minute at most), or anyone could dodge the limit by
sending a new made-up key with every request.

The budget is a token bucket (in its GCRA form: one timestamp per bucket) of `burst` requests that
refills at `per_minute`. It lives in this process's memory: each replica or worker counts for
itself, so N replicas allow N times the rate. That is what the limit is for: it keeps one client
from taking a replica's whole capacity, and capacity grows with replicas too. A shared count would
cost a database round trip on every limited request and one more thing to fail.

Every limited request is answered with the state of its bucket, as the IETF draft's `RateLimit-Policy`
and `RateLimit` fields and the widely used `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset`; a refused one with 429, `Retry-After`, and a problem body.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import Problem, TooManyRequestsError, problem_response
from app.services.export import export_asked

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPORT_PATH = "/v1/events"

# How long the middleware trusts what the database said about a key: a key just revoked may keep
# its own bucket (not its access: the routes check keys on every request) for this long.
KNOWN_KEY_SECONDS = 60.0
UNKNOWN_KEY_SECONDS = 10.0
MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True)
class Quota:
    name: str
    per_minute: int
    burst: int

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return 60.0 / self.per_minute

    @property
    def policy(self) -> str:
        # A full bucket refills in burst x interval seconds: `burst` requests per that window.
        return f'"{self.name}";q={self.burst};w={math.ceil(self.burst * self.interval)}'


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    reset: float  # seconds until the bucket is full again
    retry_after: float  # when refused: seconds until one request fits


class RateLimiter:
    """Token buckets in GCRA form: per (quota, client), the theoretical arrival time (TAT) of the
    next request at the sustained rate; a request fits while TAT is at most burst intervals ahead.
    Runs on the event loop only (no awaits inside `take`), so needs no lock."""

    def __init__(self, *, writes: Quota, exports: Quota, clock: Callable[[], float] = time.monotonic,
                 max_buckets: int = 100_000) -> None:
        self.writes = writes
        self.exports = exports
        self.clock = clock
        self.max_buckets = max_buckets
        self._arrivals: dict[tuple[str, str], float] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(writes=Quota("writes", settings.rate_limit_writes_per_minute, settings.rate_limit_write_burst),
                   exports=Quota("exports", settings.rate_limit_exports_per_minute, settings.rate_limit_export_burst))

    def take(self, quota: Quota, client: str) -> Decision:
        now = self.clock()
        key = (quota.name, client)
        interval, capacity = quota.interval, quota.burst * quota.interval
        arrival = max(self._arrivals.get(key, now), now)
        following = arrival + interval
        fits_from = following - capacity
        if now < fits_from:
            return Decision(allowed=False, remaining=0, reset=arrival - now, retry_after=fits_from - now)
        if len(self._arrivals) >= self.max_buckets:
            self._forget_full_buckets(now)
        self._arrivals[key] = following
        # The small epsilon keeps float error from costing a whole request.
        remaining = math.floor((now - fits_from) / interval + 1e-9)
        return Decision(allowed=True, remaining=remaining, reset=following - now, retry_after=0.0)

    def _forget_full_buckets(self, now: float) -> None:
        # A bucket whose TAT has passed is full: forgetting it changes nothing.
        self._arrivals = {key: arrival for key, arrival in self._arrivals.items() if arrival > now}


def rate_limit_headers(quota: Quota, decision: Decision) -> list[tuple[bytes, bytes]]:
    reset = math.ceil(decision.reset)
    headers = [
        (b"ratelimit-policy", quota.policy.encode()),
        (b"ratelimit", f'"{quota.name}";r={decision.remaining};t={reset}'.encode()),
        (b"ratelimit-limit", str(quota.burst).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(reset).encode()),
    ]
    if not decision.allowed:
        headers.append((b"retry-after", str(max(1, math.ceil(decision.retry_after))).encode()))
    return headers


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, key_owner: Callable[[str], str | None]) -> None:
        """`key_owner` answers the name of the live key given, or None; it may query the database."""
        self.app = app
        self.limiter = limiter
        self.key_owner = key_owner
        self._owners: dict[bytes, tuple[str | None, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        quota = self._quota(scope) if scope["type"] == "http" else None
        if quota is None:
            await self.app(scope, receive, send)
            return
        decision = self.limiter.take(quota, await self._client(scope))
        headers = rate_limit_headers(quota, decision)
        if not decision.allowed:
            error = TooManyRequestsError(
                f"this client may send {quota.burst} {quota.name} at once and {quota.per_minute} a minute; "
                f"retry in {max(1, math.ceil(decision.retry_after))} s",
                headers={name.decode(): value.decode() for name, value in headers})
            await problem_response(error, Request(scope))(scope, receive, send)
            return

        async def send_with_state(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_state)

    def _quota(self, scope: Scope) -> Quota | None:
        method = scope["method"]
        if method in WRITE_METHODS:
            return self.limiter.writes
        if method == "GET" and scope["path"].rstrip("/") == EXPORT_PATH and _asks_for_export(scope):
            return self.limiter.exports
        return None

    async def _client(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, key = value.partition(b" ")
                if scheme.lower() == b"bearer" and key.strip():
                    owner = await self._key_owner(key.strip())
                    if owner is not None:
                        return "key:" + owner
                break
        client = scope.get("client")
        return "address:" + (client[0] if client else "unknown")

    async def _key_owner(self, key: bytes) -> str | None:
        digest = hashlib.sha256(key).digest()  # secrets are not kept in memory longer than a request
        now = time.monotonic()
        cached = self._owners.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            owner = await to_thread.run_sync(self.key_owner, key.decode("latin-1"))
        except Exception:  # noqa: BLE001 - the database is down: count by address; the route will say why
            return None
        if len(self._owners) >= MAX_CACHED_KEYS:
            self._owners.clear()
        self._owners[digest] = (owner, now + (KNOWN_KEY_SECONDS if owner is not None else UNKNOWN_KEY_SECONDS))
        return owner


def _asks_for_export(scope: Scope) -> bool:
    """As GET /v1/events decides (app.services.export.export_asked): `format` when given, else Accept."""
    query: bytes = scope["query_string"]
    requested = None
    if b"format" in query or b"%" in query:  # parse only when `format` may be there (maybe percent-encoded)
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name == "format":
                requested = value  # the last one wins, as in the route
    accept = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"accept"), "")
    return export_asked(requested, accept) is not None


RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "Too many requests from this API key (or, without one, this address); sent only when the "
                       "operator turns rate limits on. Limited operations also carry the `RateLimit` headers "
                       "on their other answers.",
        "headers": {
            "Retry-After": {"description": "Seconds after which the request will fit.", "schema": {"type": "integer"}},
            "RateLimit-Policy": {"description": 'The quota, e.g. `"writes";q=30;w=30` (IETF draft).',
                                 "schema": {"type": "string"}},
            "RateLimit": {"description": 'What is left, e.g. `"writes";r=0;t=30` (IETF draft).',
                          "schema": {"type": "string"}},
            "RateLimit-Limit": {"description": "Requests allowed at once (the bucket's size).",
                                "schema": {"type": "integer"}},
            "RateLimit-Remaining": {"description": "Requests left now.", "schema": {"type": "integer"}},
            "RateLimit-Reset": {"description": "Seconds until the bucket is full again.",
                                "schema": {"type": "integer"}},
        },
    },
}
