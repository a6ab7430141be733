"""Reading an NDJSON request body as numbered lines."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def ndjson_lines(request: Request) -> list[tuple[int, bytes]]:
    # The body-size middleware has bounded what this may read.
    body = await request.body()
    return list(enumerate(body.split(b"\n"), start=1))


NdjsonBody = Annotated[list[tuple[int, bytes]], Depends(ndjson_lines)]
