"""Answers to repeated queries, kept while the data have not changed.

Dashboards ask the same questions again and again: the same page of the same filters, the same
event, the same counts. Every committed write bumps the `data_version` row in its own transaction
(app.core.db), in whichever process or replica made it, so one primary-key read tells whether an
answer computed earlier is still the answer. This middleware keeps the bytes of successful JSON
answers to GET /v1/... in this process, keyed by everything that can change them (path, query
string, Accept, Authorization) and stamped with the version read *before* they were computed: a
write committed while one was being computed leaves it stamped with the older version, so it is
never served once that write is visible. Nothing is served that the database would not answer now.

Each kept answer also carries a weak ETag, so a client that sends it back in If-None-Match gets a
304 without the body.

It sits in front of the router, so a repeated query costs one indexed read instead of validation,
routing and the queries. A stream (an export) is passed on as it is computed, with a copy kept on
the side while it stays under the size limit; repeated, it is answered whole. Errors and larger
answers pass through untouched, and so does everything when the version cannot be read: the
application then answers the failure itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.db import Database

_VERSION_SQL = "SELECT version FROM data_version WHERE id = 1"
_REST_SECONDS = 1.0
# Pages and documents, and exports (streamed when computed, answered whole when kept).
_KEPT_TYPES = (b"application/json", b"text/csv", b"application/x-ndjson")


@dataclass(frozen=True, slots=True)
class _Answer:
    version: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes


class DataVersionReader:
    """Reads `data_version` for the middleware, by the cheapest honest path of each database.

    SQLite: a pooled connection, on the event loop (the read is answered from the page cache in
    microseconds). PostgreSQL: a connection of its own, in autocommit, used from the event loop
    itself, where a pooled connection in the thread pool would add a thread hop, a ping at checkout
    and a rollback at return. Requests share its round trips: the requests that arrive while one
    read is on its way wait for the next, which starts after all of them arrived and so sees every
    write committed before any of them; under load that is one round trip for many requests instead
    of a queue of them, one each. Closed by the app's lifespan.
    """

    def __init__(self, database: Database, *, timeout_seconds: float) -> None:
        self.engine = database.read_engine
        self.timeout_seconds = timeout_seconds
        self._connection: Any = None  # psycopg.AsyncConnection, opened on first use
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connecting = asyncio.Lock()
        self._resting_until = 0.0
        self._next: asyncio.Future[int] | None = None  # the read the requests arrived since the last one wait for
        self._reader: asyncio.Task[None] | None = None  # reads while requests wait for one

    async def read(self) -> int:
        if self.engine.dialect.name == "sqlite":
            return self._read_pooled()
        if time.monotonic() < self._resting_until:
            raise ConnectionError("the database failed a moment ago")
        loop = asyncio.get_running_loop()
        if self._next is None or self._next.get_loop() is not loop:
            self._next = loop.create_future()
        if self._reader is None or self._reader.done() or self._reader.get_loop() is not loop:
            self._reader = loop.create_task(self._read_while_waited_for())
        # Shielded: a request that goes away must not cancel the read the others wait for.
        return await asyncio.shield(self._next)

    async def _read_while_waited_for(self) -> None:
        while (waiting := self._next) is not None:
            self._next = None
            if time.monotonic() < self._resting_until:
                waiting.set_exception(ConnectionError("the database failed a moment ago"))
                continue
            try:
                version = await asyncio.wait_for(self._read_own(), self.timeout_seconds)
            except Exception as error:  # noqa: BLE001 - handed to every request that waited for it
                # While the database is away, requests go straight to the application (which answers
                # 503) instead of each waiting here first.
                self._resting_until = time.monotonic() + _REST_SECONDS
                waiting.set_exception(error)
            else:
                waiting.set_result(version)

    def _read_pooled(self) -> int:
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(_VERSION_SQL)
            row = cursor.fetchone()
            cursor.close()
            return row[0] if row else 0
        finally:
            connection.close()

    async def _read_own(self) -> int:
        connection = await self._open()
        try:
            cursor = await connection.execute(_VERSION_SQL)
            row = await cursor.fetchone()
        except Exception:
            await self.close()  # the next request connects afresh (the database may be back)
            raise
        return row[0] if row else 0

    async def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        async with self._connecting:
            if self._connection is None or self._connection.closed or self._loop is not loop:
                import psycopg

                await self.close()
                url = self.engine.url.set(drivername="postgresql")
                self._connection = await psycopg.AsyncConnection.connect(
                    url.render_as_string(hide_password=False), autocommit=True,
                    connect_timeout=max(1, int(self.timeout_seconds)))
                self._loop = loop
        return self._connection

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed and self._loop is asyncio.get_running_loop():
            with contextlib.suppress(Exception):
                await connection.close()


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, *, versions: DataVersionReader, max_bytes: int, require_read_key: bool) -> None:
        self.app = app
        self.versions = versions
        self.max_bytes = max_bytes
        # One answer may take at most an eighth of the budget: a few huge pages must not evict the rest.
        self.max_answer_bytes = max_bytes // 8
        # With reads behind a key, the route's own key check must run on every request.
        self.enabled = max_bytes > 0 and not require_read_key
        self._answers: OrderedDict[tuple[bytes, ...], _Answer] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "GET" \
                or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        accept = authorization = if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"authorization":
                # Kept as a digest: no key's secret is held in this process's memory.
                authorization = hashlib.blake2b(value, digest_size=16).digest()
            elif name == b"if-none-match":
                if_none_match = value
        try:
            version = await self.versions.read()
        except Exception:  # noqa: BLE001 - the application reports the database's failure itself
            await self.app(scope, receive, send)
            return
        key = (scope["path"].encode(), scope["query_string"], accept, authorization)
        answer = self._answers.get(key)
        if answer is not None and answer.version == version:
            self._answers.move_to_end(key)
            await self._send(send, answer, not_modified=answer.etag in _etags(if_none_match))
            return
        await self._compute(scope, receive, send, key=key, version=version)

    async def _compute(self, scope: Scope, receive: Receive, send: Send, *, key: tuple[bytes, ...],
                       version: int) -> None:
        start: Message | None = None  # held until the body shows whether the answer can be kept
        # The pieces of a streamed answer (an export) so far, while it may still be kept; None once not.
        pieces: list[bytes] | None = None
        stream_start: Message = {}
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, pieces, stream_start, size
            if message["type"] == "http.response.start":
                start = message
                return
            if start is not None:  # the first piece of the body
                head, start = start, None
                body = message.get("body", b"")
                if not message.get("more_body", False):
                    if self._keepable(head, body):
                        await self._send(send, self._keep(key, version, head, body), not_modified=False)
                    else:
                        await send(head)
                        await send(message)
                    return
                # A stream: sent as it comes, a copy kept on the side while it stays small enough.
                await send(head)
                if self._keepable(head, body):
                    pieces, stream_start, size = [body], head, len(body)
                await send(message)
                return
            await send(message)
            if pieces is None or message["type"] != "http.response.body":
                return
            piece = message.get("body", b"")
            size += len(piece)
            if size > self.max_answer_bytes:
                pieces = None
                return
            pieces.append(piece)
            if not message.get("more_body", False):
                self._keep(key, version, stream_start, b"".join(pieces))

        await self.app(scope, receive, capture)

    def _keepable(self, start: Message, body: bytes) -> bool:
        if start["status"] != 200 or len(body) > self.max_answer_bytes:
            return False
        headers = dict(start.get("headers", []))
        return headers.get(b"content-type", b"").startswith(_KEPT_TYPES) and b"set-cookie" not in headers

    def _keep(self, key: tuple[bytes, ...], version: int, start: Message, body: bytes) -> _Answer:
        etag = b'W/"%d-%s"' % (version, hashlib.blake2b(body, digest_size=10).hexdigest().encode())
        # A kept stream is answered whole: with its length instead of chunks.
        headers = [(name, value) for name, value in start.get("headers", [])
                   if name not in (b"etag", b"content-length", b"transfer-encoding")]
        headers.append((b"content-length", str(len(body)).encode()))
        answer = _Answer(version=version, status=start["status"], headers=headers, body=body, etag=etag)
        previous = self._answers.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous.body)
        self._answers[key] = answer
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._answers.popitem(last=False)
            self._bytes -= len(evicted.body)
        return answer

    @staticmethod
    async def _send(send: Send, answer: _Answer, *, not_modified: bool) -> None:
        if not_modified:
            headers = [(name, value) for name, value in answer.headers if name != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": [*headers, (b"etag", answer.etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [*answer.headers, (b"etag", answer.etag)]})
        await send({"type": "http.response.body", "body": answer.body})


def _etags(if_none_match: bytes) -> list[bytes]:
    return [tag.strip() for tag in if_none_match.split(b",")] if if_none_match else []
