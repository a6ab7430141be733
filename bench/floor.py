"""The floor: a bare Starlette endpoint answering precomputed bodies, served like `python -m app serve`.

    .venv/bin/python bench/floor.py --payloads bench/data/floor-100000-sqlite --port 8003

Runs in the project's virtualenv, so uvicorn, its event loop (uvloop) and HTTP parser (httptools)
are the very ones the service runs on, with the options app/cli.py passes to uvicorn.run (one
worker, proxy headers, log level info, which includes the access log). GET /f/NAME answers the bytes
of NAME.body (captured from the service, so of the same size) with the content type of NAME.type;
a CSV body is streamed in 64 KiB chunks, as the service's export is.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

PAYLOADS = Path(os.environ.get("FLOOR_PAYLOADS", "."))
BODIES: dict[str, tuple[bytes, str]] = {}
for path in sorted(PAYLOADS.glob("*.body")):
    BODIES[path.stem] = (path.read_bytes(), path.with_suffix(".type").read_text().strip())


async def answer(request: Request) -> Response:
    body, media_type = BODIES[request.path_params["name"]]
    if media_type.startswith("text/csv"):
        def chunks():  # noqa: ANN202
            for start in range(0, len(body), 64 * 1024):
                yield body[start:start + 64 * 1024]
        return StreamingResponse(chunks(), media_type=media_type)
    return Response(body, media_type=media_type)


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/f/{name}", answer), Route("/healthz", healthz)])

if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8003)
    args = parser.parse_args()
    # As app/cli.py `serve` calls it (there with the app factory), so that the machinery is the same.
    uvicorn.run("floor:app", host="127.0.0.1", port=args.port, workers=1, proxy_headers=True, log_level="info")
